/**
 * KMS (AWS JSON 1.1, `TrentService`), the part Cognito's custom sender triggers need:
 * symmetric keys (CreateKey, DescribeKey, ListKeys, GetKeyPolicy, PutKeyPolicy) and Encrypt,
 * Decrypt, GenerateDataKey. Every call is decided by the policy engine with the key policy as
 * the resource policy that must allow it, as at AWS: the default key policy lets the account's
 * IAM policies decide. Gatehouse's own Cognito encrypts the custom senders' codes with these
 * keys in the AWS Encryption SDK's message format (`envelope.ts`).
 * @module
 */
import { ServiceError } from '../../errors.js';
import { loadModel } from '../../protocols/model.js';
import type { Database } from '../../store/database.js';
import type { SecretBox } from '../../store/secrets.js';
import { requestConditionKeys } from '../condition-keys.js';
import { accessDeniedMessage, type Authorizer } from '../iam/authorizer.js';
import type { ApiService, OperationHandlers, RequestContext } from '../types.js';
import type { Operations } from './api.generated.js';
import { KmsKeys, type EncryptionContext } from './keys.js';
import { KeyStore } from './store.js';

export { kmsSchema } from './store.js';
export type { KmsKeys } from './keys.js';

export interface KmsDeps {
  db: Database;
  secrets: SecretBox;
  authorizer: Authorizer;
  region: string;
  accountId: string;
}

export interface Kms {
  service: ApiService;
  keys: KmsKeys;
  /**
   * Encrypts `plaintext` for a function as Cognito does for its custom senders: an AWS
   * Encryption SDK message under the key, base64. Undefined when the key does not exist or its
   * policy does not let `cognito-idp.amazonaws.com` use it for this pool (kms:CreateGrant).
   */
  encryptForCognito(keyArn: string, plaintext: string, userPoolArn: string): Promise<string | undefined>;
}

const MAX_POLICY_BYTES = 32 * 1024;

export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

/** A key policy must be a JSON policy document of bounded size; the engine judges the rest. */
function checkPolicy(policy: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    doc = undefined;
  }
  if (Buffer.byteLength(policy) > MAX_POLICY_BYTES || typeof doc !== 'object' || doc === null || !('Statement' in doc)) {
    throw new ServiceError('MalformedPolicyDocumentException', 'The key policy is not a valid policy document.', 400);
  }
  return policy;
}

/** `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`, for the key policy's conditions. */
function contextKeys(context: EncryptionContext): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (context === undefined) return out;
  for (const [k, v] of Object.entries(context)) out[`kms:EncryptionContext:${k}`] = v;
  out['kms:EncryptionContextKeys'] = Object.keys(context);
  return out;
}

