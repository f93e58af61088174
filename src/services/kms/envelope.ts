/**
 * What Cognito hands a custom sender function: the code encrypted with the AWS Encryption SDK
 * (`@aws-crypto/client-node`, the library AWS's documentation has the function decrypt with)
 * under the pool's KMS key, base64. The message is the SDK's own format — the default
 * committing suite with ECDSA P-384 signatures, no encryption context of Gatehouse's — and its
 * one encrypted data key is an `aws-kms` key naming the key ARN, made by Gatehouse's KMS, so a
 * `KmsKeyringNode` with that ARN decrypts it by calling KMS Decrypt at AWS_ENDPOINT_URL.
 * @module
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import type { KmsKeys } from './keys.js';
import type { KmsKey } from './store.js';

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

type Context = Record<string, string> | undefined;

export async function sealForFunction(keys: KmsKeys, key: KmsKey, plaintext: string): Promise<string> {
  // The keyring's KMS client, answered in-process: Cognito is KMS's caller here, not a signed request.
  const client = {
    generateDataKey: (a: { NumberOfBytes?: number; EncryptionContext?: Context }) => keys.generateDataKey(key, a.NumberOfBytes ?? 32, a.EncryptionContext),
    encrypt: (a: { Plaintext?: Uint8Array; EncryptionContext?: Context }) => keys.encrypt(key, a.Plaintext ?? new Uint8Array(), a.EncryptionContext),
    decrypt: (a: { CiphertextBlob?: Uint8Array; EncryptionContext?: Context }) => keys.decrypt(key, a.CiphertextBlob ?? new Uint8Array(), a.EncryptionContext),
  };
  const keyring = new KmsKeyringNode({ generatorKeyId: keys.arn(key.id), clientProvider: () => client as never });
  const { result } = await encrypt(keyring, Buffer.from(plaintext, 'utf8'));
  return Buffer.from(result).toString('base64');
}
