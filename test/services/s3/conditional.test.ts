/**
 * Protections a client asks for are given or refused, never accepted and ignored: conditional
 * writes (If-Match / If-None-Match on PutObject, CopyObject, CompleteMultipartUpload), SSE-C
 * and SSE-KMS (NotImplemented), SSE-S3 (echoed), and bucket policies the engine could not
 * apply (MalformedPolicy at PutBucketPolicy).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, s3Client } from './support.js';

let server: TestServer;
let s3: S3Client;
const Bucket = 'cond';

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await server.close();
});

const body = async (Key: string): Promise<string> => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();

describe('conditional writes', () => {
  it('If-None-Match: * creates once; a second write is 412 PreconditionFailed and the first stays', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    expect(first.ETag).toBeDefined();
    const e = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: 'second', IfNoneMatch: '*' })));
    expect([e.status, e.name]).toEqual([412, 'PreconditionFailed']);
    expect(await body('once')).toBe('first');
  });

  it('If-Match overwrites only the version it names; a stale ETag is 412, a missing key 404', async () => {
    const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v2', IfMatch: v1.ETag }));
    const stale = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'lost update', IfMatch: v1.ETag })));
    expect([stale.status, stale.name]).toEqual([412, 'PreconditionFailed']);
    expect(await body('doc')).toBe('v2');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'v3', IfMatch: v2.ETag }));
    expect(await body('doc')).toBe('v3');
    const missing = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'nothing', Body: 'x', IfMatch: v1.ETag })));
    expect([missing.status, missing.name]).toEqual([404, 'NoSuchKey']);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'nothing' })))).status).toBe(404);
  });

  it('two racing If-None-Match: * writes: exactly one wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket, Key: 'race', Body: `writer ${i}`, IfNoneMatch: '*' }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { name: string }).name).toBe('PreconditionFailed');
  });

  it('If-None-Match with an ETag is NotImplemented, not ignored', async () => {
    const e = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'x', IfNoneMatch: '"abc"' })));
    expect([e.status, e.name]).toEqual([501, 'NotImplemented']);
    expect(await body('doc')).toBe('v3');
  });

  it('CopyObject and CompleteMultipartUpload honour If-None-Match; a refused completion leaves the upload', async () => {
    const copy = await errorOf(s3.send(new CopyObjectCommand({ Bucket, Key: 'doc', CopySource: `${Bucket}/once`, IfNoneMatch: '*' })));
    expect([copy.status, copy.name]).toEqual([412, 'PreconditionFailed']);
    expect(await body('doc')).toBe('v3');

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'doc' }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'doc', UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    const complete = (IfNoneMatch?: string) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'doc', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, ...(IfNoneMatch === undefined ? {} : { IfNoneMatch }) }));
    const refused = await errorOf(complete('*'));
    expect([refused.status, refused.name]).toEqual([412, 'PreconditionFailed']);
    expect(await body('doc')).toBe('v3');
    expect((await s3.send(new ListPartsCommand({ Bucket, Key: 'doc', UploadId }))).Parts).toHaveLength(1);
    await complete();
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'doc' }))).ContentLength).toBe(1000);
  });
});

describe('server-side encryption', () => {
  const key = randomBytes(32);
  const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') };

  it('refuses SSE-C on writes and reads with NotImplemented, storing nothing', async () => {
    const put = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'secret', Body: 'plaintext', ...sseC })));
    expect([put.status, put.name]).toEqual([501, 'NotImplemented']);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'secret' })))).status).toBe(404);
    const get = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'doc', ...sseC })));
    expect([get.status, get.name]).toEqual([501, 'NotImplemented']);
    const mpu = await errorOf(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'secret', ...sseC })));
    expect(mpu.name).toBe('NotImplemented');
  });

  it('refuses SSE-KMS with NotImplemented and an unknown algorithm with InvalidArgument', async () => {
    const kms = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/mine' })));
    expect([kms.status, kms.name]).toEqual([501, 'NotImplemented']);
    const odd = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'kms', Body: 'x', ServerSideEncryption: 'ROT13' as 'AES256' })));
    expect([odd.status, odd.name]).toEqual([400, 'InvalidArgument']);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'kms' })))).status).toBe(404);
  });

  it('echoes SSE-S3 (AES256) on PutObject, CopyObject and CreateMultipartUpload', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'sse-s3', Body: 'x', ServerSideEncryption: 'AES256' }));
    expect(put.ServerSideEncryption).toBe('AES256');
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'sse-s3-copy', CopySource: `${Bucket}/sse-s3`, ServerSideEncryption: 'AES256' }));
    expect(copy.ServerSideEncryption).toBe('AES256');
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'sse-s3-mpu', ServerSideEncryption: 'AES256' }));
    expect(mpu.ServerSideEncryption).toBe('AES256');
  });
});

describe('other protections asked for', () => {
  it('refuses tagging and Object Lock headers with NotImplemented, storing nothing', async () => {
    const tagged = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 'x', Tagging: 'classification=secret' })));
    expect([tagged.status, tagged.name]).toEqual([501, 'NotImplemented']);
    const locked = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) })));
    expect([locked.status, locked.name]).toEqual([501, 'NotImplemented']);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'tagged' })))).status).toBe(404);
  });

  it('CopyObject checks ExpectedSourceBucketOwner', async () => {
    const wrong = await errorOf(s3.send(new CopyObjectCommand({ Bucket, Key: 'copied', CopySource: `${Bucket}/doc`, ExpectedSourceBucketOwner: '111111111111' })));
    expect([wrong.status, wrong.name]).toEqual([403, 'AccessDenied']);
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'copied' })))).status).toBe(404);
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copied', CopySource: `${Bucket}/doc`, ExpectedSourceBucketOwner: '000000000000' }));
    expect(await body('copied')).toBe(await body('doc'));
  });
});

describe('PutBucketPolicy validates what the engine will apply', () => {
  const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*`, ...statement }] });

  it.each([
    ['an invalid principal', { Principal: { AWS: 'bob' } }, 'Invalid principal in policy'],
    ['a principal ARN of no account', { Principal: { AWS: 'arn:aws:iam::bob:root' } }, 'Invalid principal in policy'],
    ['a bad action', { Principal: '*', Action: 'GetObject' }, 'Policy has invalid action'],
    ['a missing Principal', {}, 'Missing required field Principal'],
  ])('refuses %s with MalformedPolicy and stores nothing', async (_what, statement, message) => {
    const e = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy(statement) })));
    expect([e.status, e.name, e.message]).toEqual([400, 'MalformedPolicy', message]);
    expect((await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket })))).name).toBe('NoSuchBucketPolicy');
  });

  it('refuses a policy without Statement', async () => {
    const e = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify({ Version: '2012-10-17' }) })));
    expect([e.name, e.message]).toEqual(['MalformedPolicy', 'Missing required field Statement']);
  });

  it('stores a valid policy naming the account', async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Principal: { AWS: 'arn:aws:iam::000000000000:root' } }) }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toContain('000000000000');
  });
});
