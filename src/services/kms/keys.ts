/**
 * KMS's cryptography on its keys, with no authorization: the service's operations call it
 * once the policy engine has allowed them, and Cognito (as `cognito-idp.amazonaws.com`) through
 * `envelope.ts`. Keys are named as KMS names them: key id, key ARN; aliases are not kept.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../../errors.js';
import type { KeyMetadata } from './api.generated.js';
import { keyOf, open, seal } from './ciphertext.js';
import type { KeyStore, KmsKey } from './store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type EncryptionContext = Readonly<Record<string, string>> | undefined;

export const invalidCiphertext = (): ServiceError => new ServiceError('InvalidCiphertextException', '', 400);

export class KmsKeys {
  constructor(
    readonly store: KeyStore,
    readonly region: string,
    readonly accountId: string,
  ) {}

  arn(id: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:key/${id}`;
  }

  /** The key a KeyId names (key id or key ARN of this account and region). */
  async resolve(keyId: string): Promise<KmsKey> {
    if (keyId.startsWith('alias/') || /^arn:aws:kms:[^:]*:[^:]*:alias\//.test(keyId)) {
      const name = keyId.startsWith('alias/') ? `arn:aws:kms:${this.region}:${this.accountId}:${keyId}` : keyId;
      throw new ServiceError('NotFoundException', `Alias ${name} is not found.`, 400);
    }
    const m = /^arn:aws:kms:([^:]+):(\d{12}):key\/(.+)$/.exec(keyId);
    const id = m === null ? keyId : m[1] === this.region && m[2] === this.accountId ? m[3]! : undefined;
    const key = id !== undefined && UUID.test(id) ? await this.store.get(id) : undefined;
    if (key === undefined) {
      if (id === undefined || !UUID.test(id)) throw new ServiceError('NotFoundException', `Invalid keyId '${keyId}'`, 400);
      throw new ServiceError('NotFoundException', `Key '${this.arn(id)}' does not exist`, 400);
    }
    return key;
  }

  /** The key a ciphertext blob was made under (Decrypt without KeyId). */
  async keyOfBlob(blob: Uint8Array): Promise<KmsKey> {
    const id = keyOf(blob);
    const key = id === undefined ? undefined : await this.store.get(id);
    if (key === undefined) throw invalidCiphertext();
    return key;
  }

  metadata(key: KmsKey): KeyMetadata {
    return {
      AWSAccountId: this.accountId,
      KeyId: key.id,
      Arn: this.arn(key.id),
      CreationDate: new Date(key.createdAt),
      Enabled: true,
      Description: key.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    };
  }

  async #material(key: KmsKey): Promise<Buffer> {
    const m = await this.store.material(key.id);
    if (m === undefined) throw new ServiceError('NotFoundException', `Key '${this.arn(key.id)}' does not exist`, 400);
    return m;
  }

  async encrypt(key: KmsKey, plaintext: Uint8Array, context: EncryptionContext): Promise<{ KeyId: string; CiphertextBlob: Buffer }> {
    return { KeyId: this.arn(key.id), CiphertextBlob: seal(key.id, await this.#material(key), plaintext, context) };
  }

  async decrypt(key: KmsKey, blob: Uint8Array, context: EncryptionContext): Promise<{ KeyId: string; Plaintext: Buffer }> {
    if (keyOf(blob) !== key.id) {
      throw new ServiceError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.', 400);
    }
    const plaintext = open(key.id, await this.#material(key), blob, context);
    if (plaintext === undefined) throw invalidCiphertext();
    return { KeyId: this.arn(key.id), Plaintext: plaintext };
  }

  /** A fresh data key, in plaintext and encrypted under `key`. */
  async generateDataKey(key: KmsKey, bytes: number, context: EncryptionContext): Promise<{ KeyId: string; Plaintext: Buffer; CiphertextBlob: Buffer }> {
    const plaintext = randomBytes(bytes);
    return { ...(await this.encrypt(key, plaintext, context)), Plaintext: plaintext };
  }
}
