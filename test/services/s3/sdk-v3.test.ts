import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  paginateListObjectsV2,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, s3Client } from './support.js';

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'sdk-v3' }));
});
afterAll(async () => {
  await server.close();
});

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

describe('S3 buckets through @aws-sdk/client-s3', () => {
  it('creates, heads, lists, locates and deletes buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-one' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'b-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'b-eu' }));
    expect(head.BucketRegion).toBe('eu-west-1');
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'b-eu' }))).LocationConstraint).toBe('eu-west-1');
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'b-one' }))).LocationConstraint).toBeUndefined();
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining(['b-eu', 'b-one', 'sdk-v3']));
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    await s3.send(new DeleteBucketCommand({ Bucket: 'b-one' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'b-eu' }));
    expect(await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'b-one' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  it('re-creating an owned bucket succeeds in us-east-1 and resets its ACL, and is BucketAlreadyOwnedByYou elsewhere', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'again', ObjectOwnership: 'ObjectWriter' }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'again', PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false } }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'again', ACL: 'public-read' }));
    expect((await s3.send(new GetBucketAclCommand({ Bucket: 'again' }))).Grants).toHaveLength(2);
    expect((await s3.send(new CreateBucketCommand({ Bucket: 'again' }))).$metadata.httpStatusCode).toBe(200);
    const grants = (await s3.send(new GetBucketAclCommand({ Bucket: 'again' }))).Grants!;
    expect(grants.map((g) => g.Permission)).toEqual(['FULL_CONTROL']);
    await s3.send(new CreateBucketCommand({ Bucket: 'again-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'again-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })))).toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'again-eu' })))).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
  });

  it('refuses an invalid bucket name, and deleting a bucket that is not empty', async () => {
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'loc-bad', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })))).toMatchObject({
      name: 'InvalidLocationConstraint',
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'not-empty' }));
    await s3.send(new PutObjectCommand({ Bucket: 'not-empty', Key: 'x', Body: 'x' }));
    const e = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'not-empty' })));
    expect(e).toMatchObject({ name: 'BucketNotEmpty', status: 409, message: 'The bucket you tried to delete is not empty' });
    expect(await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket-here' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('addresses buckets virtual-hosted style (<bucket>.s3.localhost)', async () => {
    const vh = s3Client(server, { virtualHosted: true });
    await vh.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    await vh.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file.txt', Body: 'via host' }));
    const got = await vh.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file.txt' }));
    expect(await got.Body!.transformToString()).toBe('via host');
    // The same object path-style, so both forms name the same store.
    const same = await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file.txt' }));
    expect(await same.Body!.transformToString()).toBe('via host');
    const list = await vh.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    expect(list.Contents?.map((c) => c.Key)).toEqual(['dir/file.txt']);
  });
});

