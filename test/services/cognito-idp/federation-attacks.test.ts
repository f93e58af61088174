/**
 * Bad input on the federation path, on top of the end-to-end test (federation-oidc.test.ts):
 * a hand-made OIDC provider (jose keys) answers with what a certified one never would: ID
 * tokens for another audience, nonce or issuer, or signed by another key; a token endpoint
 * that never answers; a provider that does not exist. And the state: missing, tampered,
 * without the browser cookie it was bound to, replayed. Each gets Cognito's error, creates no
 * user, and a slow provider fails within Gatehouse's bound instead of hanging the sign-in.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminGetUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand } from '@aws-sdk/client-cognito-identity-provider';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, idp, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let fake: http.Server;
let issuer: string;
let clientId: string;
const PREFIX = 'federation-attacks';
const CALLBACK = 'http://127.0.0.1:9/callback';
const IDP_CLIENT = 'gatehouse-at-fake';

type Mode = 'good' | 'wrong-aud' | 'wrong-nonce' | 'wrong-iss' | 'wrong-key' | 'slow';
/** What the fake provider's next token answer is, and the nonce it was asked for. */
const next: { mode: Mode; nonce: string; sub: string } = { mode: 'good', nonce: '', sub: '' };
let key: CryptoKey;
let otherKey: CryptoKey;
const held: http.ServerResponse[] = [];

async function idToken(): Promise<string> {
  const { mode } = next;
  return new SignJWT({ nonce: mode === 'wrong-nonce' ? 'another-nonce' : next.nonce, email: `${next.sub}@fake.example` })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(mode === 'wrong-iss' ? 'http://127.0.0.1:1/other' : issuer)
    .setAudience(mode === 'wrong-aud' ? 'someone-else' : IDP_CLIENT)
    .setSubject(next.sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(mode === 'wrong-key' ? otherKey : key);
}

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  const pair = await generateKeyPair('RS256', { extractable: true });
  ({ privateKey: otherKey } = await generateKeyPair('RS256'));
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  key = pair.privateKey;

  fake = http.createServer((req, res) => {
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url!, issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo` });
    }
    if (path === '/jwks') return json({ keys: [publicJwk] });
    if (path === '/userinfo') return json({ sub: next.sub, email: `${next.sub}@fake.example` });
    if (path === '/token') {
      if (next.mode === 'slow') return void held.push(res); // never answered
      return void idToken().then((t) => json({ id_token: t, access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 300 }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const details = { client_id: IDP_CLIENT, client_secret: 'fake-secret', authorize_scopes: 'openid email', attributes_request_method: 'GET' };
  await idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Fake', ProviderType: 'OIDC', ProviderDetails: { ...details, oidc_issuer: issuer }, AttributeMapping: { email: 'email' } }));
  // Nothing listens on port 1: the provider is unreachable.
  await idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Down', ProviderType: 'OIDC', ProviderDetails: { ...details, oidc_issuer: 'http://127.0.0.1:1' } }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'],
    CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO', 'Fake', 'Down'],
  }));
  clientId = c.UserPoolClient!.ClientId!;
});
afterAll(async () => {
  for (const r of held) r.destroy();
  await new Promise((resolve) => fake?.close(resolve));
  await server?.close();
});

const base = (): string => `${server.url}/_auth/${PREFIX}`;

/** /oauth2/authorize naming the provider: the state, nonce and PKCE challenge sent to it, and the browser cookie set. */
async function begin(provider = 'Fake'): Promise<{ state: string; nonce: string; cookie: string; challenge: string }> {
  const res = await fetch(`${base()}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&state=app-state&identity_provider=${provider}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(`${issuer}/authorize`);
  expect(to.searchParams.get('redirect_uri')).toBe(`${base()}/oauth2/idpresponse`);
  expect(to.searchParams.get('code_challenge_method')).toBe('S256');
  return { state: to.searchParams.get('state')!, nonce: to.searchParams.get('nonce')!, cookie: res.headers.get('set-cookie')!.split(';')[0]!, challenge: to.searchParams.get('code_challenge')! };
}

function respond(state: string | undefined, cookie: string | undefined, extra = 'code=fake-code'): Promise<Response> {
  const q = `${extra}${state === undefined ? '' : `&state=${encodeURIComponent(state)}`}`;
  return fetch(`${base()}/oauth2/idpresponse?${q}`, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });
}

/** The client's redirect with `error=`, or the code. */
function answer(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(CALLBACK);
  expect(to.searchParams.get('state')).toBe('app-state');
  return to.searchParams;
}

async function userExists(sub: string): Promise<boolean> {
  try {
    await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: `Fake_${sub}` }));
    return true;
  } catch (err) {
    expect((err as Error).name).toBe('UserNotFoundException');
    return false;
  }
}

describe('federation: what the provider answers', () => {
  it('signs in with a right token (the harness works), and refuses the same answer replayed', async () => {
    const { state, nonce, cookie } = await begin();
    Object.assign(next, { mode: 'good', nonce, sub: 'good-user' });
    expect(answer(await respond(state, cookie)).get('code')).toMatch(/.{20,}/);
    expect(await userExists('good-user')).toBe(true);
    const replayed = await respond(state, cookie);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('Invalid state.');
  });

  it.each([
    ['wrong-aud', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong-iss', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong-nonce', 'nonce mismatch'],
    ['wrong-key', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
  ] as const)('refuses an ID token with %s, and creates no user', async (mode, reason) => {
    const { state, nonce, cookie } = await begin();
    Object.assign(next, { mode, nonce, sub: `user-${mode}` });
    const err = answer(await respond(state, cookie));
    expect(err.get('error')).toBe('invalid_request');
    expect(err.get('error_description')).toContain(reason);
    expect(err.get('code')).toBeNull();
    expect(await userExists(`user-${mode}`)).toBe(false);
  });

  it('fails a sign-in whose provider does not answer in time, and one whose provider cannot be reached', async () => {
    const { state, nonce, cookie } = await begin();
    Object.assign(next, { mode: 'slow', nonce, sub: 'slow-user' });
    expect(answer(await respond(state, cookie)).get('error_description')).toBe('The identity provider\u2019s token endpoint did not answer in time.');
    expect(await userExists('slow-user')).toBe(false);

    const down = await fetch(`${base()}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&identity_provider=Down`, { redirect: 'manual' });
    expect(down.status).toBe(502);
    expect(await down.text()).toContain('could not be reached');
  });

  it('passes the provider\u2019s error on to the client', async () => {
    const { state, cookie } = await begin();
    const err = answer(await respond(state, cookie, 'error=access_denied'));
    expect(err.get('error')).toBe('invalid_request');
    expect(err.get('error_description')).toBe('The identity provider answered access_denied.');
  });
});

describe('federation: the state', () => {
  it('refuses a missing or tampered state, and one without the browser cookie it was bound to (which stays usable in that browser)', async () => {
    const { state, nonce, cookie } = await begin();
    for (const [s, c] of [[undefined, cookie], [`${state.slice(0, -8)}AAAAAAA=`, cookie], [state, undefined], [state, 'cognito-fed=another-browser']] as const) {
      const res = await respond(s, c);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Invalid state.');
    }
    Object.assign(next, { mode: 'good', nonce, sub: 'patient-user' });
    expect(answer(await respond(state, cookie)).get('code')).not.toBeNull();
  });

  it('sends the provider a PKCE challenge and a nonce of its own each time', async () => {
    const a = await begin();
    const b = await begin();
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.challenge).not.toBe(b.challenge);
    expect(a.state).not.toBe(b.state);
  });
});
