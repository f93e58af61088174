import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { Gatehouse } from '../../../src/app.js';
import { boto3 } from '../../support/cli.js';
import { ROOT, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, s3Client, signedRequest } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await s3Client(server).send(new CreateBucketCommand({ Bucket: 'keys' }));
});
afterAll(async () => {
  await server.close();
});

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 's3', 'objects');
  return fs.readdirSync(root);
}

// 1024 bytes exactly: 340 three-byte characters and 4 ASCII.
const LONG_KEY = 'abcd' + '€'.repeat(340);
const ODD_KEYS = [
  '../../etc/passwd',
  '../outside',
  'a/../../b',
  '/leading-slash',
  '//double//slashes//',
  'dir/./dot',
  'question?mark#hash%percent&amp=',
  'spaces  and trailing ',
  'plus+sign',
  'café',
  'cafe\u0301', // the same word in NFD: a different key
  '\u{1F600} emoji',
  'עברית',
  'zero\u200Bwidth',
  '\u00A0nbsp',
  'tab\there',
  'new\nline',
  LONG_KEY,
];

describe('S3 keys are stored and listed faithfully, and never become paths', () => {
  it('round-trips odd keys through PUT, GET and a listing in UTF-8 byte order', async () => {
    expect(Buffer.byteLength(LONG_KEY)).toBe(1024);
    const s3 = s3Client(server);
    for (const [i, key] of ODD_KEYS.entries()) await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: key, Body: `body ${i}` }));
    for (const [i, key] of ODD_KEYS.entries()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'keys', Key: key }));
      expect(await got.Body!.transformToString(), JSON.stringify(key)).toBe(`body ${i}`);
    }
    const expected = [...ODD_KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    // Keys with control characters are listed via EncodingType=url, which boto3 decodes.
    const py = await boto3(
      server.url,
      server.credentials,
      `s3 = boto3.client('s3', endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(s3={'addressing_style': 'path'}))
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='keys', PaginationConfig={'PageSize': 5}):
    keys += [c['Key'] for c in page.get('Contents', [])]
print(json.dumps(keys))`,
    );
    expect(py.code, py.stderr).toBe(0);
    expect(JSON.parse(py.stdout)).toEqual(expected);
    const sdk = await s3.send(new ListObjectsV2Command({ Bucket: 'keys', Prefix: '..' }));
    expect(sdk.Contents?.map((c) => c.Key)).toEqual(['../../etc/passwd', '../outside']);
  });

  it('keeps every object in an id-named file inside the data dir', async () => {
    const files = blobFiles(server.dataDir);
    for (const f of files) expect(f).toMatch(/^[0-9a-f]{32}$/);
    const all: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else all.push(path.relative(server.dataDir, p));
      }
    };
    walk(server.dataDir);
    expect(all.some((p) => p.includes('passwd') || p.includes('outside') || p.includes('..'))).toBe(false);
  });

  it('keeps user metadata named like Object.prototype members (__proto__, constructor)', async () => {
    const s3 = s3Client(server);
    const Metadata: Record<string, string> = Object.create(null) as Record<string, string>;
    Metadata['__proto__'] = 'p';
    Metadata['constructor'] = 'c';
    await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: 'proto-meta', Body: 'x', Metadata }));
    // The SDK's parser builds Metadata in a plain object, where `__proto__` cannot land: read the headers.
    const head = await signedRequest(server, 'HEAD', '/keys/proto-meta');
    expect([head.headers.get('x-amz-meta-__proto__'), head.headers.get('x-amz-meta-constructor')]).toEqual(['p', 'c']);
  });

  it('refuses a key over 1024 bytes with KeyTooLongError (PutObject, CopyObject, CreateMultipartUpload)', async () => {
    const s3 = s3Client(server);
    const tooLong = { name: 'KeyTooLongError', status: 400, message: 'Your key is too long' };
    expect(await errorOf(s3.send(new PutObjectCommand({ Bucket: 'keys', Key: LONG_KEY + 'x', Body: 'x' })))).toMatchObject(tooLong);
    await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: 'copy-me', Body: 'x' }));
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'keys', Key: LONG_KEY + 'x', CopySource: 'keys/copy-me' })))).toMatchObject(tooLong);
    expect(await errorOf(s3.send(new CreateMultipartUploadCommand({ Bucket: 'keys', Key: LONG_KEY + 'x' })))).toMatchObject(tooLong);
  });

  it('removes the old file when an object is overwritten or deleted', async () => {
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'gc-bucket' }));
    const before = blobFiles(server.dataDir).length;
    await s3.send(new PutObjectCommand({ Bucket: 'gc-bucket', Key: 'k', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'gc-bucket', Key: 'k', Body: 'two' }));
    expect(blobFiles(server.dataDir).length).toBe(before + 1);
    await s3.send(new DeleteObjectCommand({ Bucket: 'gc-bucket', Key: 'k' }));
    expect(blobFiles(server.dataDir).length).toBe(before);
  });
});

