/**
 * Bodies are not parsed before the request could be allowed, and never past their shape's
 * bound: an anonymous DeleteObjects on a bucket that grants the public nothing is refused
 * unread, and a 2 MiB body of <Object> elements is refused once the reader passes 1,000 keys.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, s3Client, signedRequest } from './support.js';

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  for (const Bucket of ['private', 'public-delete']) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'kept' }));
  }
  await s3.send(
    new PutPublicAccessBlockCommand({ Bucket: 'public-delete', PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } }),
  );
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'public-delete',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:Delete*', Resource: 'arn:aws:s3:::public-delete/*' }] }),
    }),
  );
});
afterAll(async () => {
  await server.close();
});

const hostile = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(70_000)}</Delete>`);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

/** Sends an unsigned body in pieces; the server may answer (and close) before it is all sent. */
function anonymousPost(path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { 'content-length': body.length, 'content-md5': md5(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    let off = 0;
    const pump = (): void => {
      while (off < body.length) {
        const piece = body.subarray(off, off + 64 * 1024);
        off += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('DeleteObjects is authorized before its body is parsed', () => {
  it('refuses an anonymous 2 MiB DeleteObjects to a bucket that grants the public nothing, unread, and deletes nothing', async () => {
    const res = await anonymousPost('/private?delete', hostile);
    expect([res.status, codeOf(res.text)]).toEqual([403, 'AccessDenied']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'private', Key: 'k' }))).ContentLength).toBe(4);
  });

  it('still parses an anonymous DeleteObjects where the bucket policy lets the public delete', async () => {
    const body = Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>');
    const res = await anonymousPost('/public-delete?delete', body);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Deleted><Key>k</Key></Deleted>');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'public-delete', Key: 'k' })))).status).toBe(404);
  });

  it('refuses 70,000 keys (1.9 MiB) from anyone as MalformedXML once the reader passes the bound, and 1,001 keys through the SDK', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'public-delete', Key: 'k', Body: 'kept' }));
    const anon = await anonymousPost('/public-delete?delete', hostile);
    expect([anon.status, codeOf(anon.text)]).toEqual([400, 'MalformedXML']);
    const signed = await signedRequest(server, 'POST', '/private', { query: { delete: '' }, body: hostile, headers: { 'content-md5': md5(hostile) } });
    expect([signed.status, codeOf(signed.text)]).toEqual([400, 'MalformedXML']);
    const e = await errorOf(s3.send(new DeleteObjectsCommand({ Bucket: 'private', Delete: { Objects: Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` })) } })));
    expect([e.status, e.name]).toEqual([400, 'MalformedXML']);
    for (const Bucket of ['private', 'public-delete']) expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }))).ContentLength).toBe(4);
  });

  it('takes 1,000 keys with every member through the SDK', async () => {
    const Objects = Array.from({ length: 1000 }, (_, i) => ({ Key: `n${i}`, VersionId: 'null', ETag: '"x"', Size: 1, LastModifiedTime: new Date() }));
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: 'private', Delete: { Objects, Quiet: true } }));
    expect(out.Errors ?? []).toEqual([]);
  });
});