describe('S3 objects through @aws-sdk/client-s3', () => {
  it('stores bytes, headers and user metadata; ETag is the MD5; the SDK default CRC32 is verified and returned', async () => {
    const body = randomBytes(10_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'sdk-v3',
        Key: 'docs/report.bin',
        Body: body,
        ContentType: 'application/x-report',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="r.bin"',
        CacheControl: 'max-age=60',
        ContentLanguage: 'en',
        Metadata: { owner: 'alice', 'project-id': '42' },
      }),
    );
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'docs/report.bin', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got).toMatchObject({
      ContentType: 'application/x-report',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="r.bin"',
      CacheControl: 'max-age=60',
      ContentLanguage: 'en',
      ContentLength: 10_000,
      ETag: `"${md5(body)}"`,
      Metadata: { owner: 'alice', 'project-id': '42' },
      ChecksumCRC32: put.ChecksumCRC32,
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'docs/report.bin' }));
    expect(head.ContentLength).toBe(10_000);
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  it('serves ranges, conditional requests and response-* overrides', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', Range: 'bytes=2-5' }));
    expect(await part.Body!.transformToString()).toBe('2345');
    expect(part.ContentRange).toBe('bytes 2-5/10');
    expect(part.$metadata.httpStatusCode).toBe(206);
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', Range: 'bytes=-3' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    const open = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', Range: 'bytes=8-' }));
    expect(await open.Body!.transformToString()).toBe('89');
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', Range: 'bytes=10-20' })))).toMatchObject({ name: 'InvalidRange', status: 416 });

    const etag = `"${md5('0123456789')}"`;
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', IfMatch: '"nope"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', IfNoneMatch: etag })))).status).toBe(304);
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', IfModifiedSince: new Date(Date.now() + 60_000) })))).status).toBe(304);
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', IfUnmodifiedSince: new Date(Date.now() - 3_600_000) })))).toMatchObject({ status: 412 });
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', IfMatch: etag, IfUnmodifiedSince: new Date(Date.now() - 3_600_000) }));
    expect(await ok.Body!.transformToString()).toBe('0123456789');

    const over = await s3.send(
      new GetObjectCommand({
        Bucket: 'sdk-v3',
        Key: 'range.txt',
        ResponseContentType: 'text/csv',
        ResponseContentDisposition: 'inline',
        ResponseCacheControl: 'no-cache',
        ResponseContentLanguage: 'fr',
        ResponseContentEncoding: 'identity',
        ResponseExpires: new Date('2030-01-01T00:00:00Z'),
      }),
    );
    expect(over).toMatchObject({ ContentType: 'text/csv', ContentDisposition: 'inline', CacheControl: 'no-cache', ContentLanguage: 'fr', ContentEncoding: 'identity' });
    expect(over.ExpiresString ?? over.Expires?.toUTCString()).toContain('2030');
    // Part 1 of a single-part object is all of it, as a range; there is no part 2.
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', PartNumber: 1 }));
    expect(whole).toMatchObject({ ContentRange: 'bytes 0-9/10', $metadata: { httpStatusCode: 206 } });
    expect(await whole.Body!.transformToString()).toBe('0123456789');
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', PartNumber: 2 })))).toMatchObject({ name: 'InvalidPartNumber', status: 416 });
    // ISO-8859-1 goes through; beyond it (an en dash, a newline) S3 answers InvalidArgument naming the parameter.
    const latin1 = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', ResponseContentDisposition: 'attachment; filename="café.txt"' }));
    expect(latin1.ContentDisposition).toBe('attachment; filename="café.txt"');
    for (const value of ['attachment; filename="1976–2016.md"', 'inline\r\nx-injected: 1']) {
      const bad = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'range.txt', ResponseContentDisposition: value })));
      expect(bad).toMatchObject({ name: 'InvalidArgument', status: 400, message: 'Header value cannot be represented using ISO-8859-1.' });
      // (XML parsing turns the CR LF into LF, so the value is compared on its first line.)
      expect(bad.raw).toMatchObject({ ArgumentName: 'response-content-disposition', ArgumentValue: expect.stringContaining(value.split('\r')[0]!) });
    }
  });

  it('copies objects, keeping or replacing metadata, and refuses a copy onto itself', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'src.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    const c1 = await s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'dst.txt', CopySource: 'sdk-v3/src.txt' }));
    expect(c1.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    const g1 = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'dst.txt' }));
    expect(await g1.Body!.transformToString()).toBe('copy me');
    expect(g1).toMatchObject({ ContentType: 'text/plain', Metadata: { a: '1' } });
    await s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'dst.txt', CopySource: 'sdk-v3/dst.txt', MetadataDirective: 'REPLACE', ContentType: 'text/markdown', Metadata: { b: '2' } }));
    const g2 = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'dst.txt' }));
    expect(g2).toMatchObject({ ContentType: 'text/markdown', Metadata: { b: '2' } });
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'dst.txt', CopySource: 'sdk-v3/dst.txt' })))).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'x', CopySource: 'sdk-v3/missing' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'x', CopySource: 'sdk-v3/src.txt', CopySourceIfMatch: '"other"' })))).toMatchObject({ name: 'PreconditionFailed' });
  });

  it('answers NoSuchKey, not a 500, when the copy source vanished between lookup and read', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'fleeting.txt', Body: 'here, then gone' }));
    const db = new Database(path.join(server.dataDir, 'gatehouse.db'), { readonly: true });
    const { blob } = db.prepare("SELECT blob FROM s3_objects WHERE bucket = 'sdk-v3' AND key = 'fleeting.txt'").get() as { blob: string };
    db.close();
    // What a concurrent DELETE does to the file after this request looked the row up.
    fs.unlinkSync(path.join(server.dataDir, 's3', 'objects', blob));
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'fleeting-copy.txt', CopySource: 'sdk-v3/fleeting.txt' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'fleeting-mp' }));
    expect(
      await errorOf(s3.send(new UploadPartCopyCommand({ Bucket: 'sdk-v3', Key: 'fleeting-mp', UploadId: up.UploadId, PartNumber: 1, CopySource: 'sdk-v3/fleeting.txt' }))),
    ).toMatchObject({ name: 'NoSuchKey', status: 404 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'fleeting-mp', UploadId: up.UploadId }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-v3', Key: 'fleeting.txt' }));
  });

  it('refuses to copy a source over 5 GiB in one CopyObject', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'huge.bin', Body: 'pretend' }));
    // A 6 GiB object is recorded by hand: the check is on the recorded size, before any byte moves.
    const db = new Database(path.join(server.dataDir, 'gatehouse.db'));
    db.prepare("UPDATE s3_objects SET size = ? WHERE bucket = 'sdk-v3' AND key = 'huge.bin'").run(6 * 1024 ** 3);
    db.close();
    const err = await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'huge-copy.bin', CopySource: 'sdk-v3/huge.bin' })));
    expect(err).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120' });
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'huge-copy.bin' })))).toMatchObject({ status: 404 });
  });

  it('deletes single and many objects', async () => {
    for (const k of ['del/a', 'del/b', 'del/c']) await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: k, Body: k }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-v3', Key: 'del/a' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-v3', Key: 'del/never-existed' }));
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-v3', Delete: { Objects: [{ Key: 'del/b' }, { Key: 'del/c' }, { Key: 'del/zz' }] } }));
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(['del/b', 'del/c', 'del/zz']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-v3', Delete: { Objects: [{ Key: 'del/b' }], Quiet: true } }));
    expect(quiet.Deleted).toBeUndefined();
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-v3', Prefix: 'del/' }));
    expect(left.KeyCount).toBe(0);
  });
});