describe('S3 writes are all-or-nothing', () => {
  it('an upload cut off mid-body leaves no object and no file', async () => {
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'cut' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cut', Key: 'k', Body: 'original' }));
    const before = blobFiles(server.dataDir).length;
    const port = Number(new URL(server.url).port);
    // A presigned upload whose connection dies after 1 MiB of 4.
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'cut', Key: 'k' }), { expiresIn: 60 }));
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: url.pathname + url.search, headers: { 'content-length': String(4 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.write(Buffer.alloc(1024 * 1024, 2));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    await new Promise((r) => setTimeout(r, 200));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'cut', Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('original');
    expect(blobFiles(server.dataDir).length).toBe(before);
    expect(fs.readdirSync(path.join(server.dataDir, 's3', 'tmp'))).toEqual([]);
  });

  it('a large body (hashed off the event loop) gets its MD5 as ETag, and a wrong Content-MD5 keeps the old object', async () => {
    const s3 = s3Client(server);
    const body = randomBytes(9 * 1024 * 1024 + 333);
    const md5 = createHash('md5').update(body);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'keys', Key: 'large', Body: body }));
    expect(put.ETag).toBe(`"${md5.copy().digest('hex')}"`);
    const before = blobFiles(server.dataDir).length;
    const other = Buffer.from(body);
    other[other.length - 1] ^= 1;
    const err = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'keys', Key: 'large', Body: other, ContentMD5: md5.digest('base64') })));
    expect(err.name).toBe('BadDigest');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'keys', Key: 'large' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(blobFiles(server.dataDir).length).toBe(before);
  });

  it('a PUT whose bucket is deleted while its body arrives is NoSuchBucket, and nothing of it survives into a new bucket of that name', async () => {
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'going' }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const half = Buffer.alloc(2 * 1024 * 1024, 1);
    async function* body(): AsyncGenerator<Buffer> {
      yield half;
      await gate;
      yield half;
    }
    const before = blobFiles(server.dataDir).length;
    const tmp = path.join(server.dataDir, 's3', 'tmp');
    const tmpBefore = new Set(fs.readdirSync(tmp));
    const put = errorOf(s3.send(new PutObjectCommand({ Bucket: 'going', Key: 'late', Body: Readable.from(body()), ContentLength: half.length * 2 })));
    // A new temporary file means the first bytes were written: the request is past its bucket lookup.
    while (fs.readdirSync(tmp).every((f) => tmpBefore.has(f))) await new Promise((resolve) => setTimeout(resolve, 10));
    await s3.send(new DeleteBucketCommand({ Bucket: 'going' }));
    release();
    expect(await put).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    await s3.send(new CreateBucketCommand({ Bucket: 'going' }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'going' }))).KeyCount).toBe(0);
    expect(blobFiles(server.dataDir).length).toBe(before);
  });

  it('a restart discards temporary files a crash left an hour ago, keeps those another process is writing, and keeps every committed object', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-restart-'));
    const config = () =>
      loadConfig({}, { GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey, GATEHOUSE_LOG_LEVEL: 'silent' });
    try {
      const g1 = Gatehouse.create({ config: config() });
      const url1 = await g1.listen();
      const c1 = s3Client({ url: url1, credentials: ROOT } as TestServer);
      await c1.send(new CreateBucketCommand({ Bucket: 'durable' }));
      await c1.send(new PutObjectCommand({ Bucket: 'durable', Key: 'kept', Body: 'kept bytes' }));
      await g1.close();
      // What a crash between write and rename left behind, untouched for over an hour.
      const abandoned = path.join(dataDir, 's3', 'tmp', '0123456789abcdef0123456789abcdef');
      fs.writeFileSync(abandoned, 'half an object');
      const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
      fs.utimesSync(abandoned, hourAgo, hourAgo);
      // A write in progress on another worker or node sharing the directory.
      fs.writeFileSync(path.join(dataDir, 's3', 'tmp', 'fedcba9876543210fedcba9876543210'), 'being written');
      const g2 = Gatehouse.create({ config: config() });
      const url2 = await g2.listen();
      try {
        expect(fs.readdirSync(path.join(dataDir, 's3', 'tmp'))).toEqual(['fedcba9876543210fedcba9876543210']);
        const c2 = s3Client({ url: url2, credentials: ROOT } as TestServer);
        const got = await c2.send(new GetObjectCommand({ Bucket: 'durable', Key: 'kept' }));
        expect(await got.Body!.transformToString()).toBe('kept bytes');
        expect((await c2.send(new HeadObjectCommand({ Bucket: 'durable', Key: 'kept' }))).ContentLength).toBe(10);
      } finally {
        await g2.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
