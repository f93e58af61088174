/**
 * Google and Sign in with Apple, the OIDC social providers, end to end in Chromium: the
 * certified `oidc-provider` runs in the test in their place, and the providers are registered
 * with AWS's ProviderDetails keys (oidc_issuer, authorize_url, token_url pointed at it). The
 * token endpoints go through a small proxy in front of it, which for Apple checks the client
 * secret Gatehouse made (an ES256 JWT from team_id, key_id and private_key, verified with the
 * key's public half) and which the attack tests use to tamper with the ID token or re-sign it
 * for another audience. Apple answers by form_post (it is asked for the e-mail).
 */
import type http from 'node:http';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, idp } from './support.js';
import { bodyOf, listen, signInWith, startSocial, type ProviderInput, type SocialEnv } from './social-support.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const GOOGLE = { id: 'google-client.apps.example', secret: 'google-secret-0123456789' };
const APPLE = { id: 'com.example.web', team: 'TEAM123456', keyId: 'KEY1234567', registered: 'apple-secret-as-the-fake-knows-it' };

let env: SocialEnv;
let fake: { url: string; server: http.Server };
let provider: Provider;
let signing: { key: Key; kid: string };
let applePublic: Key;
/** What the token proxy does to the provider's ID token. */
let mode: 'pass' | 'tamper' | 'audience' = 'pass';

/** The token endpoints' proxy: Apple's client secret checked and replaced, then oidc-provider's /token; the ID token as `mode` says. */
async function tokenProxy(req: http.IncomingMessage, res: http.ServerResponse, apple: boolean): Promise<void> {
  const form = new URLSearchParams(await bodyOf(req));
  if (apple) {
    try {
      const { protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', applePublic, { issuer: APPLE.team, subject: APPLE.id, audience: fake.url, algorithms: ['ES256'] });
      if (protectedHeader.kid !== APPLE.keyId) throw new Error('kid');
    } catch {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end('{"error":"invalid_client"}');
    }
    form.set('client_secret', APPLE.registered);
  }
  const answer = await fetch(`${fake.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const t = (await answer.json()) as { id_token?: string };
  if (t.id_token !== undefined && mode === 'tamper') {
    const [h, p, s] = t.id_token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    t.id_token = [h, Buffer.from(JSON.stringify({ ...claims, email: 'admin@corp.example' })).toString('base64url'), s].join('.');
  }
  if (t.id_token !== undefined && mode === 'audience') {
    // Signed by the provider's own key, but issued to another app.
    t.id_token = await new SignJWT({ ...decodeJwt(t.id_token), aud: 'another-app' }).setProtectedHeader({ alg: 'RS256', kid: signing.kid }).sign(signing.key);
  }
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(t));
}

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  signing = { key: rsa.privateKey, kid: 'fake-provider-key' };
  const jwk: JWK = { ...(await exportJWK(rsa.privateKey)), kid: signing.kid, alg: 'RS256', use: 'sig' };
  const ec = await generateKeyPair('ES256', { extractable: true });
  applePublic = ec.publicKey;
  const applePrivate = await exportPKCS8(ec.privateKey);

  fake = await listen((req, res) => {
    if (req.method === 'POST' && (req.url === '/google-token' || req.url === '/apple-token')) return void tokenProxy(req, res, req.url === '/apple-token');
    provider.callback()(req, res);
  });
  env = await startSocial('social-oidc', async (base): Promise<ProviderInput[]> => {
    const client = { token_endpoint_auth_method: 'client_secret_post', redirect_uris: [`${base}/oauth2/idpresponse`], grant_types: ['authorization_code'], response_types: ['code'] } as const;
    provider = new Provider(fake.url, {
      clients: [{ ...client, client_id: GOOGLE.id, client_secret: GOOGLE.secret }, { ...client, client_id: APPLE.id, client_secret: APPLE.registered }],
      jwks: { keys: [jwk] },
      scopes: ['openid', 'email', 'profile', 'name'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // Google and Apple put the user's claims in the ID token; Gatehouse reads them there.
      conformIdTokenClaims: false,
      // Apple takes no PKCE challenge (Gatehouse sends none); Google gets one.
      pkce: { required: () => false },
      findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@mail.example`, email_verified: true, name: `Name of ${id}` }) }),
      cookies: { keys: ['oidc-provider-test-cookie-key'] },
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    });
    const endpoints = (token: string) => ({ oidc_issuer: fake.url, authorize_url: `${fake.url}/auth`, token_url: `${fake.url}/${token}` });
    return [
      {
        ProviderName: 'Google', ProviderType: 'Google',
        ProviderDetails: { client_id: GOOGLE.id, client_secret: GOOGLE.secret, authorize_scopes: 'openid email profile', ...endpoints('google-token') },
        AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'name', username: 'sub' },
      },
      {
        ProviderName: 'SignInWithApple', ProviderType: 'SignInWithApple',
        ProviderDetails: { client_id: APPLE.id, team_id: APPLE.team, key_id: APPLE.keyId, private_key: applePrivate, authorize_scopes: 'openid email name', ...endpoints('apple-token') },
        AttributeMapping: { email: 'email' },
      },
    ];
  });
});
afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => fake?.server.close(resolve));
});

