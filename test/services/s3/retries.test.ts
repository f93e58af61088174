/**
 * Answers to retries and to bad input: a retried CompleteMultipartUpload gets the first
 * answer, an unsatisfiable Range is 416 InvalidRange, and a body that ends before its
 * Content-Length is IncompleteBody with nothing stored.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, raw, s3Client, Sha256 } from './support.js';

let server: TestServer;
let s3: S3Client;
const Bucket = 'retries';

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await server.close();
});

describe('CompleteMultipartUpload retried', () => {
  it('answers the retry of a completed upload with the first result, and changes nothing', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big', ChecksumAlgorithm: 'CRC32' }));
    const data = randomBytes(6 * 1024 * 1024);
    const p1 = await s3.send(new UploadPartCommand({ Bucket, Key: 'big', UploadId, PartNumber: 1, Body: data.subarray(0, 5 * 1024 * 1024), ChecksumAlgorithm: 'CRC32' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket, Key: 'big', UploadId, PartNumber: 2, Body: data.subarray(5 * 1024 * 1024), ChecksumAlgorithm: 'CRC32' }));
    const Parts = [
      { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
      { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
    ];
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'big', UploadId, MultipartUpload: { Parts } }));
    const first = await complete();
    const retry = await complete();
    expect({ ETag: retry.ETag, Location: retry.Location, Key: retry.Key, ChecksumCRC32: retry.ChecksumCRC32 }).toEqual({
      ETag: first.ETag,
      Location: first.Location,
      Key: first.Key,
      ChecksumCRC32: first.ChecksumCRC32,
    });
    expect(first.ETag).toMatch(/-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'big' }));
    expect([head.ETag, head.ContentLength]).toEqual([first.ETag, data.length]);
  });

  it('is NoSuchUpload once the object the upload made is overwritten, and for an id never issued', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'replaced' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket, Key: 'replaced', UploadId, PartNumber: 1, Body: 'only part' }));
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'replaced', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
    await complete();
    await s3.send(new PutObjectCommand({ Bucket, Key: 'replaced', Body: 'newer' }));
    expect((await errorOf(complete())).name).toBe('NoSuchUpload');
    const never = await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'replaced', UploadId: 'never-issued', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } })));
    expect(never.name).toBe('NoSuchUpload');
  });
});

describe('bad input', () => {
  it('Range past the end is 416 InvalidRange, not the whole object', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'kb', Body: Buffer.alloc(1000, 1) }));
    const e = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'kb', Range: 'bytes=5000-' })));
    expect([e.status, e.name]).toEqual([416, 'InvalidRange']);
    const url = `${server.url}/${Bucket}/kb`;
    const signer = new SignatureV4({ service: 's3', region: REGION, credentials: server.credentials, sha256: Sha256, uriEscapePath: false });
    const u = new URL(url);
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host, range: 'bytes=5000-', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const res = await raw(url, { headers: Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== 'host').map(([k, v]) => [k, String(v)])) });
    expect([res.status, codeOf(res.text), res.headers.get('content-range')]).toEqual([416, 'InvalidRange', 'bytes */1000']);
    expect(res.text).toContain('<ActualObjectSize>1000</ActualObjectSize>');
  });

  it('a PutObject whose body ends before Content-Length is IncompleteBody, and nothing is stored', async () => {
    const port = Number(new URL(server.url).port);
    const signer = new SignatureV4({ service: 's3', region: REGION, credentials: server.credentials, sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: `/${Bucket}/short`,
      query: {},
      headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '100' },
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let text = '';
      sock.on('data', (c: Buffer) => (text += c.toString()));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
      const lines = Object.entries(signed.headers).map(([k, v]) => `${k}: ${String(v)}`);
      sock.write(`PUT /${Bucket}/short HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${'x'.repeat(40)}`);
      // The client stops sending (half-close) with 60 bytes still owed.
      setTimeout(() => sock.end(), 100);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(codeOf(answer)).toBe('IncompleteBody');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'short' })))).status).toBe(404);
  });
});
