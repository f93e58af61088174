/**
 * Facebook and Login with Amazon, the OAuth 2.0 social providers, end to end in Chromium: a
 * local fake of each provider's authorization, token and profile endpoints (Graph's
 * `/me?fields=…` with the fields AttributeMapping names; Amazon's `/user/profile`, with
 * PKCE), registered with AWS's ProviderDetails keys pointed at it. The users are
 * `Facebook_<id>` and `LoginWithAmazon_<user_id>` with the mapped attributes in Gatehouse's
 * tokens. Attacks: a replayed provider answer, a wrong client secret, a profile without an id.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { AdminGetUserCommand, AdminLinkProviderForUserCommand, DescribeIdentityProviderCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmedUser, errorOf, idp } from './support.js';
import { bodyOf, listen, signInWith, startSocial, type ProviderInput, type SocialEnv } from './social-support.js';

const FB = { id: 'fb-app-id', secret: 'fb-app-secret-0123456789' };
const AMZN = { id: 'amzn1.application-oa2-client.test', secret: 'amzn-secret-0123456789' };

let env: SocialEnv;
let fake: { url: string; server: http.Server };
/** Who the fake provider signs in next, and what it answers. */
let person = { id: '10001', email: 'fay@fb.example', name: 'Fay Book' };
let profileWithoutId = false;
const codes = new Map<string, { who: typeof person; redirectUri: string; challenge: string | null }>();
const tokens = new Map<string, typeof person>();
const graphFields: string[] = [];

/** The fake: /fb/... as Graph v17.0 answers, /amzn/... as Login with Amazon does. */
async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const u = new URL(req.url!, fake.url);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const bearer = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  if (u.pathname === '/fb/v17.0/dialog/oauth' || u.pathname === '/amzn/ap/oa') {
    const fb = u.pathname.startsWith('/fb');
    if (u.searchParams.get('client_id') !== (fb ? FB.id : AMZN.id) || u.searchParams.get('response_type') !== 'code') return json(400, { error: 'invalid_request' });
    const code = randomBytes(12).toString('hex');
    codes.set(code, { who: person, redirectUri: u.searchParams.get('redirect_uri')!, challenge: u.searchParams.get('code_challenge') });
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state')!);
    res.writeHead(302, { location: back.toString() });
    return void res.end();
  }
  if (u.pathname === '/fb/v17.0/oauth/access_token' || (u.pathname === '/amzn/auth/o2/token' && req.method === 'POST')) {
    const fb = u.pathname.startsWith('/fb');
    const q = fb ? u.searchParams : new URLSearchParams(await bodyOf(req));
    const issued = codes.get(q.get('code') ?? '');
    codes.delete(q.get('code') ?? '');
    const creds = fb ? FB : AMZN;
    if (q.get('client_id') !== creds.id || q.get('client_secret') !== creds.secret) return json(401, { error: 'invalid_client' });
    if (issued === undefined || issued.redirectUri !== q.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
    // Amazon: the PKCE verifier must match the challenge Gatehouse sent.
    if (!fb && issued.challenge !== createHash('sha256').update(q.get('code_verifier') ?? '').digest('base64url')) return json(400, { error: 'invalid_grant' });
    const token = randomBytes(16).toString('hex');
    tokens.set(token, issued.who);
    return json(200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
  }
  if (u.pathname === '/fb/v17.0/me' && bearer !== undefined) {
    const fields = (u.searchParams.get('fields') ?? '').split(',');
    graphFields.push(...fields);
    const all: Record<string, string> = { id: bearer.id, email: bearer.email, name: bearer.name, first_name: bearer.name.split(' ')[0]! };
    return json(200, Object.fromEntries(fields.filter((f) => all[f] !== undefined && !(f === 'id' && profileWithoutId)).map((f) => [f, all[f]])));
  }
  if (u.pathname === '/amzn/user/profile' && bearer !== undefined) {
    return json(200, { ...(profileWithoutId ? {} : { user_id: `amzn1.account.${bearer.id}` }), email: bearer.email, name: bearer.name });
  }
  json(404, { error: 'not_found' });
}

beforeAll(async () => {
  fake = await listen((req, res) => void handle(req, res));
  env = await startSocial('social-oauth', async (): Promise<ProviderInput[]> => [
    {
      ProviderName: 'Facebook', ProviderType: 'Facebook',
      ProviderDetails: {
        client_id: FB.id, client_secret: FB.secret, authorize_scopes: 'public_profile,email', api_version: 'v17.0',
        authorize_url: `${fake.url}/fb/v17.0/dialog/oauth`, token_url: `${fake.url}/fb/v17.0/oauth/access_token`, attributes_url: `${fake.url}/fb/v17.0/me?fields=`,
      },
      AttributeMapping: { email: 'email', name: 'name', given_name: 'first_name', username: 'id' },
    },
    {
      ProviderName: 'LoginWithAmazon', ProviderType: 'LoginWithAmazon',
      ProviderDetails: {
        client_id: AMZN.id, client_secret: AMZN.secret, authorize_scopes: 'profile',
        authorize_url: `${fake.url}/amzn/ap/oa`, token_url: `${fake.url}/amzn/auth/o2/token`, attributes_url: `${fake.url}/amzn/user/profile`,
      },
      AttributeMapping: { email: 'email', name: 'name' },
    },
  ]);
});
afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => fake?.server.close(resolve));
});

