/**
 * The console's edges by raw HTTP (issue 13): `/` is the console for a browser only (S3 clients,
 * signed or not, get S3's answers as before); wrong credentials get a clear 401 and no session;
 * the session cookie is HttpOnly and SameSite=Strict; a state change without the CSRF token, or
 * as a cross-site form post, is refused and changes nothing; every answer has the strict headers.
 */
import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

const API = '/_gatehouse/console/api/';
async function req(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(server.url + path, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
async function signIn(): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await fetch(server.url + API + 'session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.credentials) });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrf: string; arn: string };
  expect(body.arn).toMatch(/^arn:aws:iam::\d{12}:root$/);
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf, setCookie };
}
const idp = () => new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
const poolCount = async () => (await idp().send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.length ?? 0;

function expectStrictHeaders(h: Headers): void {
  expect(h.get('content-security-policy')).toContain("script-src 'self'");
  expect(h.get('content-security-policy')).not.toContain('unsafe-inline');
  expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('x-content-type-options')).toBe('nosniff');
}

describe('the console at / and /_gatehouse/console/', () => {
  it('serves the page to a browser at / and under the base, with no inline script', async () => {
    for (const path of ['/', '/_gatehouse/console/']) {
      const r = await req(path, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/html');
      expectStrictHeaders(r.headers);
      expect(r.body).toContain('<script type="module" src="/_gatehouse/console/app.js"></script>');
      expect(r.body.match(/<script[^>]*>[^<]+<\/script>/)).toBeNull();
    }
  });

  it('leaves / to S3 for a client that does not ask for HTML, or signs', async () => {
    const unsigned = await req('/');
    expect(unsigned.body).toContain('<Error>');
    expect(unsigned.headers.get('content-type')).toContain('xml');
    const buckets = await new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true }).send(new ListBucketsCommand({}));
    expect(buckets.Buckets).toEqual([]);
  });
});

describe('sign-in and the session', () => {
  it('refuses wrong credentials with a clear message, no cookie and no stack trace', async () => {
    const r = await req(API + 'session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong' }) });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ code: 'InvalidCredentials', message: 'The access key ID or secret access key is not correct.' });
    expect(r.headers.get('set-cookie')).toBeNull();
    const junk = await req(API + 'session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accessKeyId":' });
    expect(junk.status).toBe(401);
  });

  it('sets an HttpOnly, SameSite=Strict cookie scoped to the console; signs out', async () => {
    const s = await signIn();
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Path=\/_gatehouse\/console\//);
    expect(s.setCookie).not.toMatch(/Secure/); // plain HTTP here; Secure is set over HTTPS
    const who = await req(API + 'session', { headers: { cookie: s.cookie } });
    expect(JSON.parse(who.body)).toMatchObject({ csrf: s.csrf });
    expectStrictHeaders(who.headers);
    const out = await req(API + 'signout', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: '{}' });
    expect(out.status).toBe(200);
    expect((await req(API + 'session', { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('calls the public API as the signed-in principal', async () => {
    const s = await signIn();
    const r = await req(API + 'call', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: JSON.stringify({ service: 'cognito-idp', operation: 'CreateUserPool', input: { PoolName: 'viaconsole' } }) });
    expect(r.status).toBe(200);
    const id = (JSON.parse(r.body) as { UserPool: { Id: string } }).UserPool.Id;
    expect((await idp().send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.map((p) => p.Id)).toContain(id);
    const bad = await req(API + 'call', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: JSON.stringify({ service: 'cognito-idp', operation: 'constructor', input: {} }) });
    expect([bad.status, JSON.parse(bad.body).code]).toEqual([400, 'UnknownOperation']);
    const aws = await req(API + 'call', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: JSON.stringify({ service: 'cognito-idp', operation: 'DescribeUserPool', input: { UserPoolId: 'us-east-1_nope' } }) });
    expect([aws.status, JSON.parse(aws.body).code]).toEqual([400, 'ResourceNotFoundException']);
  });
});

describe('CSRF', () => {
  const create = (headers: Record<string, string>, body: string) => req(API + 'call', { method: 'POST', headers, body });
  const input = JSON.stringify({ service: 'cognito-idp', operation: 'CreateUserPool', input: { PoolName: 'csrf' } });

  it('refuses a state change without the token, with a wrong one, or from another origin, and changes nothing', async () => {
    const s = await signIn();
    const before = await poolCount();
    const noToken = await create({ cookie: s.cookie, 'content-type': 'application/json' }, input);
    const wrong = await create({ cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': 'x'.repeat(43) }, input);
    const otherOrigin = await create({ cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf, origin: 'https://attacker.example' }, input);
    // What a cross-site <form method=post> can send: a form body, no custom header.
    const form = await create({ cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' }, 'service=cognito-idp&operation=CreateUserPool');
    const signOutNoToken = await req(API + 'signout', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: '{}' });
    expect([noToken.status, wrong.status, otherOrigin.status, form.status, signOutNoToken.status]).toEqual([403, 403, 403, 403, 403]);
    expect(await poolCount()).toBe(before);
    expect((await req(API + 'session', { headers: { cookie: s.cookie } })).status).toBe(200);
  });

  it('refuses a call with no session', async () => {
    const r = await create({ 'content-type': 'application/json', 'x-csrf-token': 'anything' }, input);
    expect(r.status).toBe(401);
  });
});