/** oidc-provider's development login and consent pages. */
const loginAs = (login: string) => async (page: Page): Promise<void> => {
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
};

const noUser = async (username: string): Promise<void> => {
  expect(await errorOf(idp(env.server).send(new AdminGetUserCommand({ UserPoolId: env.pool.poolId, Username: username })))).toMatchObject({ name: 'UserNotFoundException' });
};

describe('Google and Sign in with Apple through the hosted UI', () => {
  it('signs in Google_<sub> through "Continue with Google" with the ID token\u2019s mapped claims; a replayed answer is refused', async () => {
    const { claims, idpResponse, page } = await signInWith(env, 'Google', { via: 'login', atProvider: loginAs('gina') });
    expect(claims).toMatchObject({ 'cognito:username': 'Google_gina', email: 'gina@mail.example', email_verified: true, name: 'Name of gina', 'cognito:groups': [`${env.pool.poolId}_Google`] });
    expect(claims!.identities).toEqual([expect.objectContaining({ userId: 'gina', providerName: 'Google', providerType: 'Google', issuer: null, primary: 'true' })]);
    expect(new URL(idpResponse.url).searchParams.has('code')).toBe(true);
    const replayed = await page.context().request.get(idpResponse.url, { maxRedirects: 0 });
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid state.');
    await page.context().close();
  });

  it('signs in SignInWithApple_<sub> (ES256 client secret, form_post answer); a replayed POST is refused', async () => {
    const { claims, idpResponse, page } = await signInWith(env, 'SignInWithApple', { atProvider: loginAs('abe') });
    expect(idpResponse.method).toBe('POST');
    expect(claims).toMatchObject({ 'cognito:username': 'SignInWithApple_abe', email: 'abe@mail.example' });
    expect(claims!.identities).toEqual([expect.objectContaining({ userId: 'abe', providerName: 'SignInWithApple', providerType: 'SignInWithApple' })]);
    const replayed = await page.context().request.post(idpResponse.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: idpResponse.body!, maxRedirects: 0 });
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid state.');
    await page.context().close();
  });

  it('refuses a tampered ID token and one issued to another audience, creating no user', async () => {
    for (const [m, login, why] of [['tamper', 'mallory', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'], ['audience', 'trudy', 'ERR_JWT_CLAIM_VALIDATION_FAILED']] as const) {
      mode = m;
      try {
        const { claims, callback, page } = await signInWith(env, 'Google', { atProvider: loginAs(login) });
        expect(claims).toBeUndefined();
        expect(callback.searchParams.get('error')).toBe('invalid_request');
        expect(callback.searchParams.get('error_description')).toBe(`The identity provider\u2019s ID token is not valid (${why}).`);
        await page.context().close();
      } finally {
        mode = 'pass';
      }
      await noUser(`Google_${login}`);
    }
  });
});
