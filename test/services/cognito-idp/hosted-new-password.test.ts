/**
 * The hosted UI's NEW_PASSWORD_REQUIRED step in Debian's Chromium: an administrator creates a
 * user with a temporary password (v3 SDK), openid-client builds the authorization request,
 * the user signs in with the temporary password, is asked for a new one on "Change Password"
 * (mismatch and policy errors shown on the page), and lands
 * on the app with a code that openid-client exchanges. Then the attacks: the step's session
 * replayed after use, used with another authorization request, or tampered with.
 */
import { AdminCreateUserCommand, AdminGetUserCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand } from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let browser: Browser;
let app: { id: string; secret: string };
const PREFIX = 'new-password-test';
const CALLBACK = 'http://127.0.0.1:9/callback';
const TEMPORARY = 'Temp-Passw0rd!';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newUser(username: string): Promise<void> {
  await idp(server).send(new AdminCreateUserCommand({
    UserPoolId: pool.poolId, Username: username, TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'email_verified', Value: 'true' }],
  }));
}

async function configuration(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });
}

/** A fresh browser context on the app's authorization request, the callback answered in place (nothing listens on port 9). */
async function start(config: oidc.Configuration): Promise<{ context: BrowserContext; page: Page; verifier: string; state: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
  const context = await browser.newContext();
  await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  const page = await context.newPage();
  await page.goto(url.toString());
  return { context, page, verifier, state };
}

async function signInWithTemporary(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(TEMPORARY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Change Password' }).waitFor();
}

describe('NEW_PASSWORD_REQUIRED on the hosted page in Chromium', () => {
  it('asks for a new password, then returns to the app with a code', async () => {
    await newUser('nadia');
    const config = await configuration();
    const { context, page, verifier, state } = await start(config);
    await signInWithTemporary(page, 'nadia');

    await page.getByLabel('New Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Enter New Password Again').fill(`${PASSWORD}x`);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Passwords do not match.');

    await page.getByLabel('New Password', { exact: true }).fill('short');
    await page.getByLabel('Enter New Password Again').fill('short');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Password did not conform with policy: Password not long enough');

    await page.getByLabel('New Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Enter New Password Again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ 'cognito:username': 'nadia', email: 'nadia@example.com', aud: app.id });
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'nadia' }));
    expect(user.UserStatus).toBe('CONFIRMED');
    await context.close();
  });

  it('refuses the step\'s session replayed, moved to another authorization request, or tampered with', async () => {
    await newUser('omar');
    const config = await configuration();
    const first = await start(config);
    await signInWithTemporary(first.page, 'omar');
    const session = await first.page.locator('input[name="session"]').getAttribute('value');
    const action = await first.page.locator('form').getAttribute('action');
    const answer = async (p: Page, a: string, s: string) => {
      // The latest CSRF cookie (every page shown sets a new one), as the latest form would carry it.
      const csrf = (await p.context().cookies()).find((c) => c.name === 'XSRF-TOKEN')?.value;
      return p.context().request.post(a, { form: { _csrf: csrf!, step: 'new-password', session: s, password: PASSWORD, confirmPassword: PASSWORD }, maxRedirects: 0 });
    };

    // Another authorization request (another state) in the same browser: the session is bound to the first one.
    const second = await first.context.newPage();
    await second.goto(oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', state: 'other-state' }).toString());
    const moved = await answer(second, (await second.locator('form').getAttribute('action'))!, session!);
    expect(moved.status()).toBe(400);
    expect(await moved.text()).toContain('Invalid session for the user.');
    const tampered = await answer(first.page, action!, `${session!.slice(0, -6)}AAAAAA`);
    expect(tampered.status()).toBe(400);
    expect((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'omar' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');

    const ok = await answer(first.page, action!, session!);
    expect(ok.status()).toBe(302);
    expect(ok.headers().location!.startsWith(`${CALLBACK}?code=`)).toBe(true);
    await first.page.goto(action!); // a fresh form (and CSRF cookie): signing in cleared the old one
    const replayed = await answer(first.page, action!, session!);
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid session for the user.');
    await first.context.close();
  });
});
