/**
 * The authorization-code flow with PKCE through `openid-client` (an OpenID-certified relying
 * party): discovery, /oauth2/authorize → the hosted /login page (driven as a browser would:
 * the form, its CSRF token and cookies) → the code → /oauth2/token → tokens with scope, nonce
 * and at_hash → /oauth2/userInfo → refresh; the one-hour hosted session; and raw HTTP for the
 * bad input (wrong redirect URIs, reused, expired or foreign codes, a wrong verifier, a form
 * without its CSRF token, escaping), each answered as Cognito does and changing nothing.
 */
import { AdminUpdateUserAttributesCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, SetUICustomizationCommand } from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeIn, confirmedUser, createPool, idp, jwtVerifier, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let app: { id: string; secret: string };
const PREFIX = 'code-test';
const CALLBACK = 'http://127.0.0.1:9/callback';
const SIGNED_OUT = 'http://127.0.0.1:9/signed-out';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'], CallbackURLs: [CALLBACK], LogoutURLs: [SIGNED_OUT], SupportedIdentityProviders: ['COGNITO'], ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
  await confirmedUser(server, pool, 'olga');
});
afterAll(async () => {
  await server.close();
});

/** A cookie jar and redirect-by-hand fetch, as a browser would go through the pages. */
class Browser {
  readonly jar = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie === '' ? {} : { cookie }) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '') this.jar.delete(pair!.slice(0, eq));
      else this.jar.set(pair!.slice(0, eq), value);
    }
    return res;
  }

  /** Follows authorize → login, fills the form, and returns the response to the POST. */
  async signIn(authorizeUrl: string, username: string, password: string, csrf?: (token: string) => string | undefined): Promise<Response> {
    const toLogin = await this.go(authorizeUrl);
    expect(toLogin.status).toBe(302);
    const loginUrl = new URL(toLogin.headers.get('location')!, authorizeUrl).toString();
    const form = await this.go(loginUrl);
    expect(form.status).toBe(200);
    const html = await form.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&#38;/g, '&').replace(/&#61;/g, '=');
    const body = new URLSearchParams({ username, password });
    const sent = csrf === undefined ? token : csrf(token);
    if (sent !== undefined) body.set('_csrf', sent);
    return this.go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  }
}

async function configuration(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });
}

async function authorizeUrl(config: oidc.Configuration, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra,
  });
  return { url: url.toString(), verifier, state, nonce };
}

