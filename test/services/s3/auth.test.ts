import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { openBody } from '../../../src/services/s3/streaming.js';
import { crc32, crc32c } from '../../../src/services/s3/storage/checksums.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { awsChunked, codeOf, errorOf, raw, s3Client, Sha256, signedRequest, signingKeyFor } from './support.js';

let server: TestServer;
/** A real STS session for a role with no permissions, assumed by root. */
let TEMP: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

beforeAll(async () => {
  server = await startServer();
  await s3Client(server).send(new CreateBucketCommand({ Bucket: 'auth' }));
  const common = { endpoint: server.url, region: REGION, credentials: server.credentials };
  await new IAMClient(common).send(
    new CreateRoleCommand({
      RoleName: 'Reader',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  const { Credentials } = await new STSClient(common).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/Reader', RoleSessionName: 'session', DurationSeconds: 900 }));
  TEMP = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
});
afterAll(async () => {
  await server.close();
});

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('aws-chunked bodies: the AWS documentation example', () => {
  it('verifies the chunk signatures of AWS\'s published STREAMING-AWS4-HMAC-SHA256-PAYLOAD example', async () => {
    // docs: "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"
    const key = signingKeyFor('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1');
    const sig = { seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9', amzDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request', key };
    const data = Buffer.alloc(66560, 'a');
    const encoded = awsChunked(data, 65536, sig);
    const text = encoded.toString('latin1');
    expect(text).toContain('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n');
    expect(text).toContain('400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n');
    expect(text).toContain('0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n');

    const decode = async (body: Buffer): Promise<Buffer> => {
      const req = Readable.from([body.subarray(0, 1000), body.subarray(1000, 70000), body.subarray(70000)]) as unknown as IncomingMessage;
      (req as { headers: Record<string, string> }).headers = { 'x-amz-decoded-content-length': String(data.length) };
      const out: Buffer[] = [];
      for await (const c of openBody(req, { kind: 'chunked', signed: true, trailer: false, seedSignature: sig.seed, signingKey: key, amzDate: sig.amzDate, scope: sig.scope })) out.push(c);
      return Buffer.concat(out);
    };
    expect((await decode(encoded)).equals(data)).toBe(true);
    const tampered = Buffer.from(encoded);
    tampered[200] = 'b'.charCodeAt(0);
    await expect(decode(tampered)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});

describe('aws-chunked bodies: bounded by the declared decoded length', () => {
  it('stops reading at the first byte past x-amz-decoded-content-length (IncompleteBody), not at the end of the body', async () => {
    // 10 bytes declared, a 32-byte chunk sent, and more body behind it that must never be pulled.
    let pulledMore = false;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(`20\r\n${'x'.repeat(32)}\r\n`, 'latin1');
      pulledMore = true;
      yield Buffer.from('0\r\n\r\n', 'latin1');
    }
    // The generator itself, not a Readable: a Readable would read ahead and hide when it is pulled.
    const req = Object.assign(source(), { headers: { 'x-amz-decoded-content-length': '10' } }) as unknown as IncomingMessage;
    const body = openBody(req, { kind: 'chunked', signed: false, trailer: false, seedSignature: '', signingKey: Buffer.alloc(32), amzDate: '', scope: '' });
    let yielded = 0;
    await expect(
      (async () => {
        for await (const c of body) yielded += c.length;
      })(),
    ).rejects.toMatchObject({ code: 'IncompleteBody' });
    expect(yielded).toBe(0);
    expect(pulledMore).toBe(false);
  });

  it('bounds the trailer section: endless trailer lines are refused, not gathered', async () => {
    let sent = 0;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('3\r\nabc\r\n0\r\n', 'latin1');
      // 1 MiB of trailer lines, and never the blank line that ends them.
      for (; sent < 16_384; sent++) yield Buffer.from(`x-amz-meta-${sent}:${'v'.repeat(50)}\r\n`, 'latin1');
    }
    const req = Object.assign(source(), { headers: { 'x-amz-decoded-content-length': '3' } }) as unknown as IncomingMessage;
    const body = openBody(req, { kind: 'chunked', signed: false, trailer: true, seedSignature: '', signingKey: Buffer.alloc(32), amzDate: '', scope: '' });
    await expect(
      (async () => {
        for await (const _ of body);
      })(),
    ).rejects.toMatchObject({ code: 'InvalidRequest', message: 'Malformed aws-chunked body: trailer too long.' });
    expect(sent).toBeLessThan(1000);
    expect(body.trailers.size).toBeLessThan(1000);
  });
});

async function chunkedPut(
  key: string,
  data: Buffer,
  mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  mutate: (body: Buffer) => Buffer = (b) => b,
  trailers?: Record<string, string>,
  decodedLength = data.length,
): Promise<{ status: number; text: string }> {
  const signed = mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const when = new Date();
  const amzDate = when.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const scopeStr = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const skey = signingKeyFor(server.credentials.secretAccessKey, amzDate.slice(0, 8));
  const dummy = awsChunked(data, 8192, signed ? { seed: '0'.repeat(64), amzDate, scope: scopeStr, key: skey } : undefined, trailers);
  const headers: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decodedLength),
    'content-length': String(dummy.length),
  };
  if (trailers !== undefined) headers['x-amz-trailer'] = Object.keys(trailers).join(',');
  // Sign the headers with the SDK's signer, then build the body from the seed signature it produced.
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: server.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const s = await signer.sign(
    { method: 'PUT', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/auth/${key}`, query: {}, headers: { host: u.host, 'x-amz-content-sha256': mode, ...headers } },
    { signingDate: when },
  );
  const seed = /Signature=([0-9a-f]+)/.exec(String(s.headers.authorization))![1]!;
  const body = mutate(awsChunked(data, 8192, signed ? { seed, amzDate, scope: scopeStr, key: skey } : undefined, trailers));
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers)) if (k !== 'host') h[k] = String(v);
  h['content-length'] = String(body.length);
  const r = await fetch(`${server.url}/auth/${key}`, { method: 'PUT', headers: h, body });
  return { status: r.status, text: await r.text() };
}

/** CRC32 as S3 writes it: big-endian, base64. */
function crc32b64(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data));
  return b.toString('base64');
}

describe('S3 streaming uploads (aws-chunked)', () => {
  it('takes STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer from SDK v3 (stream bodies), including lib-storage parts', async () => {
    const s3 = s3Client(server);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'auth', Key: 'sdk-stream', Body: Readable.from([Buffer.from('streamed '), Buffer.from('body')]), ContentLength: 13 }));
    expect(put.ChecksumCRC32).toBe(crc32b64(Buffer.from('streamed body')));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'auth', Key: 'sdk-stream' }));
    expect(await got.Body!.transformToString()).toBe('streamed body');
    const data = randomBytes(11 * 1024 * 1024);
    const up = await new Upload({ client: s3, params: { Bucket: 'auth', Key: 'sdk-stream-mp', Body: Readable.from([data.subarray(0, 6_000_000), data.subarray(6_000_000)]) }, partSize: 5 * 1024 * 1024 }).done();
    expect(up.ETag).toMatch(/-3"$/);
    const back = await s3.send(new GetObjectCommand({ Bucket: 'auth', Key: 'sdk-stream-mp' }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('accepts STREAMING-AWS4-HMAC-SHA256-PAYLOAD with per-chunk signatures, and refuses a tampered chunk', async () => {
    const data = randomBytes(30_000);
    const ok = await chunkedPut('signed-chunks', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    expect(ok.status, ok.text).toBe(200);
    const got = await s3Client(server).send(new GetObjectCommand({ Bucket: 'auth', Key: 'signed-chunks' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);

    const bad = await chunkedPut('signed-chunks-bad', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (b) => {
      const t = Buffer.from(b);
      t[9000] = t[9000]! ^ 0xff;
      return t;
    });
    expect(bad.status).toBe(403);
    expect(codeOf(bad.text)).toBe('SignatureDoesNotMatch');
    // Nothing half-written became visible.
    expect(await errorOf(s3Client(server).send(new GetObjectCommand({ Bucket: 'auth', Key: 'signed-chunks-bad' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  it('accepts signed trailers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER) and refuses a wrong trailer signature or checksum', async () => {
    const data = randomBytes(20_000);
    const trailers = { 'x-amz-checksum-crc32': crc32b64(data) };
    const ok = await chunkedPut('signed-trailer', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', undefined, trailers);
    expect(ok.status, ok.text).toBe(200);
    const badSig = await chunkedPut('signed-trailer-bad', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', (b) => {
      const s = b.toString('latin1').replace(/x-amz-trailer-signature:([0-9a-f])/, (_m, c: string) => `x-amz-trailer-signature:${c === '0' ? '1' : '0'}`);
      return Buffer.from(s, 'latin1');
    }, trailers);
    expect(codeOf(badSig.text)).toBe('SignatureDoesNotMatch');
    const wrongSum = await chunkedPut('signed-trailer-sum', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', undefined, { 'x-amz-checksum-crc32': crc32b64(Buffer.from('other')) });
    expect(wrongSum.status).toBe(400);
    expect(codeOf(wrongSum.text)).toBe('BadDigest');
  });

  it('checks unsigned trailers\' checksums (CRC32, CRC32C, SHA1, SHA256) and the declared decoded length', async () => {
    const data = Buffer.from('unsigned trailer body');
    const c32c = Buffer.alloc(4);
    c32c.writeUInt32BE(crc32c(data));
    const sums: Record<string, string> = {
      'x-amz-checksum-crc32': crc32b64(data),
      'x-amz-checksum-crc32c': c32c.toString('base64'),
      'x-amz-checksum-sha1': createHash('sha1').update(data).digest('base64'),
      'x-amz-checksum-sha256': createHash('sha256').update(data).digest('base64'),
    };
    for (const [name, value] of Object.entries(sums)) {
      const ok = await chunkedPut(`trailer-${name}`, data, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', undefined, { [name]: value });
      expect(ok.status, `${name}: ${ok.text}`).toBe(200);
      const bad = await chunkedPut(`trailer-${name}-bad`, data, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', (b) => Buffer.from(b.toString('latin1').replace('unsigned', 'UNSIGNED'), 'latin1'), { [name]: value });
      expect(bad.status).toBe(400);
      expect(codeOf(bad.text), name).toBe('BadDigest');
    }
    const short = await chunkedPut('trailer-short', data, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', undefined, { 'x-amz-checksum-crc32': crc32b64(data) }, data.length + 1);
    expect(codeOf(short.text)).toBe('IncompleteBody');
  });
});

describe('S3 SigV4 header and presigned failures', () => {
  it('answers a wrong secret with SignatureDoesNotMatch carrying StringToSign and CanonicalRequest', async () => {
    const r = await signedRequest(server, 'GET', '/auth', { credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret' } });
    expect(r.status).toBe(403);
    expect(codeOf(r.text)).toBe('SignatureDoesNotMatch');
    expect(r.text).toContain(`<AWSAccessKeyId>${server.credentials.accessKeyId}</AWSAccessKeyId>`);
    expect(r.text).toContain('<StringToSign>AWS4-HMAC-SHA256\n');
    expect(r.text).toContain('<CanonicalRequest>GET\n/auth\n');
    expect(r.text).toMatch(/<SignatureProvided>[0-9a-f]{64}<\/SignatureProvided>/);
  });

  it('answers an unknown key with InvalidAccessKeyId, and a bad session token with InvalidToken', async () => {
    const r = await signedRequest(server, 'GET', '/auth', { credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) } });
    expect(r.status).toBe(403);
    expect(codeOf(r.text)).toBe('InvalidAccessKeyId');
    expect(r.text).toContain('<AWSAccessKeyId>AKIANOSUCHKEY0000000</AWSAccessKeyId>');
    const t = await signedRequest(server, 'GET', '/auth', { credentials: { ...TEMP, sessionToken: 'forged' } });
    expect(t.status).toBe(400);
    expect(codeOf(t.text)).toBe('InvalidToken');
  });

  it('takes session tokens (X-Amz-Security-Token), then ExpiredToken once they expire; authorization sees the assumed role', async () => {
    const s3 = s3Client(server, { credentials: TEMP });
    // The role has no permissions: the signature is good, the decision is a deny.
    const denied = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'auth' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toBe('User: arn:aws:sts::000000000000:assumed-role/Reader/session is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::auth" because no identity-based policy allows the s3:ListBucket action');
    const presigned = await signedRequest(server, 'GET', '/auth/x', { credentials: TEMP, presign: 60 });
    expect(codeOf(presigned.text)).toBe('AccessDenied');
    server.gatehouse.clock.advance(901_000);
    try {
      // Signed at the server's (moved) time, so only the session's expiry is wrong.
      const expired = await signedRequest(server, 'GET', '/auth', { credentials: TEMP, signingDate: new Date(server.gatehouse.clock.now()) });
      expect(expired.status).toBe(400);
      expect(codeOf(expired.text)).toBe('ExpiredToken');
      expect(expired.text).toContain('<Message>The provided token has expired.</Message>');
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('allows 15 minutes of clock skew and answers more with RequestTimeTooSkewed', async () => {
    const ok = await signedRequest(server, 'GET', '/auth', { signingDate: new Date(Date.now() - 14 * 60_000) });
    expect(ok.status).toBe(200);
    const late = await signedRequest(server, 'GET', '/auth', { signingDate: new Date(Date.now() - 16 * 60_000) });
    expect(late.status).toBe(403);
    expect(codeOf(late.text)).toBe('RequestTimeTooSkewed');
    expect(late.text).toContain('<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>');
    const early = await signedRequest(server, 'GET', '/auth', { signingDate: new Date(Date.now() + 16 * 60_000) });
    expect(codeOf(early.text)).toBe('RequestTimeTooSkewed');
    const future = await signedRequest(server, 'GET', '/auth', { presign: 60, signingDate: new Date(Date.now() + 20 * 60_000) });
    expect(future.status).toBe(403);
    expect(future.text).toContain('<Message>Request is not valid yet</Message>');
  });

  it('checks a signed payload hash against the body (XAmzContentSHA256Mismatch), takes UNSIGNED-PAYLOAD', async () => {
    const ok = await signedRequest(server, 'PUT', '/auth/hashed', { body: 'exact body' });
    expect(ok.status).toBe(200);
    const bad = await signedRequest(server, 'PUT', '/auth/hashed2', { body: 'exact body', payloadHash: sha256('another body') });
    expect(bad.status).toBe(400);
    expect(codeOf(bad.text)).toBe('XAmzContentSHA256Mismatch');
    expect(bad.text).toContain(`<ClientComputedContentSHA256>${sha256('another body')}</ClientComputedContentSHA256>`);
    expect(bad.text).toContain(`<S3ComputedContentSHA256>${sha256('exact body')}</S3ComputedContentSHA256>`);
    const unsigned = await signedRequest(server, 'PUT', '/auth/unsigned', { body: 'anything', payloadHash: 'UNSIGNED-PAYLOAD' });
    expect(unsigned.status).toBe(200);
    const nonsense = await signedRequest(server, 'PUT', '/auth/x', { body: 'x', payloadHash: 'NOT-A-HASH' });
    expect(nonsense.status).toBe(400);
    expect(codeOf(nonsense.text)).toBe('InvalidArgument');
    expect(await errorOf(s3Client(server).send(new GetObjectCommand({ Bucket: 'auth', Key: 'hashed2' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  it('refuses malformed and unsupported authorization', async () => {
    const v2 = await raw(`${server.url}/auth`, { headers: { authorization: 'AWS AKIAEXAMPLE:c2lnbmF0dXJl', date: new Date().toUTCString() } });
    expect(v2.status).toBe(400);
    expect(codeOf(v2.text)).toBe('InvalidRequest');
    expect(v2.text).toContain('Please use AWS4-HMAC-SHA256.');
    const v2q = await raw(`${server.url}/auth/x?AWSAccessKeyId=AKIA&Expires=1&Signature=abc`);
    expect(codeOf(v2q.text)).toBe('InvalidRequest');
    const broken = await raw(`${server.url}/auth`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20200101/us-east-1/s3/aws4_request', 'x-amz-date': '20200101T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(broken.status).toBe(400);
    expect(codeOf(broken.text)).toBe('AuthorizationHeaderMalformed');
    const noHash = await raw(`${server.url}/auth`, {
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${server.credentials.accessKeyId}/20200101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20200101T000000Z' },
    });
    expect(codeOf(noHash.text)).toBe('InvalidRequest');
    expect(noHash.text).toContain('x-amz-content-sha256');
    const wrongService = await raw(`${server.url}/auth`, {
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${server.credentials.accessKeyId}/20200101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20200101T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    expect(codeOf(wrongService.text)).toBe('AuthorizationHeaderMalformed');
    const badPresign = await raw(`${server.url}/auth/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=foo`);
    expect(badPresign.status).toBe(400);
    expect(codeOf(badPresign.text)).toBe('AuthorizationQueryParametersError');
  });

  it('treats unsigned requests as anonymous: denied on a private bucket, NoSuchBucket for a missing one', async () => {
    const r = await raw(`${server.url}/auth`);
    expect(r.status).toBe(403);
    expect(codeOf(r.text)).toBe('AccessDenied');
    expect(r.text).toContain('<Message>Access Denied</Message>');
    const head = await fetch(`${server.url}/auth/anything`, { method: 'HEAD' });
    expect(head.status).toBe(403);
    expect(await head.text()).toBe('');
    const missing = await raw(`${server.url}/no-such-bucket-anon/key`);
    expect(missing.status).toBe(404);
    expect(codeOf(missing.text)).toBe('NoSuchBucket');
    expect(missing.text).toContain('<BucketName>no-such-bucket-anon</BucketName>');
  });
});
