import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, s3Client, signedRequest } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'errs' }));
  await s3.send(new PutObjectCommand({ Bucket: 'errs', Key: 'ten', Body: '0123456789' }));
});
afterAll(async () => {
  await server.close();
});

const b64md5 = (s: string): string => createHash('md5').update(s).digest('base64');
type Opts = Parameters<typeof signedRequest>[3];
const call = (method: string, path: string, opts: Opts = {}) => signedRequest(server, method, path, opts);

function expectError(r: { status: number; text: string }, status: number, code: string): void {
  expect({ status: r.status, code: codeOf(r.text) }, r.text).toEqual({ status, code });
}

describe('S3 error documents', () => {
  it('carry Code, Message, the resource, RequestId and HostId matching the response headers', async () => {
    const r = await call('GET', '/errs/missing-key');
    expectError(r, 404, 'NoSuchKey');
    expect(r.headers.get('content-type')).toBe('application/xml');
    expect(r.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>missing-key<\/Key><RequestId>/);
    expect(r.text).toContain(`<RequestId>${r.headers.get('x-amz-request-id')}</RequestId>`);
    expect(r.text).toContain(`<HostId>${r.headers.get('x-amz-id-2')}</HostId>`);
    const head = await call('HEAD', '/errs/missing-key');
    expect(head.status).toBe(404);
    expect(head.text).toBe('');
  });
});