export function createKms(deps: KmsDeps): Kms {
  const keys = new KmsKeys(new KeyStore(deps.db, deps.secrets), deps.region, deps.accountId);
  const model = loadModel('kms');

  const operations: OperationHandlers<Operations> = {
    async CreateKey(input, ctx) {
      if ((input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT' || (input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT' || (input.Origin ?? 'AWS_KMS') !== 'AWS_KMS' || input.MultiRegion === true) {
        throw new ServiceError('UnsupportedOperationException', 'Gatehouse makes symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS, single-Region).', 400);
      }
      const policy = input.Policy === undefined ? defaultKeyPolicy(deps.accountId) : checkPolicy(input.Policy);
      const key = await keys.store.create(input.Description ?? '', () => policy, ctx.now());
      return { KeyMetadata: keys.metadata(key) };
    },
    async DescribeKey(input) {
      return { KeyMetadata: keys.metadata(await keys.resolve(input.KeyId)) };
    },
    async ListKeys(input) {
      const limit = Math.min(input.Limit ?? 100, 1000);
      const after = input.Marker === undefined ? '' : Buffer.from(input.Marker, 'base64url').toString('utf8');
      const ids = await keys.store.list(after, limit + 1);
      const page = ids.slice(0, limit);
      return {
        Keys: page.map((id) => ({ KeyId: id, KeyArn: keys.arn(id) })),
        Truncated: ids.length > limit,
        ...(ids.length > limit ? { NextMarker: Buffer.from(page[page.length - 1]!).toString('base64url') } : {}),
      };
    },
    async GetKeyPolicy(input) {
      const key = await keys.resolve(input.KeyId);
      return { Policy: key.policy, PolicyName: 'default' };
    },
    async PutKeyPolicy(input) {
      const key = await keys.resolve(input.KeyId);
      if ((input.PolicyName ?? 'default') !== 'default') throw new ServiceError('NotFoundException', 'No such policy exists', 400);
      await keys.store.setPolicy(key.id, checkPolicy(input.Policy));
    },
    async Encrypt(input) {
      const key = await keys.resolve(input.KeyId);
      return { ...(await keys.encrypt(key, input.Plaintext, input.EncryptionContext)), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async Decrypt(input) {
      if (input.CiphertextBlob === undefined) throw new ServiceError('ValidationException', '1 validation error detected: Value null at \'ciphertextBlob\' failed to satisfy constraint: Member must not be null', 400);
      const key = input.KeyId === undefined ? await keys.keyOfBlob(input.CiphertextBlob) : await keys.resolve(input.KeyId);
      return { ...(await keys.decrypt(key, input.CiphertextBlob, input.EncryptionContext)), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async GenerateDataKey(input) {
      const key = await keys.resolve(input.KeyId);
      const bytes = input.NumberOfBytes ?? (input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : undefined);
      if (bytes === undefined || (input.NumberOfBytes !== undefined && input.KeySpec !== undefined)) {
        throw new ServiceError('ValidationException', 'Please specify either number of bytes or key spec.', 400);
      }
      return keys.generateDataKey(key, bytes, input.EncryptionContext);
    },
  };

  /** The key a request names (for Decrypt: by KeyId, else by its ciphertext) and the decision on it. */
  async function authorize(operation: string, input: unknown, ctx: RequestContext): Promise<void> {
    const i = input as { KeyId?: string; CiphertextBlob?: Uint8Array; EncryptionContext?: EncryptionContext };
    const key = operation === 'CreateKey' || operation === 'ListKeys' ? undefined
      : operation === 'Decrypt' && i.KeyId === undefined ? await keys.keyOfBlob(i.CiphertextBlob ?? new Uint8Array()) : await keys.resolve(i.KeyId ?? '');
    const request = {
      principal: ctx.principal,
      action: `kms:${operation}`,
      resource: key === undefined ? '*' : keys.arn(key.id),
      context: { ...requestConditionKeys(ctx), 'kms:CallerAccount': deps.accountId, ...contextKeys(i.EncryptionContext) },
      ...(key === undefined ? {} : { resourcePolicies: [key.policy], requireResourceAllow: true }),
    };
    const d = await deps.authorizer.authorize(request);
    if (d.decision !== 'Allow') throw new ServiceError('AccessDeniedException', accessDeniedMessage(request, d), 400);
  }

  const service: ApiService = {
    name: 'kms',
    model,
    validationErrorCode: 'ValidationException',
    internalErrorCode: 'KMSInternalException',
    operations: operations as ApiService['operations'],
    authorize,
  };

  return {
    service,
    keys,
    async encryptForCognito(keyArn, plaintext, userPoolArn) {
      let key;
      try {
        key = await keys.resolve(keyArn);
      } catch {
        return undefined;
      }
      // As AWS documents it: the key policy lets cognito-idp.amazonaws.com create grants for the pool.
      const d = await deps.authorizer.authorize({
        principal: undefined,
        service: 'cognito-idp.amazonaws.com',
        action: 'kms:CreateGrant',
        resource: keys.arn(key.id),
        context: { 'aws:SourceArn': userPoolArn, 'aws:SourceAccount': deps.accountId },
        resourcePolicies: [key.policy],
      });
      if (d.decision !== 'Allow') return undefined;
      // The AWS Encryption SDK is loaded with the first custom sender's code, not at start.
      const { sealForFunction } = await import('./envelope.js');
      return sealForFunction(keys, key, plaintext);
    },
  };
}