describe('S3 listing through @aws-sdk/client-s3', () => {
  const keys = ['a', 'a/b', 'a/c/d', 'a/c/e', 'b/x', 'b/y', 'c', 'é', 'z', 'Z', '~', '\u{1F600}', 'a b', 'a+b'];
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  });

  const utf8Order = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

  it('lists every key in UTF-8 byte order (v2 and v1)', async () => {
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(v2.Contents?.map((c) => c.Key)).toEqual(utf8Order);
    expect(v2.Contents?.[0]).toMatchObject({ Size: 1, StorageClass: 'STANDARD', ETag: `"${md5('Z')}"` });
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing' }));
    expect(v1.Contents?.map((c) => c.Key)).toEqual(utf8Order);
    expect(v1.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it('groups by delimiter into CommonPrefixes, with prefix', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    expect(top.Contents?.map((c) => c.Key)).toEqual(utf8Order.filter((k) => !k.includes('/')));
    const inA = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', Prefix: 'a/' }));
    expect(inA.Contents?.map((c) => c.Key)).toEqual(['a/b']);
    expect(inA.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/c/']);
    expect(inA.Prefix).toBe('a/');
  });

  it('pages with MaxKeys and ContinuationToken, StartAfter, and v1 Marker/NextMarker', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 3, ContinuationToken: token, Delimiter: '/' }));
      for (const c of page.Contents ?? []) seen.push(c.Key!);
      for (const p of page.CommonPrefixes ?? []) seen.push(p.Prefix!);
      expect(page.KeyCount).toBeLessThanOrEqual(3);
      token = page.NextContinuationToken;
      pages++;
      if (page.IsTruncated) expect(token).toBeDefined();
    } while (token !== undefined);
    expect(pages).toBe(Math.ceil(seen.length / 3));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['a/', 'b/', 'c', 'z']));

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/x' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(utf8Order.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from('b/x')) > 0));

    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 2, Delimiter: '/' }));
    expect(v1.IsTruncated).toBe(true);
    expect(v1.NextMarker).toBeDefined();
    const v1next = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: v1.NextMarker, Delimiter: '/' }));
    const firstTwo = [...(v1.Contents ?? []).map((c) => c.Key), ...(v1.CommonPrefixes ?? []).map((p) => p.Prefix)];
    const rest = [...(v1next.Contents ?? []).map((c) => c.Key), ...(v1next.CommonPrefixes ?? []).map((p) => p.Prefix)];
    expect(firstTwo.filter((k) => rest.includes(k))).toEqual([]);
    const marked = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: 'c' }));
    expect(marked.Contents?.[0]?.Key).toBe('z');
  });

  it('pages on with StartAfter and a token, both compared as UTF-8 (an emoji sorts after U+FF01)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing-order' }));
    for (const k of ['a\uFF01', 'a\u{1F600}', 'a\u{1F600}2']) await s3.send(new PutObjectCommand({ Bucket: 'listing-order', Key: k, Body: 'x' }));
    const seen: string[] = [];
    // The SDK's paginator sends StartAfter again with every ContinuationToken.
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: 'listing-order', StartAfter: 'a\uFF01' })) {
      for (const c of page.Contents ?? []) seen.push(c.Key!);
      if (seen.length > 4) break;
    }
    expect(seen).toEqual(['a\u{1F600}', 'a\u{1F600}2']);
    // A marker inside a common prefix resumes past the whole prefix, whatever characters follow it.
    for (const k of ['p/\uFF01x', 'p/\uFF01y', 'q']) await s3.send(new PutObjectCommand({ Bucket: 'listing-order', Key: k, Body: 'x' }));
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing-order', Delimiter: '/', Marker: 'p/\uFF01x' }));
    expect({ keys: v1.Contents?.map((c) => c.Key), prefixes: v1.CommonPrefixes?.map((p) => p.Prefix) }).toEqual({ keys: ['q'], prefixes: undefined });
  });

  it('url-encodes keys when asked (EncodingType=url)', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a', EncodingType: 'url' }));
    // SDK v3 leaves the decoding to the caller.
    expect(out.Contents?.map((c) => c.Key)).toEqual(expect.arrayContaining(['a+b', 'a%2Bb']));
    expect(out.EncodingType).toBe('url');
    expect(await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'listing', EncodingType: 'base64' as never })))).toMatchObject({ name: 'InvalidArgument' });
  });
});