describe('the authorization-code flow with PKCE', () => {
  it('signs in through the hosted page and gets tokens, userinfo and a refresh through openid-client', async () => {
    const config = await configuration();
    const meta = config.serverMetadata();
    expect(meta).toMatchObject({
      authorization_endpoint: `${server.url}/_auth/${PREFIX}/oauth2/authorize`,
      userinfo_endpoint: `${server.url}/_auth/${PREFIX}/oauth2/userInfo`,
      code_challenge_methods_supported: ['S256'],
    });
    const a = await authorizeUrl(config);
    const browser = new Browser();
    const back = await browser.signIn(a.url, 'olga', PASSWORD);
    expect(back.status).toBe(302);
    const callback = new URL(back.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe(a.state);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
    const id = tokens.claims()!;
    expect(id).toMatchObject({ 'cognito:username': 'olga', email: 'olga@example.com', nonce: a.nonce, aud: app.id, token_use: 'id' });
    expect(typeof id.at_hash).toBe('string');
    const access = await jwtVerifier(server, pool.poolId, null, 'access').verify(tokens.access_token);
    expect(access).toMatchObject({ scope: 'openid email', client_id: app.id, username: 'olga', version: 2 });

    const info = await oidc.fetchUserInfo(config, tokens.access_token, id.sub);
    expect(info).toMatchObject({ sub: id.sub, email: 'olga@example.com', username: 'olga' });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const again = JSON.parse(Buffer.from(refreshed.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(again.scope).toBe('openid email');
  });

  it('completes a second authorization without the form while the hosted session lasts (one hour)', async () => {
    const config = await configuration();
    const browser = new Browser();
    await browser.signIn((await authorizeUrl(config)).url, 'olga', PASSWORD);
    const second = await browser.go((await authorizeUrl(config)).url);
    expect(second.status).toBe(302);
    expect(new URL(second.headers.get('location')!).searchParams.get('code')).toMatch(/.{20,}/);
    server.gatehouse.clock.advance(61 * 60_000);
    try {
      const third = await browser.go((await authorizeUrl(config)).url);
      expect(new URL(third.headers.get('location')!, server.url).pathname).toBe(`/_auth/${PREFIX}/login`);
    } finally {
      server.gatehouse.clock.advance(-61 * 60_000);
    }
  });
});

describe('the sign-up pages', () => {
  /** Reads a form page's action and CSRF token. */
  const formOf = async (res: Response) => {
    const html = await res.text();
    return {
      html,
      csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!,
      action: /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&#38;/g, '&').replace(/&#61;/g, '='),
    };
  };
  const post = (b: Browser, action: string, fields: Record<string, string>) =>
    b.go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  it('signs a user up, confirms the mailed code, and signs in, by the pages\' labels and Cognito\'s rules', async () => {
    const b = new Browser();
    const a = await authorizeUrl(await configuration());
    const login = await b.go(new URL((await b.go(a.url)).headers.get('location')!, server.url).toString());
    const signupHref = /<a href="([^"]+)">Sign up<\/a>/.exec(await login.text())![1]!.replace(/&#38;/g, '&').replace(/&#61;/g, '=');
    const signup = await formOf(await b.go(signupHref));
    for (const label of ['Username', 'Email', 'Password', 'Sign up']) expect(signup.html).toContain(label);

    const weak = await post(b, signup.action, { _csrf: signup.csrf, username: 'pia', email: 'pia@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    const retry = await formOf(weak);
    expect(retry.html).toContain('Password did not conform with policy');
    const made = await post(b, retry.action, { _csrf: retry.csrf, username: 'pia', email: 'pia@example.com', password: PASSWORD });
    expect(made.status).toBe(302);
    const confirmUrl = new URL(made.headers.get('location')!);
    expect([confirmUrl.pathname, confirmUrl.searchParams.get('username')]).toEqual([`/_auth/${PREFIX}/confirm`, 'pia']);

    const confirm = await formOf(await b.go(confirmUrl.toString()));
    for (const label of ['Verification Code', 'Confirm account']) expect(confirm.html).toContain(label);
    const wrong = await post(b, confirm.action, { _csrf: confirm.csrf, username: 'pia', code: '000000' });
    expect(await wrong.text()).toContain('Invalid verification code provided, please try again.');
    const outbox = (await (await fetch(`${server.url}/_gatehouse/outbox?to=pia@example.com`)).json()) as { messages: { text: string }[] };
    const again = await formOf(await b.go(confirmUrl.toString()));
    const done = await post(b, again.action, { _csrf: again.csrf, username: 'pia', code: codeIn(outbox.messages[0]!.text) });
    expect(new URL(done.headers.get('location')!).pathname).toBe(`/_auth/${PREFIX}/login`);

    const back = await new Browser().signIn(a.url, 'pia', PASSWORD);
    expect(new URL(back.headers.get('location')!).searchParams.get('code')).toMatch(/.{20,}/);
  });

  it('resets a forgotten password with the mailed code ("Forgot your password?", "Reset my password", "New Password", "Change Password")', async () => {
    await confirmedUser(server, pool, 'quinn');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'quinn', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const b = new Browser();
    const a = await authorizeUrl(await configuration());
    const login = await (await b.go(new URL((await b.go(a.url)).headers.get('location')!, server.url).toString())).text();
    const forgotHref = /<a href="([^"]+)">Forgot your password\?<\/a>/.exec(login)![1]!.replace(/&#38;/g, '&').replace(/&#61;/g, '=');
    const forgot = await formOf(await b.go(forgotHref));
    expect(forgot.html).toContain('Reset my password');
    const asked = await post(b, forgot.action, { _csrf: forgot.csrf, username: 'quinn' });
    expect(asked.status, await asked.clone().text()).toBe(302);
    const resetUrl = new URL(asked.headers.get('location')!);
    expect(resetUrl.pathname).toBe(`/_auth/${PREFIX}/confirmForgotPassword`);
    const reset = await formOf(await b.go(resetUrl.toString()));
    for (const label of ['Verification Code', 'New Password', 'Change Password']) expect(reset.html).toContain(label);
    const outbox = (await (await fetch(`${server.url}/_gatehouse/outbox?to=quinn@example.com`)).json()) as { messages: { text: string }[] };
    const done = await post(b, reset.action, { _csrf: reset.csrf, username: 'quinn', code: codeIn(outbox.messages[0]!.text), password: 'N3w-Passw0rd!!' });
    expect(done.status, await done.clone().text()).toBe(302);
    expect(new URL(done.headers.get('location')!).pathname).toBe(`/_auth/${PREFIX}/login`);
    expect((await new Browser().signIn(a.url, 'quinn', 'N3w-Passw0rd!!')).status).toBe(302);
    expect((await new Browser().signIn(a.url, 'quinn', PASSWORD)).status).toBe(400);
  });

  it('refuses a sign-up form without its CSRF token, creating no user', async () => {
    const b = new Browser();
    const a = await authorizeUrl(await configuration());
    const href = a.url.replace('/oauth2/authorize?', '/signup?');
    const signup = await formOf(await b.go(href));
    const res = await post(b, signup.action, { username: 'mallory', email: 'm@example.com', password: PASSWORD });
    expect(res.status).toBe(403);
    const users = await server.gatehouse.platform.db.all('SELECT username FROM cognito_idp_users WHERE pool_id = ? AND username = ?', [pool.poolId, 'mallory']);
    expect(users).toEqual([]);
  });
});

describe('the implicit grant', () => {
  it('returns the tokens in the fragment for a client allowed it, with no refresh token', async () => {
    const c = await idp(server).send(new CreateUserPoolClientCommand({
      UserPoolId: pool.poolId, ClientName: 'spa', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['implicit'], AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK],
    }));
    const url = `${server.url}/_auth/${PREFIX}/oauth2/authorize?${new URLSearchParams({ response_type: 'token', client_id: c.UserPoolClient!.ClientId!, redirect_uri: CALLBACK, scope: 'openid', state: 'xyz', nonce: 'n-1' })}`;
    const back = await new Browser().signIn(url, 'olga', PASSWORD);
    const loc = new URL(back.headers.get('location')!);
    expect(loc.search).toBe('');
    const f = new URLSearchParams(loc.hash.slice(1));
    expect([f.get('token_type'), f.get('expires_in'), f.get('state'), f.get('refresh_token')]).toEqual(['Bearer', '3600', 'xyz', null]);
    const claims = await jwtVerifier(server, pool.poolId, c.UserPoolClient!.ClientId!, 'id').verify(f.get('id_token')!);
    expect(claims).toMatchObject({ nonce: 'n-1', 'cognito:username': 'olga' });
    expect((await jwtVerifier(server, pool.poolId, null, 'access').verify(f.get('access_token')!)).scope).toBe('openid');
  });
});

