/**
 * A signature covers only the headers in SignedHeaders; any other x-amz-* header would let the
 * holder of a signed request (a presigned URL, a captured call) make it into another request.
 * S3 answers 403 AccessDenied naming the headers; the JSON APIs refuse the signature.
 */
import { AdminCreateUserCommand, AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, GetObjectAclCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, s3Client, Sha256 } from './support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'private' }));
  await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'secret.txt', Body: 'the secret' }));
});
afterAll(async () => {
  await server.close();
});

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('S3: x-amz-* headers outside SignedHeaders', () => {
  it('refuses a presigned PutObject URL with x-amz-copy-source and x-amz-acl added, and nothing changes', async () => {
    const s3 = s3Client(server);
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'uploads', Key: 'avatar.png' }), { expiresIn: 300 });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');

    const res = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': '/private/secret.txt', 'x-amz-acl': 'public-read' }, body: '' });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(codeOf(text)).toBe('AccessDenied');
    expect(element(text, 'Message')).toBe('There were headers present in the request which were not signed');
    expect(element(text, 'HeadersNotSigned')?.split(', ').sort()).toEqual(['x-amz-acl', 'x-amz-copy-source']);

    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'avatar.png' })))).status).toBe(404);
    // The URL itself is good: the upload it was made for goes through, private and with its own body.
    const ok = await fetch(url, { method: 'PUT', body: 'png bytes' });
    expect(ok.status).toBe(200);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'avatar.png' }))).Body!.transformToString()).toBe('png bytes');
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'uploads', Key: 'avatar.png' }));
    expect(acl.Grants?.some((g) => g.Grantee?.URI?.endsWith('/AllUsers') === true)).toBe(false);
  });

  it('lets a presigned URL carry an unsigned x-amz-content-sha256, as AWS does', async () => {
    const s3 = s3Client(server);
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'uploads', Key: 'hashed.txt' }), { expiresIn: 300 });
    const res = await fetch(url, { method: 'PUT', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'hashed' });
    expect(res.status).toBe(200);
  });

  it('refuses header-signed requests with an unsigned x-amz-* header, x-amz-content-sha256 included', async () => {
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 's3', region: REGION, credentials: server.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const send = async (unsigned: string[], extra: Record<string, string> = { 'x-amz-acl': 'public-read' }): Promise<{ status: number; text: string }> => {
      const signed = await signer.sign(
        {
          method: 'PUT',
          protocol: 'http:',
          hostname: u.hostname,
          port: Number(u.port),
          path: '/uploads/header-signed.txt',
          query: {},
          headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-note': 'hi', ...extra },
        },
        { unsignableHeaders: new Set(unsigned) },
      );
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') headers[k] = String(v);
      const res = await fetch(`${server.url}/uploads/header-signed.txt`, { method: 'PUT', headers, body: 'x' });
      return { status: res.status, text: await res.text() };
    };
    const acl = await send(['x-amz-acl']);
    expect([acl.status, codeOf(acl.text), element(acl.text, 'HeadersNotSigned')]).toEqual([403, 'AccessDenied', 'x-amz-acl']);
    const sha = await send(['x-amz-content-sha256', 'x-amz-meta-note']);
    expect([sha.status, element(sha.text, 'HeadersNotSigned')?.split(', ').sort()]).toEqual([403, ['x-amz-content-sha256', 'x-amz-meta-note']]);
    expect((await errorOf(s3Client(server).send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'header-signed.txt' })))).status).toBe(404);
    // Signed, the same headers are fine (an ACL header itself is refused: the bucket enforces ownership).
    expect((await send([], {})).status).toBe(200);
  });
});

describe('JSON APIs: X-Amz-Target must be signed', () => {
  it('refuses an AdminGetUser signed without X-Amz-Target replayed as AdminDeleteUser; the user stays', async () => {
    const common = { endpoint: server.url, region: REGION, credentials: server.credentials };
    const idp = new CognitoIdentityProviderClient(common);
    const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'replay' }))).UserPool!;
    await idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id!, Username: 'victim', MessageAction: 'SUPPRESS' }));

    const u = new URL(server.url);
    const body = JSON.stringify({ UserPoolId: pool.Id, Username: 'victim' });
    const signer = new SignatureV4({ service: 'cognito-idp', region: REGION, credentials: server.credentials, sha256: Sha256 });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/',
        headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser' },
        body,
      },
      { unsignableHeaders: new Set(['x-amz-target', 'content-type']) },
    );
    expect(String(signed.headers.authorization)).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') headers[k] = String(v);
    headers['x-amz-target'] = 'AWSCognitoIdentityProviderService.AdminDeleteUser';
    const res = await fetch(server.url, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: 'IncompleteSignatureException', message: 'There were headers present in the request which were not signed: x-amz-target' });
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: pool.Id!, Username: 'victim' }))).Username).toBe('victim');
  });
});
