import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { loopbackLookup, s3Client } from './support.js';

let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-s3-clients-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

function v2(): AWS.S3 {
  return new AWS.S3({
    endpoint: server.url,
    region: REGION,
    accessKeyId: server.credentials.accessKeyId,
    secretAccessKey: server.credentials.secretAccessKey,
    s3ForcePathStyle: true,
    signatureVersion: 'v4',
  });
}

describe('S3 through aws-sdk v2', () => {
  it('creates a bucket, puts, gets, lists (v1, as the seed app does), copies, deletes and presigns', async () => {
    const s3 = v2();
    await s3.createBucket({ Bucket: 'sdk-v2' }).promise();
    const put = await s3.putObject({ Bucket: 'sdk-v2', Key: 'index.html', Body: '<h1>hi</h1>', ContentType: 'text/html', Metadata: { m: 'x' } }).promise();
    expect(put.ETag).toBe(`"${md5('<h1>hi</h1>')}"`);
    const got = await s3.getObject({ Bucket: 'sdk-v2', Key: 'index.html' }).promise();
    expect(String(got.Body)).toBe('<h1>hi</h1>');
    expect(got.ContentType).toBe('text/html');
    expect(got.Metadata).toEqual({ m: 'x' });
    const list = await s3.listObjects({ Bucket: 'sdk-v2' }).promise();
    expect(list.Contents?.map((c) => c.Key)).toEqual(['index.html']);
    const list2 = await s3.listObjectsV2({ Bucket: 'sdk-v2', Prefix: 'index' }).promise();
    expect(list2.KeyCount).toBe(1);
    await s3.copyObject({ Bucket: 'sdk-v2', Key: 'copy.html', CopySource: '/sdk-v2/index.html' }).promise();
    const url = s3.getSignedUrl('getObject', { Bucket: 'sdk-v2', Key: 'copy.html', Expires: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<h1>hi</h1>');
    const putUrl = s3.getSignedUrl('putObject', { Bucket: 'sdk-v2', Key: 'via-url.txt', Expires: 60 });
    expect((await fetch(putUrl, { method: 'PUT', body: 'from v2 url' })).status).toBe(200);
    expect(String((await s3.getObject({ Bucket: 'sdk-v2', Key: 'via-url.txt' }).promise()).Body)).toBe('from v2 url');
    await s3.deleteObjects({ Bucket: 'sdk-v2', Delete: { Objects: [{ Key: 'copy.html' }, { Key: 'via-url.txt' }] } }).promise();
    const err = await s3
      .headObject({ Bucket: 'sdk-v2', Key: 'copy.html' })
      .promise()
      .then(() => undefined, (e: AWS.AWSError) => e);
    expect(err?.statusCode).toBe(404);
  });

  it('works with aws-sdk 2.487.0, the version the seed web app loads (virtual-hosted, as browsers use it)', async () => {
    const { default: OldAWS } = (await import('aws-sdk-2.487.0')) as unknown as { default: typeof AWS };
    const port = new URL(server.url).port;
    const old = new OldAWS.S3({
      endpoint: `http://localhost:${port}`,
      region: REGION,
      accessKeyId: server.credentials.accessKeyId,
      secretAccessKey: server.credentials.secretAccessKey,
      // Browsers reach <bucket>.localhost; node's resolver does not, so give the SDK an agent that does.
      httpOptions: { agent: new http.Agent({ lookup: loopbackLookup }) },
    });
    // This SDK adds LocationConstraint=us-east-1 for custom endpoints, which AWS (and Gatehouse) refuse.
    const bad = await old.createBucket({ Bucket: 'seed-sdk' }).promise().then(() => undefined, (e: AWS.AWSError) => e.code);
    expect(bad).toBe('InvalidLocationConstraint');
    await s3Client(server).send(new CreateBucketCommand({ Bucket: 'seed-sdk' }));
    await old.putObject({ Bucket: 'seed-sdk', Key: 'index.html', Body: 'seed page', ContentType: 'text/html' }).promise();
    await old.putObject({ Bucket: 'seed-sdk', Key: 'script/app.js', Body: 'app' }).promise();
    const listed = await old.listObjects({ Bucket: 'seed-sdk' }).promise();
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['index.html', 'script/app.js']);
    const got = await old.getObject({ Bucket: 'seed-sdk', Key: 'index.html' }).promise();
    expect(String(got.Body)).toBe('seed page');
  });

  it('uploads 12 MB with the managed multipart uploader', async () => {
    const s3 = v2();
    const data = randomBytes(12 * 1024 * 1024);
    const out = await s3.upload({ Bucket: 'sdk-v2', Key: 'big.bin', Body: data }, { partSize: 5 * 1024 * 1024, queueSize: 2 }).promise();
    expect(out.ETag).toMatch(/-3"$/);
    const got = await s3.getObject({ Bucket: 'sdk-v2', Key: 'big.bin' }).promise();
    expect(md5(got.Body as Buffer)).toBe(md5(data));
  });
});

// Each of these tests starts the (Python) AWS CLI some fifteen times: a few seconds each on a
// loaded two-core machine, past the default minute when other suites run beside them.
const CLI_TEST_TIMEOUT = 180_000;

describe('S3 through the AWS CLI', () => {
  it('cp, ls, sync and rm with the high-level commands', async () => {
    const c = (args: string[]) => awsCli(server.url, server.credentials, args);
    expect((await c(['s3', 'mb', 's3://cli-bucket'])).code).toBe(0);
    const dir = path.join(work, 'site');
    fs.mkdirSync(path.join(dir, 'script'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<html>site</html>');
    fs.writeFileSync(path.join(dir, 'script', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'odd name & ünïcode.txt'), 'odd');
    // sync compares modification times at S3's one-second precision: make the files clearly older.
    const old = new Date(Date.now() - 60_000);
    for (const f of ['index.html', 'script/app.js', 'odd name & ünïcode.txt']) fs.utimesSync(path.join(dir, f), old, old);
    const sync = await c(['s3', 'sync', dir, 's3://cli-bucket/site']);
    expect(sync.code, sync.stderr).toBe(0);
    const ls = await c(['s3', 'ls', 's3://cli-bucket/site/', '--recursive']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('site/index.html');
    expect(ls.stdout).toContain('site/script/app.js');
    expect(ls.stdout).toContain('site/odd name & ünïcode.txt');
    // A second sync finds nothing to do.
    const again = await c(['s3', 'sync', dir, 's3://cli-bucket/site']);
    expect(again.stdout.trim()).toBe('');

    const big = path.join(work, 'big.bin');
    const data = randomBytes(50 * 1024 * 1024);
    fs.writeFileSync(big, data);
    const cp = await c(['s3', 'cp', big, 's3://cli-bucket/big.bin']);
    expect(cp.code, cp.stderr).toBe(0);
    const head = await c(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'big.bin']);
    const meta = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
    expect(meta.ContentLength).toBe(data.length);
    expect(meta.ETag).toMatch(/-\d+"$/);
    const back = path.join(work, 'back.bin');
    const down = await c(['s3', 'cp', 's3://cli-bucket/big.bin', back]);
    expect(down.code, down.stderr).toBe(0);
    expect(md5(fs.readFileSync(back))).toBe(md5(data));

    const rm = await c(['s3', 'rm', 's3://cli-bucket', '--recursive']);
    expect(rm.code, rm.stderr).toBe(0);
    const empty = await c(['s3api', 'list-objects-v2', '--bucket', 'cli-bucket']);
    expect(empty.code).toBe(0);
    expect(empty.stdout.trim() === '' || !('Contents' in (JSON.parse(empty.stdout) as object))).toBe(true);
    expect((await c(['s3', 'rb', 's3://cli-bucket'])).code).toBe(0);
  }, CLI_TEST_TIMEOUT);

  it('s3api calls and their errors', async () => {
    const c = (args: string[]) => awsCli(server.url, server.credentials, args);
    expect((await c(['s3api', 'create-bucket', '--bucket', 'cli-api', '--create-bucket-configuration', 'LocationConstraint=eu-central-1'])).code).toBe(0);
    const loc = await c(['s3api', 'get-bucket-location', '--bucket', 'cli-api']);
    expect(JSON.parse(loc.stdout)).toEqual({ LocationConstraint: 'eu-central-1' });
    const body = path.join(work, 'b.txt');
    fs.writeFileSync(body, 'cli body');
    const put = await c(['s3api', 'put-object', '--bucket', 'cli-api', '--key', 'k.txt', '--body', body, '--content-type', 'text/plain', '--metadata', 'a=b']);
    expect(put.code, put.stderr).toBe(0);
    const head = JSON.parse((await c(['s3api', 'head-object', '--bucket', 'cli-api', '--key', 'k.txt'])).stdout) as { Metadata: Record<string, string>; ContentType: string };
    expect(head).toMatchObject({ Metadata: { a: 'b' }, ContentType: 'text/plain' });
    const missing = await c(['s3api', 'get-object', '--bucket', 'cli-api', '--key', 'nope', path.join(work, 'x')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NoSuchKey');
    const nb = await c(['s3api', 'list-objects-v2', '--bucket', 'no-such-bucket-cli']);
    expect(nb.stderr).toContain('NoSuchBucket');
    // The CORS rules in the JSON form the console and walkthroughs use, which the CLI turns into XML.
    const rules = [{ AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], AllowedOrigins: ['*'], ExposeHeaders: [] }];
    const cors = await c(['s3api', 'put-bucket-cors', '--bucket', 'cli-api', '--cors-configuration', JSON.stringify({ CORSRules: rules })]);
    expect(cors.code, cors.stderr).toBe(0);
    const back = JSON.parse((await c(['s3api', 'get-bucket-cors', '--bucket', 'cli-api'])).stdout) as { CORSRules: unknown[] };
    expect(back.CORSRules).toEqual([{ AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], AllowedOrigins: ['*'] }]);
    const pre = await fetch(`${server.url}/cli-api/k.txt`, { method: 'OPTIONS', headers: { origin: 'http://site.example.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-amz-date' } });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  }, CLI_TEST_TIMEOUT);
});

describe('S3 through boto3', () => {
  it('works with default flexible checksums, upload_file multipart for 50 MB, presigned URLs and paginators', async () => {
    const big = path.join(work, 'boto-big.bin');
    const data = randomBytes(50 * 1024 * 1024);
    fs.writeFileSync(big, data);
    const script = `
from boto3.s3.transfer import TransferConfig
# Presigned URLs need SigV4 (boto3 would otherwise presign with SigV2, which Gatehouse refuses).
s3 = boto3.client('s3', endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
s3.create_bucket(Bucket='boto')
r = s3.put_object(Bucket='boto', Key='small.txt', Body=b'boto body', ContentType='text/plain')
out = {'put_etag': r['ETag'], 'put_crc': r.get('ChecksumCRC32')}
g = s3.get_object(Bucket='boto', Key='small.txt', ChecksumMode='ENABLED')
out['get'] = g['Body'].read().decode()
out['get_crc'] = g.get('ChecksumCRC32')
s3.upload_file(${JSON.stringify(big)}, 'boto', 'big.bin', Config=TransferConfig(multipart_threshold=8*1024*1024, multipart_chunksize=8*1024*1024))
h = s3.head_object(Bucket='boto', Key='big.bin')
out['big_len'] = h['ContentLength']
out['big_etag'] = h['ETag']
s3.download_file('boto', 'big.bin', ${JSON.stringify(big + '.down')})
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto', 'Key': 'small.txt'}, ExpiresIn=60)
put_url = s3.generate_presigned_url('put_object', Params={'Bucket': 'boto', 'Key': 'from-url.txt'}, ExpiresIn=60)
out['url'] = url
out['put_url'] = put_url
for i in range(5):
    s3.put_object(Bucket='boto', Key='page/%d' % i, Body=b'x')
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='boto', Prefix='page/', PaginationConfig={'PageSize': 2}):
    keys += [c['Key'] for c in page.get('Contents', [])]
out['paged'] = keys
try:
    s3.get_object(Bucket='boto', Key='missing')
except botocore.exceptions.ClientError as e:
    out['missing'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const r = await boto3(server.url, server.credentials, script);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.put_etag).toBe(`"${md5('boto body')}"`);
    expect(out.put_crc).toMatch(/==$/);
    expect(out.get).toBe('boto body');
    expect(out.get_crc).toBe(out.put_crc);
    expect(out.big_len).toBe(data.length);
    expect(out.big_etag).toMatch(/-7"$/);
    expect(md5(fs.readFileSync(big + '.down'))).toBe(md5(data));
    expect(out.paged).toEqual(['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
    expect(out.missing).toBe('NoSuchKey');
    const res = await fetch(out.url as string);
    expect(await res.text()).toBe('boto body');
    expect((await fetch(out.put_url as string, { method: 'PUT', body: 'boto url put' })).status).toBe(200);
    const s3 = s3Client(server);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'boto', Key: 'from-url.txt' }));
    expect(await got.Body!.transformToString()).toBe('boto url put');
  });

  it('verifies the SHA256 and SHA1 checksums boto3 sends, and CRC32C from SDK v3 (boto3 needs botocore[crt] for CRC32C)', async () => {
    const script = `
s3 = boto3.client('s3', endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket='boto-sums')
a = s3.put_object(Bucket='boto-sums', Key='s1.txt', Body=b'sha1 body', ChecksumAlgorithm='SHA1')
b = s3.put_object(Bucket='boto-sums', Key='s.txt', Body=b'sha256 body', ChecksumAlgorithm='SHA256')
g = s3.get_object(Bucket='boto-sums', Key='s.txt', ChecksumMode='ENABLED')
g['Body'].read()
print(json.dumps({'sha1': a.get('ChecksumSHA1'), 'sha256': b.get('ChecksumSHA256'), 'get_sha256': g.get('ChecksumSHA256')}))
`;
    const r = await boto3(server.url, server.credentials, script);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { sha1: string; sha256: string; get_sha256: string };
    expect(out.sha256).toBe(createHash('sha256').update('sha256 body').digest('base64'));
    expect(out.get_sha256).toBe(out.sha256);
    expect(out.sha1).toBe(createHash('sha1').update('sha1 body').digest('base64'));
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'v3-crc32c' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'v3-crc32c', Key: 'k', Body: 'crc32c body', ChecksumAlgorithm: 'CRC32C' }));
    expect(put.ChecksumCRC32C).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'v3-crc32c', Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32C).toBe(put.ChecksumCRC32C);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'v3-crc32c', Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(await got.Body!.transformToString()).toBe('crc32c body');
  });
});