describe('Facebook and Login with Amazon through the hosted UI', () => {
  it('describes them with AWS\u2019s keys and the given endpoints', async () => {
    const fb = await idp(env.server).send(new DescribeIdentityProviderCommand({ UserPoolId: env.pool.poolId, ProviderName: 'Facebook' }));
    expect(fb.IdentityProvider!.ProviderDetails).toEqual({
      client_id: FB.id, client_secret: FB.secret, authorize_scopes: 'public_profile,email', api_version: 'v17.0',
      authorize_url: `${fake.url}/fb/v17.0/dialog/oauth`, token_url: `${fake.url}/fb/v17.0/oauth/access_token`, attributes_url: `${fake.url}/fb/v17.0/me?fields=`,
      attributes_url_add_attributes: 'true', token_request_method: 'GET',
    });
    const amzn = await idp(env.server).send(new DescribeIdentityProviderCommand({ UserPoolId: env.pool.poolId, ProviderName: 'LoginWithAmazon' }));
    expect(amzn.IdentityProvider!.ProviderDetails).toMatchObject({ attributes_url_add_attributes: 'false', token_request_method: 'POST' });
  });

  it('signs in Facebook_<id> through "Continue with Facebook", asking Graph for the mapped fields', async () => {
    person = { id: '10001', email: 'fay@fb.example', name: 'Fay Book' };
    const { claims, idpResponse, page } = await signInWith(env, 'Facebook', { via: 'login' });
    expect(claims).toMatchObject({ 'cognito:username': 'Facebook_10001', email: 'fay@fb.example', name: 'Fay Book', given_name: 'Fay', 'cognito:groups': [`${env.pool.poolId}_Facebook`] });
    expect(claims!.identities).toEqual([expect.objectContaining({ userId: '10001', providerName: 'Facebook', providerType: 'Facebook', issuer: null })]);
    expect(new Set(graphFields)).toEqual(new Set(['id', 'email', 'name', 'first_name']));
    const user = await idp(env.server).send(new AdminGetUserCommand({ UserPoolId: env.pool.poolId, Username: 'Facebook_10001' }));
    expect(user.UserStatus).toBe('EXTERNAL_PROVIDER');

    // The provider's answer replayed in the same browser: the state was spent.
    const replayed = await page.context().request.get(idpResponse.url, { maxRedirects: 0 });
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid state.');
    await page.context().close();
  });

  it('signs in LoginWithAmazon_<user_id> through identity_provider=LoginWithAmazon (with PKCE toward Amazon)', async () => {
    person = { id: 'AE7XYZ', email: 'al@amzn.example', name: 'Al Zon' };
    const { claims, page } = await signInWith(env, 'LoginWithAmazon');
    expect(claims).toMatchObject({ 'cognito:username': 'LoginWithAmazon_amzn1.account.AE7XYZ', email: 'al@amzn.example', name: 'Al Zon' });
    expect(claims!.identities).toEqual([expect.objectContaining({ userId: 'amzn1.account.AE7XYZ', providerName: 'LoginWithAmazon', providerType: 'LoginWithAmazon' })]);
    await page.context().close();
  });

  it('signs in the native user a Facebook identity is linked to (AdminLinkProviderForUser)', async () => {
    const sub = await confirmedUser(env.server, env.pool, 'nina');
    await idp(env.server).send(new AdminLinkProviderForUserCommand({
      UserPoolId: env.pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'nina' },
      SourceUser: { ProviderName: 'Facebook', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '20002' },
    }));
    person = { id: '20002', email: 'nina@fb.example', name: 'Nina Book' };
    const { claims, page } = await signInWith(env, 'Facebook');
    expect(claims).toMatchObject({ 'cognito:username': 'nina', sub });
    expect(claims!.identities).toEqual([expect.objectContaining({ userId: '20002', providerName: 'Facebook' })]);
    await page.context().close();
    await expect(errorOf(idp(env.server).send(new AdminGetUserCommand({ UserPoolId: env.pool.poolId, Username: 'Facebook_20002' })))).resolves.toMatchObject({ name: 'UserNotFoundException' });
  });

  it('refuses a sign-in whose profile has no user id', async () => {
    person = { id: 'NOID', email: 'no@amzn.example', name: 'No Id' };
    profileWithoutId = true;
    try {
      const { claims, callback, page } = await signInWith(env, 'LoginWithAmazon');
      expect(claims).toBeUndefined();
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toContain('profile has no user_id');
      await page.context().close();
    } finally {
      profileWithoutId = false;
    }
  });

  it('fails the sign-in with Cognito\u2019s redirect when the provider refuses the client secret, and creates no user', async () => {
    const before = FB.secret;
    FB.secret = 'rotated-at-facebook';
    person = { id: '10002', email: 'sec@fb.example', name: 'Sec Ret' };
    try {
      const { claims, callback, page } = await signInWith(env, 'Facebook');
      expect(claims).toBeUndefined();
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toContain('token endpoint answered 401 invalid_client');
      await page.context().close();
    } finally {
      FB.secret = before;
    }
    expect(await errorOf(idp(env.server).send(new AdminGetUserCommand({ UserPoolId: env.pool.poolId, Username: 'Facebook_10002' })))).toMatchObject({ name: 'UserNotFoundException' });
  });
});
