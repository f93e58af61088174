/**
 * The console session's limits on the server's clock (issue 13): a session ends after 30 minutes
 * without use however often it was used before, and at 8 hours however busy it is; an ended
 * session's cookie calls nothing. Over HTTPS (same port, the local CA) the cookie is also Secure.
 */
import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa } from '../../src/tls/local-ca.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterEach(() => server.gatehouse.clock.reset());
afterAll(() => server?.close());

const API = '/_gatehouse/console/api/';
const MINUTE = 60_000;

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(server.url + API + 'session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.credentials) });
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf };
}
const alive = async (cookie: string): Promise<boolean> => (await fetch(server.url + API + 'session', { headers: { cookie } })).status === 200;

describe('console session expiry', () => {
  it('ends a session idle for more than 30 minutes, and its cookie calls nothing', async () => {
    const clock = server.gatehouse.clock;
    // Frozen from before the sign-in, so only `advance` moves the session's age.
    clock.freeze();
    const s = await signIn();
    for (let i = 0; i < 4; i++) {
      clock.advance(29 * MINUTE);
      expect(await alive(s.cookie)).toBe(true);
    }
    clock.advance(31 * MINUTE);
    expect(await alive(s.cookie)).toBe(false);
    clock.reset();
    const before = (await new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.length;
    const call = await fetch(server.url + API + 'call', { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: JSON.stringify({ service: 'cognito-idp', operation: 'CreateUserPool', input: { PoolName: 'after-expiry' } }) });
    expect([call.status, ((await call.json()) as { code: string }).code]).toEqual([401, 'NotSignedIn']);
    const after = (await new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.length;
    expect(after).toBe(before);
  });

  it('ends a session at 8 hours however busy it is', async () => {
    const clock = server.gatehouse.clock;
    // Frozen from before the sign-in, so only `advance` moves the session's age.
    clock.freeze();
    const s = await signIn();
    for (let used = 0; used + 20 <= 8 * 60; used += 20) {
      clock.advance(20 * MINUTE);
      expect([used + 20, await alive(s.cookie)]).toEqual([used + 20, true]);
    }
    clock.advance(1 * MINUTE);
    expect(await alive(s.cookie)).toBe(false);
  });

  it('marks the cookie Secure when the sign-in came over HTTPS', async () => {
    const ca = ensureCa(server.dataDir).cert;
    const port = Number(new URL(server.url).port);
    const setCookie = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: 'localhost', port, path: API + 'session', method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        expect(res.statusCode).toBe(200);
        resolve(String(res.headers['set-cookie'] ?? ''));
      });
      req.on('error', reject);
      req.end(JSON.stringify(server.credentials));
    });
    expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  });
});
