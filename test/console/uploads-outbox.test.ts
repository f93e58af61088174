/**
 * The console's two non-JSON routes and its outbox, by raw HTTP (issue 13): "Upload" puts the
 * body as one object with the session's key (checked with the v3 S3 client), needs the CSRF
 * token and this origin like every state change, and refuses a bad bucket or key before reading;
 * a download is the object's bytes as an attachment; the outbox answers a root session, and a
 * session of other credentials (an assumed role) gets AccessDenied: the outbox's own check decides;
 * "Access decisions" lists a denied request with the reason, to root sessions only.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  server = await startServer();
  s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'console-files' }));
});
afterAll(() => server?.close());

const API = '/_gatehouse/console/api/';
async function signIn(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = server.credentials): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(server.url + API + 'session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf };
}
function upload(key: string, headers: Record<string, string>, body: string | Buffer): Promise<Response> {
  return fetch(`${server.url}${API}upload?bucket=console-files&key=${encodeURIComponent(key)}`, { method: 'POST', headers, body });
}
async function exists(key: string): Promise<boolean> {
  return s3.send(new GetObjectCommand({ Bucket: 'console-files', Key: key })).then(() => true, () => false);
}

describe('Upload and download', () => {
  it('puts the body as the object, with its content type, as the signed-in principal', async () => {
    const s = await signIn();
    const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    const r = await upload('folder/ünïcode name.bin', { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/x-thing' }, body);
    expect(r.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'console-files', Key: 'folder/ünïcode name.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('application/x-thing');

    const down = await fetch(`${server.url}${API}object?bucket=console-files&key=${encodeURIComponent('folder/ünïcode name.bin')}`, { headers: { cookie: s.cookie } });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect(down.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('ünïcode name.bin')}`);
    expect(down.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(Buffer.from(await down.arrayBuffer())).toEqual(body);
    expect((await fetch(`${server.url}${API}object?bucket=console-files&key=folder/ünïcode name.bin`)).status).toBe(401);
    const missing = await fetch(`${server.url}${API}object?bucket=console-files&key=nope`, { headers: { cookie: s.cookie } });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([404, 'NoSuchKey']);
  });

  it('refuses an upload without the token, with a wrong one, from another origin or with no session, and writes nothing', async () => {
    const s = await signIn();
    const results = [
      await upload('a.txt', { cookie: s.cookie }, 'x'),
      await upload('a.txt', { cookie: s.cookie, 'x-csrf-token': 'y'.repeat(43) }, 'x'),
      await upload('a.txt', { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://attacker.example' }, 'x'),
      // What a cross-site <form enctype=multipart/form-data> can send: no custom header.
      await upload('a.txt', { cookie: s.cookie, 'content-type': 'multipart/form-data; boundary=b', origin: 'https://attacker.example' }, '--b--'),
      await upload('a.txt', { 'x-csrf-token': s.csrf }, 'x'),
    ];
    expect(results.map((r) => r.status)).toEqual([403, 403, 403, 403, 401]);
    expect(await exists('a.txt')).toBe(false);
  });

  it('refuses a bad bucket or key with a clear 400, and passes S3 errors through', async () => {
    const s = await signIn();
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    for (const q of ['bucket=console-files&key=', 'bucket=Bad_Bucket&key=a', `bucket=console-files&key=${'k'.repeat(1025)}`, 'key=a']) {
      const r = await fetch(`${server.url}${API}upload?${q}`, { method: 'POST', headers, body: 'x' });
      expect([q.slice(0, 40), r.status, ((await r.json()) as { code: string }).code]).toEqual([q.slice(0, 40), 400, 'InvalidArgument']);
    }
    const r = await fetch(`${server.url}${API}upload?bucket=no-such-bucket&key=a`, { method: 'POST', headers, body: 'x' });
    expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([404, 'NoSuchBucket']);
  });
});

describe('multipart uploads (what the page does above 16 MiB)', () => {
  it('CreateMultipartUpload through call, parts through the upload route, CompleteMultipartUpload', async () => {
    const s = await signIn();
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' };
    const api = async (operation: string, input: Record<string, unknown>) => {
      const r = await fetch(server.url + API + 'call', { method: 'POST', headers, body: JSON.stringify({ service: 's3', operation, input }) });
      expect([operation, r.status]).toEqual([operation, 200]);
      return (await r.json()) as Record<string, unknown>;
    };
    const { UploadId } = (await api('CreateMultipartUpload', { Bucket: 'console-files', Key: 'big.bin', ContentType: 'video/mp4' })) as { UploadId: string };
    const first = Buffer.alloc(5 * 1024 * 1024, 7);
    const second = Buffer.from('the end');
    const parts = [];
    for (const [n, body] of [[1, first], [2, second]] as const) {
      const r = await fetch(`${server.url}${API}upload?bucket=console-files&key=big.bin&uploadId=${encodeURIComponent(UploadId)}&partNumber=${n}`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body });
      expect(r.status).toBe(200);
      parts.push({ PartNumber: n, ETag: ((await r.json()) as { ETag: string }).ETag });
    }
    const bad = await fetch(`${server.url}${API}upload?bucket=console-files&key=big.bin&uploadId=${encodeURIComponent(UploadId)}&partNumber=10001`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body: 'x' });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${server.url}${API}upload?bucket=console-files&key=big.bin&uploadId=nope&partNumber=1`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body: 'x' });
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'NoSuchUpload']);
    await api('CompleteMultipartUpload', { Bucket: 'console-files', Key: 'big.bin', UploadId, MultipartUpload: { Parts: parts } });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'console-files', Key: 'big.bin' }));
    expect(got.ContentType).toBe('video/mp4');
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([first, second]))).toBe(true);
    expect(got.ETag).toMatch(/-2"$/);
  });
});

describe('the outbox', () => {
  it('answers a root session with the messages, and refuses a session of other credentials', async () => {
    const s = await signIn();
    const ok = await fetch(server.url + API + 'outbox', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: '{}' });
    expect(ok.status).toBe(200);
    expect((await ok.json()) as unknown).toEqual({ messages: [] });
    const noToken = await fetch(server.url + API + 'outbox', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(403);

    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'console-operator', AssumeRolePolicyDocument: trust }));
    const assumed = (await new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'op' }))).Credentials!;
    const other = await signIn({ accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken! });
    const denied = await fetch(server.url + API + 'outbox', { method: 'POST', headers: { cookie: other.cookie, 'x-csrf-token': other.csrf, 'content-type': 'application/json' }, body: '{}' });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe('AccessDenied');

    // The role has no policy: its S3 call is denied, and "Access decisions" says why (root only).
    const asOperator = new S3Client({ endpoint: server.url, region: REGION, credentials: { accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken! }, forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: 'console-files', Key: 'secret.txt', Body: 'x' }));
    await expect(asOperator.send(new GetObjectCommand({ Bucket: 'console-files', Key: 'secret.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const post = (s: { cookie: string; csrf: string }) => fetch(server.url + API + 'decisions', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: '{}' });
    const list = await post(s);
    expect(list.status).toBe(200);
    const { decisions } = (await list.json()) as { decisions: Record<string, string>[] };
    expect(decisions[0]).toMatchObject({
      principal: 'arn:aws:sts::000000000000:assumed-role/console-operator/op',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::console-files/secret.txt',
      decision: 'ImplicitDeny',
      decidedBy: '(implicit deny: no identity-based policy allows it)',
      policyType: 'identity-based',
    });
    expect(Date.parse(decisions[0]!.time!)).toBeGreaterThan(Date.now() - 60_000);
    const refused = await post(other);
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, 'AccessDenied']);
    // A page whose name points at this host (DNS rebinding) is not a local client.
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get(`${server.url}/_gatehouse/decisions`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).toBe(401);
  });
});