describe('S3 multipart uploads through @aws-sdk/client-s3 and lib-storage', () => {
  it('uploads a 50 MB file with lib-storage Upload; the ETag follows AWS multipart rules', async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const partSize = 8 * 1024 * 1024;
    const up = new Upload({ client: s3, params: { Bucket: 'sdk-v3', Key: 'big/50mb.bin', Body: data, ContentType: 'application/octet-stream' }, partSize, queueSize: 3 });
    const done = await up.done();
    const parts = Math.ceil(data.length / partSize);
    const partMd5s: Buffer[] = [];
    for (let i = 0; i < data.length; i += partSize) partMd5s.push(createHash('md5').update(data.subarray(i, i + partSize)).digest());
    const expected = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${parts}"`;
    expect(done.ETag).toBe(expected);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'big/50mb.bin' }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toBe(expected);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'big/50mb.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(md5(bytes)).toBe(md5(data));
    const mid = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'big/50mb.bin', Range: `bytes=${partSize - 5}-${partSize + 4}` }));
    expect(Buffer.from(await mid.Body!.transformToByteArray()).equals(data.subarray(partSize - 5, partSize + 5))).toBe(true);
  });

  it('pages through uploads with a delimiter: each common prefix once, and the markers move on', async () => {
    for (const key of ['ups/a/1', 'ups/a/2', 'ups/a/2', 'ups/b', 'ups/c/1', 'ups/d']) await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key }));
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'sdk-v3', Prefix: 'ups/', Delimiter: '/', MaxUploads: 1, KeyMarker, UploadIdMarker }));
      seen.push(...(r.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(r.Uploads ?? []).map((u) => u.Key!));
      if (r.IsTruncated !== true) break;
      KeyMarker = r.NextKeyMarker;
      UploadIdMarker = r.NextUploadIdMarker;
    }
    expect(seen.sort()).toEqual(['ups/a/', 'ups/b', 'ups/c/', 'ups/d']);
  });

  it('lists parts and uploads, copies a part, rejects small parts and bad order, aborts', async () => {
    const key = 'mp/manual.bin';
    const create = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key, ContentType: 'text/x-parts', Metadata: { k: 'v' } }));
    const uploadId = create.UploadId!;
    const p1 = randomBytes(5 * 1024 * 1024);
    const r1 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId, PartNumber: 1, Body: p1 }));
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'mp/source', Body: 'tail-bytes' }));
    const r2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId, PartNumber: 2, CopySource: 'sdk-v3/mp/source', CopySourceRange: 'bytes=0-3' }));
    expect(r2.CopyPartResult?.ETag).toBe(`"${md5('tail')}"`);
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, p1.length],
      [2, 4],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'sdk-v3', Prefix: 'mp/' }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(uploadId);

    expect(
      await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: r2.CopyPartResult!.ETag! }, { PartNumber: 1, ETag: r1.ETag! }] } }))),
    ).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
    expect(
      await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] } }))),
    ).toMatchObject({ name: 'InvalidPart', status: 400 });

    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag! }, { PartNumber: 2, ETag: r2.CopyPartResult!.ETag! }] } }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: key }));
    expect(head).toMatchObject({ ContentLength: p1.length + 4, ContentType: 'text/x-parts', Metadata: { k: 'v' } });
    // GET/HEAD ?partNumber serve that part's bytes as a range (how SDK multipart downloads read).
    const part2 = await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: key, PartNumber: 2 }));
    expect(part2).toMatchObject({ ContentLength: 4, ContentRange: `bytes ${p1.length}-${p1.length + 3}/${p1.length + 4}`, PartsCount: 2, $metadata: { httpStatusCode: 206 } });
    expect(await part2.Body!.transformToString()).toBe('tail');
    const part1 = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: key, PartNumber: 1 }));
    expect(part1).toMatchObject({ ContentLength: p1.length, ContentRange: `bytes 0-${p1.length - 1}/${p1.length + 4}`, PartsCount: 2 });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: key, PartNumber: 3 })))).toMatchObject({ name: 'InvalidPartNumber', status: 416 });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: key, PartNumber: 1, Range: 'bytes=0-1' })))).toMatchObject({ name: 'InvalidRequest', status: 400 });
    // A copy keeps the parts.
    await s3.send(new CopyObjectCommand({ Bucket: 'sdk-v3', Key: 'mp/copied.bin', CopySource: `sdk-v3/${key}` }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'mp/copied.bin', PartNumber: 2 }))).Body!.transformToString()).toBe('tail');
    expect(await errorOf(s3.send(new ListPartsCommand({ Bucket: 'sdk-v3', Key: key, UploadId: uploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });

    // Parts smaller than 5 MiB may only be last.
    const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'mp/small' }));
    const s1 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId!, PartNumber: 1, Body: 'a' }));
    const s2 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId!, PartNumber: 2, Body: 'b' }));
    expect(
      await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId!, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.ETag! }, { PartNumber: 2, ETag: s2.ETag! }] } }))),
    ).toMatchObject({ name: 'EntityTooSmall', status: 400 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId! }));
    expect(await errorOf(s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId! })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(await errorOf(s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: 'mp/small', UploadId: small.UploadId!, PartNumber: 3, Body: 'c' })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'mp/small' })))).toMatchObject({ status: 404 });
  });

  it('answers InvalidPart, not a 500, when a part file vanished before completion (a part replaced mid-complete)', async () => {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'vanishing' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: 'vanishing', UploadId: up.UploadId, PartNumber: 1, Body: 'only part' }));
    const db = new Database(path.join(server.dataDir, 'gatehouse.db'), { readonly: true });
    const { blob } = db.prepare('SELECT blob FROM s3_parts WHERE upload_id = ?').get(up.UploadId) as { blob: string };
    db.close();
    fs.unlinkSync(path.join(server.dataDir, 's3', 'objects', blob));
    const err = await errorOf(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'vanishing', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } })),
    );
    expect(err).toMatchObject({ name: 'InvalidPart', status: 400 });
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-v3', Key: 'vanishing' })))).toMatchObject({ status: 404 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-v3', Key: 'vanishing', UploadId: up.UploadId }));
  });

  it('keeps composite CRC32 checksums for multipart uploads', async () => {
    const key = 'mp/crc.bin';
    const create = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-v3', Key: key, ChecksumAlgorithm: 'CRC32' }));
    const a = randomBytes(5 * 1024 * 1024);
    const b = randomBytes(1000);
    const ra = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: key, UploadId: create.UploadId!, PartNumber: 1, Body: a, ChecksumAlgorithm: 'CRC32' }));
    const rb = await s3.send(new UploadPartCommand({ Bucket: 'sdk-v3', Key: key, UploadId: create.UploadId!, PartNumber: 2, Body: b, ChecksumAlgorithm: 'CRC32' }));
    expect(ra.ChecksumCRC32).toBeDefined();
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'sdk-v3',
        Key: key,
        UploadId: create.UploadId!,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: ra.ETag!, ChecksumCRC32: ra.ChecksumCRC32! }, { PartNumber: 2, ETag: rb.ETag!, ChecksumCRC32: rb.ChecksumCRC32! }] },
      }),
    );
    expect(done.ChecksumCRC32).toMatch(/-2$/);
    expect(done.ChecksumType).toBe('COMPOSITE');
  });
});

describe('S3 presigned URLs through @aws-sdk/s3-request-presigner', () => {
  it('GETs and PUTs with presigned URLs, and refuses them once expired', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sdk-v3', Key: 'presigned/file.txt', ContentType: 'text/plain' }), { expiresIn: 60 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'uploaded by URL', headers: { 'content-type': 'text/plain' } });
    expect(put.status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sdk-v3', Key: 'presigned/file.txt' }), { expiresIn: 60 });
    const get = await fetch(getUrl);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('uploaded by URL');
    expect(get.headers.get('content-type')).toBe('text/plain');

    server.gatehouse.clock.advance(61_000);
    try {
      const late = await fetch(getUrl);
      expect(late.status).toBe(403);
      const text = await late.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('<Message>Request has expired</Message>');
    } finally {
      server.gatehouse.clock.reset();
    }
    const tampered = await fetch(getUrl.replace('presigned%2Ffile.txt', 'presigned%2Fother.txt').replace('presigned/file.txt', 'presigned/other.txt'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