describe('UI customization', () => {
  it('puts the pool\'s CSS and logo on the sign-in page, served from the domain', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    await idp(server).send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, CSS: '.banner-customizable { background-color: #123456; }', ImageFile: png }));
    const browser = new Browser();
    const toLogin = await browser.go((await authorizeUrl(await configuration())).url);
    const html = await (await browser.go(new URL(toLogin.headers.get('location')!, server.url).toString())).text();
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!.replace(/&#61;/g, '=');
    const logo = /<img class="logo-customizable" alt="" src="([^"]+)">/.exec(html)![1]!.replace(/&#61;/g, '=');
    expect(css.startsWith(`${server.url}/_auth/${PREFIX}/ui/css?client_id=`)).toBe(true);
    const sheet = await fetch(css);
    expect([sheet.headers.get('content-type'), await sheet.text()]).toEqual(['text/css; charset=utf-8', '.banner-customizable { background-color: #123456; }']);
    const image = await fetch(logo);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(png);
  });
});

describe('logout and revocation', () => {
  it('ends the hosted session at /logout and goes to a registered sign-out URL; an unregistered one ends nothing', async () => {
    const config = await configuration();
    const browser = new Browser();
    await browser.signIn((await authorizeUrl(config)).url, 'olga', PASSWORD);
    const refused = await browser.go(`${server.url}/_auth/${PREFIX}/logout?client_id=${app.id}&logout_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(refused.status).toBe(400);
    expect((await browser.go((await authorizeUrl(config)).url)).headers.get('location')).toContain(`${CALLBACK}?code=`);

    const out = await browser.go(`${server.url}/_auth/${PREFIX}/logout?client_id=${app.id}&logout_uri=${encodeURIComponent(SIGNED_OUT)}`);
    expect([out.status, out.headers.get('location')]).toEqual([302, SIGNED_OUT]);
    const after = await browser.go((await authorizeUrl(config)).url);
    expect(new URL(after.headers.get('location')!, server.url).pathname).toBe(`/_auth/${PREFIX}/login`);
    expect(config.serverMetadata().end_session_endpoint).toBe(`${server.url}/_auth/${PREFIX}/logout`);
  });

  it('revokes a refresh token at /oauth2/revoke through openid-client, and its tokens with it', async () => {
    const config = await configuration();
    const a = await authorizeUrl(config);
    const back = await new Browser().signIn(a.url, 'olga', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.headers.get('location')!), { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toThrow();
  });
});

describe('bad input', () => {
  const exchange = (code: string, verifier: string, redirectUri = CALLBACK, secret = app.secret) =>
    fetch(`${server.url}/_auth/${PREFIX}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.id}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

  async function code(): Promise<{ code: string; verifier: string }> {
    const a = await authorizeUrl(await configuration());
    const back = await new Browser().signIn(a.url, 'olga', PASSWORD);
    return { code: new URL(back.headers.get('location')!).searchParams.get('code')!, verifier: a.verifier };
  }

  it('refuses a wrong verifier, a wrong redirect_uri, a wrong secret, a reused and an expired code', async () => {
    const c1 = await code();
    expect(await exchange(c1.code, `${c1.verifier.slice(0, -1)}${c1.verifier.endsWith("A") ? "B" : "A"}`)).toEqual({ status: 400, json: { error: 'invalid_grant' } });
    // The failed exchange spent the code: it is single-use whatever happened.
    expect((await exchange(c1.code, c1.verifier)).json).toEqual({ error: 'invalid_grant' });

    const c2 = await code();
    expect((await exchange(c2.code, c2.verifier, 'http://127.0.0.1:9/elsewhere')).json).toEqual({ error: 'invalid_grant' });
    const c3 = await code();
    expect((await exchange(c3.code, c3.verifier, CALLBACK, 'wrong-secret')).json).toEqual({ error: 'invalid_client' });
    expect((await exchange(c3.code, c3.verifier)).status).toBe(200);
    expect((await exchange(c3.code, c3.verifier)).json).toEqual({ error: 'invalid_grant' });

    const c4 = await code();
    server.gatehouse.clock.advance(5 * 60_000 + 1000);
    try {
      expect((await exchange(c4.code, c4.verifier)).json).toEqual({ error: 'invalid_grant' });
    } finally {
      server.gatehouse.clock.advance(-(5 * 60_000 + 1000));
    }
  });

  it('answers an unregistered redirect_uri with an error page, and other errors by redirect with the state', async () => {
    const base = `${server.url}/_auth/${PREFIX}/oauth2/authorize`;
    const q = (p: Record<string, string>) => `${base}?${new URLSearchParams(p).toString()}`;
    const mismatch = await fetch(q({ response_type: 'code', client_id: app.id, redirect_uri: 'https://evil.example/cb', state: 's' }), { redirect: 'manual' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.headers.get('location')).toBeNull();
    expect(await mismatch.text()).toContain('redirect_mismatch');
    const cases: [Record<string, string>, string][] = [
      [{ response_type: 'id_token' }, 'unsupported_response_type'],
      // This client is allowed the code flow only.
      [{ response_type: 'token' }, 'unauthorized_client'],
      [{ response_type: 'code', scope: 'openid phone' }, 'invalid_scope'],
      [{ response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
      [{ response_type: 'code', code_challenge_method: 'S256' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const res = await fetch(q({ client_id: app.id, redirect_uri: CALLBACK, state: 'st', ...params }), { redirect: 'manual' });
      expect(res.status, error).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect([loc.searchParams.get('error'), loc.searchParams.get('state')], JSON.stringify(params)).toEqual([error, 'st']);
    }
    const unknown = await fetch(q({ response_type: 'code', client_id: 'nosuchclient00000000000000', redirect_uri: CALLBACK }), { redirect: 'manual' });
    expect(unknown.status).toBe(400);
  });

  it('refuses a sign-in form posted without its CSRF token, changing nothing (not even the lockout count)', async () => {
    const config = await configuration();
    for (let i = 0; i < 6; i++) {
      const res = await new Browser().signIn((await authorizeUrl(config)).url, 'olga', 'wrong-password', () => undefined);
      expect(res.status).toBe(403);
    }
    const forged = await new Browser().signIn((await authorizeUrl(config)).url, 'olga', PASSWORD, () => 'forged-token');
    expect(forged.status).toBe(403);
    // Six CSRF-less wrong passwords did not lock olga out.
    const ok = await new Browser().signIn((await authorizeUrl(config)).url, 'olga', PASSWORD);
    expect(ok.status).toBe(302);
  });

  it('shows Cognito\'s message for a wrong password, escapes what it reflects, and sends the security headers', async () => {
    const config = await configuration();
    const res = await new Browser().signIn((await authorizeUrl(config, { state: '"><script>alert(1)</script>' })).url, '<img src=x onerror=alert(1)>', 'wrong');
    expect(res.status).toBe(400);
    const html = await res.text();
    // Without PreventUserExistenceErrors the client learns the user does not exist, as through the API.
    expect(html).toContain('User does not exist.');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const wrong = await new Browser().signIn((await authorizeUrl(config)).url, 'olga', 'wrong');
    expect(await wrong.text()).toContain('Incorrect username or password.');
  });
});
