/**
 * KMS through the official clients: @aws-sdk/client-kms (CreateKey, DescribeKey, ListKeys,
 * Encrypt, Decrypt, GenerateDataKey, Get/PutKeyPolicy) and the AWS Encryption SDK
 * (@aws-crypto/client-node's KmsKeyringNode) encrypting and decrypting through Gatehouse's KMS.
 * Decisions: the key policy must allow (the default lets IAM policies decide), then the role's
 * identity policy. Bad input: a tampered blob, another encryption context, another key's id.
 */
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, GetKeyPolicyCommand, KMS, KMSClient, ListKeysCommand, PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';

const ACCT = '000000000000';
let server: TestServer;
let kms: KMSClient;
let keyArn: string;
let keyId: string;

async function roleClient(name: string, policy: object): Promise<KMSClient> {
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'kms', PolicyDocument: JSON.stringify(policy) }));
  const s = await new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${name}`, RoleSessionName: name }));
  const c = s.Credentials!;
  return new KMSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } });
}

beforeAll(async () => {
  server = await startServer();
  kms = new KMSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  const k = await kms.send(new CreateKeyCommand({ Description: 'codes' }));
  keyArn = k.KeyMetadata!.Arn!;
  keyId = k.KeyMetadata!.KeyId!;
});
afterAll(() => server?.close());

describe('keys', () => {
  it('creates a symmetric key and describes and lists it as KMS does', async () => {
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(keyArn).toBe(`arn:aws:kms:${REGION}:${ACCT}:key/${keyId}`);
    for (const id of [keyId, keyArn]) {
      const d = await kms.send(new DescribeKeyCommand({ KeyId: id }));
      expect(d.KeyMetadata).toMatchObject({ KeyId: keyId, Arn: keyArn, AWSAccountId: ACCT, Description: 'codes', Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'], KeyManager: 'CUSTOMER', Origin: 'AWS_KMS' });
      expect(d.KeyMetadata!.CreationDate).toBeInstanceOf(Date);
    }
    expect((await kms.send(new ListKeysCommand({}))).Keys).toContainEqual({ KeyId: keyId, KeyArn: keyArn });
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!);
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*' })]);
  });

  it('answers NotFoundException for a key that does not exist, and refuses asymmetric keys', async () => {
    const missing = '11111111-2222-3333-4444-555555555555';
    expect(await errorOf(kms.send(new DescribeKeyCommand({ KeyId: missing })))).toMatchObject({ name: 'NotFoundException', message: `Key 'arn:aws:kms:${REGION}:${ACCT}:key/${missing}' does not exist` });
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })))).name).toBe('NotFoundException');
    expect((await errorOf(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })))).name).toBe('UnsupportedOperationException');
  });
});

describe('Encrypt, Decrypt, GenerateDataKey', () => {
  it('round-trips with an encryption context, with and without KeyId', async () => {
    const EncryptionContext = { purpose: 'test' };
    const e = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret'), EncryptionContext }));
    expect(e.KeyId).toBe(keyArn);
    for (const input of [{}, { KeyId: keyArn }]) {
      const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext, ...input }));
      expect([Buffer.from(d.Plaintext!).toString(), d.KeyId, d.EncryptionAlgorithm]).toEqual(['secret', keyArn, 'SYMMETRIC_DEFAULT']);
    }
    const g = await kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, NumberOfBytes: 32 }));
    expect(g.Plaintext).toHaveLength(32);
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob }))).Plaintext!)).toEqual(Buffer.from(g.Plaintext!));
  });

  it('refuses another encryption context, a tampered blob and another key', async () => {
    const e = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret'), EncryptionContext: { purpose: 'a' } }));
    expect((await errorOf(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { purpose: 'b' } })))).name).toBe('InvalidCiphertextException');
    const tampered = Buffer.from(e.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    expect((await errorOf(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { purpose: 'a' } })))).name).toBe('InvalidCiphertextException');
    expect((await errorOf(kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a kms blob at all, not at all') })))).name).toBe('InvalidCiphertextException');
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId;
    expect((await errorOf(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: other, EncryptionContext: { purpose: 'a' } })))).name).toBe('IncorrectKeyException');
  });

  it('serves the AWS Encryption SDK: KmsKeyringNode encrypts and decrypts through Gatehouse', async () => {
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const client = new KMS({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => client });
    const { result } = await encrypt(keyring, Buffer.from('hello'), { encryptionContext: { app: 'test' } });
    const { plaintext, messageHeader } = await decrypt(keyring, result);
    expect(plaintext.toString()).toBe('hello');
    expect(messageHeader.encryptionContext).toMatchObject({ app: 'test' });
    expect(messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo])).toEqual([['aws-kms', keyArn]]);
  });
});

describe('decisions', () => {
  it('lets a role do what its identity policy allows under the default key policy', async () => {
    const blob = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }))).CiphertextBlob;
    const decryptOnly = await roleClient('kms-decrypt', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }] });
    expect(Buffer.from((await decryptOnly.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString()).toBe('x');
    const denied = await errorOf(decryptOnly.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
    expect([denied.name, denied.message]).toEqual(['AccessDeniedException', `User: arn:aws:sts::${ACCT}:assumed-role/kms-decrypt/kms-decrypt is not authorized to perform: kms:Encrypt on resource: ${keyArn} because no identity-based policy allows the kms:Encrypt action`]);
  });

  it('refuses the role when the key policy does not let the account decide', async () => {
    const k = await kms.send(new CreateKeyCommand({}));
    const arn = k.KeyMetadata!.Arn!;
    const blob = (await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') }))).CiphertextBlob;
    const role = await roleClient('kms-any', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
    expect(Buffer.from((await role.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString()).toBe('x');
    const only = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/someone-else` }, Action: 'kms:*', Resource: '*' }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: arn, PolicyName: 'default', Policy: JSON.stringify(only) }));
    const e = await errorOf(role.send(new DecryptCommand({ CiphertextBlob: blob })));
    expect([e.name, e.status]).toEqual(['AccessDeniedException', 400]);
    expect((await errorOf(kms.send(new PutKeyPolicyCommand({ KeyId: arn, PolicyName: 'default', Policy: 'not json' })))).name).toBe('MalformedPolicyDocumentException');
  });
});