describe('S3 bad input', () => {
  it('URIs and methods', async () => {
    expectError(await call('GET', '/errs/%E0%A4%A'), 400, 'InvalidURI');
    expectError(await call('PATCH', '/errs/ten'), 405, 'MethodNotAllowed');
    expectError(await call('POST', '/errs/ten'), 405, 'MethodNotAllowed');
    expectError(await call('DELETE', '/'), 405, 'MethodNotAllowed');
    expectError(await call('GET', '/errs', { query: { lifecycle: '' } }), 501, 'NotImplemented');
    expectError(await call('GET', '/errs/ten', { query: { tagging: '' } }), 501, 'NotImplemented');
  });

  it('bodies: lengths, digests, checksums, sizes', async () => {
    expectError(await call('PUT', '/errs/md5', { body: 'abc', headers: { 'content-md5': 'not-base64-md5' } }), 400, 'InvalidDigest');
    const bad = await call('PUT', '/errs/md5', { body: 'abc', headers: { 'content-md5': b64md5('abd') } });
    expectError(bad, 400, 'BadDigest');
    expect(bad.text).toContain('<Message>The Content-MD5 you specified did not match what we received.</Message>');
    expect((await call('PUT', '/errs/md5', { body: 'abc', headers: { 'content-md5': b64md5('abc') } })).status).toBe(200);
    // XML bodies are held to the same strict base64: a value that decodes loosely to 16 bytes is still InvalidDigest.
    const del = '<Delete><Object><Key>md5</Key></Object></Delete>';
    expectError(await call('POST', '/errs', { query: { delete: '' }, body: del, headers: { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA!!' } }), 400, 'InvalidDigest');
    expectError(await call('POST', '/errs', { query: { delete: '' }, body: del, headers: { 'content-md5': b64md5('other') } }), 400, 'BadDigest');
    expectError(await call('PUT', '/errs/crc', { body: 'abc', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } }), 400, 'BadDigest');
    expectError(await call('PUT', '/errs/crc', { body: 'abc', headers: { 'x-amz-checksum-crc32': 'nonsense!' } }), 400, 'InvalidRequest');
    expectError(await call('PUT', '/errs/crc', { body: 'abc', headers: { 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-sha1': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }), 400, 'InvalidRequest');
    expectError(await call('PUT', '/errs/crc', { body: 'abc', headers: { 'x-amz-sdk-checksum-algorithm': 'MD4' } }), 400, 'InvalidRequest');
    expectError(await call('PUT', '/errs/meta', { body: 'abc', headers: { 'x-amz-meta-big': 'x'.repeat(2100) } }), 400, 'MetadataTooLarge');
    expectError(await call('PUT', '/errs/sc', { body: 'abc', headers: { 'x-amz-storage-class': 'FAST' } }), 400, 'InvalidStorageClass');
    expectError(await call('PUT', '/errs/acl', { body: 'abc', headers: { 'x-amz-acl': 'world-writable' } }), 400, 'InvalidArgument');
    expectError(await call('PUT', '/errs/redirect', { body: 'abc', headers: { 'x-amz-website-redirect-location': 'ftp://x' } }), 400, 'InvalidArgument');
    expectError(await call('GET', '/errs', { headers: { 'x-amz-expected-bucket-owner': '999999999999' } }), 403, 'AccessDenied');
  });

  it('streams without a length are refused (MissingContentLength / NotImplemented for plain chunked)', async () => {
    const port = Number(new URL(server.url).port);
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('./support.js');
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: server.credentials, sha256: Sha256, uriEscapePath: false });
    const send = async (headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string }> => {
      const s = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port, path: '/errs/nolen', query: {}, headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers } });
      // Written by hand on a socket: node's client would add a Content-Length of its own.
      return new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        let text = '';
        sock.on('data', (c: Buffer) => {
          text += c.toString();
          if (/\r\n\r\n[\s\S]*<\/Error>/.test(text)) sock.end();
        });
        sock.on('end', () => {
          const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
          resolve({ status, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
        });
        sock.on('error', reject);
        const lines = Object.entries(s.headers).map(([k, v]) => `${k}: ${String(v)}`);
        sock.write(`PUT /errs/nolen HTTP/1.1\r\n${lines.join('\r\n')}\r\nconnection: close\r\n\r\n`);
        if (body !== undefined) sock.write(`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      });
    };
    expectError(await send({ 'transfer-encoding': 'chunked' }, 'abc'), 501, 'NotImplemented');
    expectError(await send({}, undefined), 411, 'MissingContentLength');
    expectError(await send({ 'content-length': '6000000000' }, undefined), 400, 'EntityTooLarge');
  });

  it('XML bodies: malformed, entity tricks, wrong root, limits', async () => {
    // These operations need a Content-MD5 (or flexible checksum), as the SDKs always send.
    const withMd5 = (method: string, path: string, opts: NonNullable<Opts>) => call(method, path, { ...opts, headers: { 'content-md5': b64md5(String(opts.body)), ...opts.headers } });
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: 'not xml at all' }), 400, 'MalformedXML');
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: '<Wrong><Object><Key>a</Key></Object></Wrong>' }), 400, 'MalformedXML');
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: '<Delete></Delete>' }), 400, 'MalformedXML');
    const bomb = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>';
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: bomb }), 400, 'MalformedXML');
    const deep = '<Delete>' + '<Object>'.repeat(50) + '</Object>'.repeat(50) + '</Delete>';
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: deep }), 400, 'MalformedXML');
    const tooMany = '<Delete>' + '<Object><Key>k</Key></Object>'.repeat(1001) + '</Delete>';
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: tooMany }), 400, 'MalformedXML');
    // Escaped characters in keys are decoded, not mistaken for markup.
    const amp = await withMd5('POST', '/errs', { query: { delete: '' }, body: '<Delete><Object><Key>a&amp;b&lt;c&#x41;</Key></Object></Delete>' });
    expect(amp.status).toBe(200);
    expect(amp.text).toContain('<Key>a&amp;b&lt;cA</Key>');
    expectError(await withMd5('POST', '/errs', { query: { delete: '' }, body: '<Delete><Object><Key>&#x110000;</Key></Object></Delete>' }), 400, 'MalformedXML');
    expectError(await withMd5('PUT', '/errs', { query: { cors: '' }, body: '<CORSConfiguration/>' }), 400, 'MalformedXML');
    expectError(await withMd5('PUT', '/errs', { query: { website: '' }, body: '<WebsiteConfiguration><IndexDocument><Suffix></Suffix></IndexDocument></WebsiteConfiguration>' }), 400, 'InvalidArgument');
    expectError(await withMd5('PUT', '/errs', { query: { publicAccessBlock: '' }, body: '<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>' }), 400, 'MalformedXML');
    expectError(await withMd5('PUT', '/errs', { query: { ownershipControls: '' }, body: '<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>' }), 400, 'MalformedXML');
    expectError(await withMd5('PUT', '/errs', { query: { policy: '' }, body: '[]' }), 400, 'MalformedPolicy');
    expectError(await withMd5('PUT', '/new-bucket-bad-loc', { body: '<CreateBucketConfiguration><LocationConstraint>mars-1</LocationConstraint></CreateBucketConfiguration>' }), 400, 'InvalidLocationConstraint');
  });

  it('operations the model marks checksum-required refuse a body without Content-MD5 or x-amz-checksum-*', async () => {
    const body = '<Delete><Object><Key>ten</Key></Object></Delete>';
    const bare = await call('POST', '/errs', { query: { delete: '' }, body });
    expectError(bare, 400, 'InvalidRequest');
    expect(bare.text).toContain('<Message>Missing required header for this request: Content-MD5 OR x-amz-checksum-*</Message>');
    expectError(await call('PUT', '/errs', { query: { cors: '' }, body: '<CORSConfiguration/>' }), 400, 'InvalidRequest');
    expectError(await call('PUT', '/errs', { query: { policy: '' }, body: '{}' }), 400, 'InvalidRequest');
    const absent = '<Delete><Object><Key>absent</Key></Object></Delete>';
    const sha = await call('POST', '/errs', { query: { delete: '' }, body: absent, headers: { 'x-amz-checksum-sha256': createHash('sha256').update(absent).digest('base64') } });
    expect(sha.status, sha.text).toBe(200);
  });

  it('listing, ranges, copies and multipart parameters', async () => {
    expectError(await call('GET', '/errs', { query: { 'list-type': '2', 'max-keys': 'ten' } }), 400, 'InvalidArgument');
    expectError(await call('GET', '/errs', { query: { 'list-type': '2', 'continuation-token': 'garbage!!' } }), 400, 'InvalidArgument');
    expectError(await call('GET', '/errs', { query: { 'encoding-type': 'base64' } }), 400, 'InvalidArgument');
    const range = await call('GET', '/errs/ten', { headers: { range: 'bytes=20-30' } });
    expectError(range, 416, 'InvalidRange');
    expect(range.headers.get('content-range')).toBe('bytes */10');
    // A range S3 cannot parse is ignored: the whole object comes back.
    const ignored = await call('GET', '/errs/ten', { headers: { range: 'bytes=abc' } });
    expect(ignored.status).toBe(200);
    expect(ignored.text).toBe('0123456789');
    expectError(await call('PUT', '/errs/copy', { headers: { 'x-amz-copy-source': 'just-a-bucket' } }), 400, 'InvalidArgument');
    expectError(await call('PUT', '/errs/copy', { headers: { 'x-amz-copy-source': '/errs/ten', 'x-amz-metadata-directive': 'MERGE' } }), 400, 'InvalidArgument');
    expectError(await call('PUT', '/errs/copy', { headers: { 'x-amz-copy-source': '/no-such-source-bucket/ten' } }), 404, 'NoSuchBucket');
    const up = await s3Client(server).send(new CreateMultipartUploadCommand({ Bucket: 'errs', Key: 'mp' }));
    expectError(await call('PUT', '/errs/mp', { query: { partNumber: '0', uploadId: up.UploadId! }, body: 'x' }), 400, 'InvalidArgument');
    expectError(await call('PUT', '/errs/mp', { query: { partNumber: '10001', uploadId: up.UploadId! }, body: 'x' }), 400, 'InvalidArgument');
    expectError(await call('PUT', '/errs/other-key', { query: { partNumber: '1', uploadId: up.UploadId! }, body: 'x' }), 404, 'NoSuchUpload');
    expectError(await call('POST', '/errs/mp', { query: { uploadId: up.UploadId! }, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' }), 400, 'MalformedXML');
    expectError(await call('GET', '/errs/mp', { query: { uploadId: up.UploadId!, 'max-parts': '-1' } }), 400, 'InvalidArgument');
    expectError(await call('POST', '/errs/mp2', { query: { uploads: '' }, headers: { 'x-amz-checksum-algorithm': 'MD5' } }), 400, 'InvalidRequest');
  });
});

describe('the checksum-required list', () => {
  it('is every implemented operation the S3 model marks requestChecksumRequired', async () => {
    const { CHECKSUM_REQUIRED, OPERATIONS } = await import('../../../src/services/s3/index.js');
    const model = JSON.parse(fs.readFileSync(path.resolve('models/s3.json'), 'utf8')) as { operations: Record<string, { httpChecksum?: { requestChecksumRequired?: boolean } }> };
    const required = Object.entries(model.operations)
      .filter(([name, op]) => op.httpChecksum?.requestChecksumRequired === true && name in OPERATIONS)
      .map(([name]) => name)
      .sort();
    expect([...CHECKSUM_REQUIRED].sort()).toEqual(required);
  });
});
