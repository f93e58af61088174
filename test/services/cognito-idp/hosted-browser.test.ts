/**
 * Amplify JS v6 `signInWithRedirect` in Debian's Chromium: a web app (bundled from
 * aws-amplify with esbuild, served on its own origin) sends the browser to Gatehouse's hosted
 * UI over Gatehouse's HTTPS (`https://<prefix>.auth.localhost:<port>`, the certificate signed
 * by the local CA, trusted through Chromium's --ignore-certificate-errors-spki-list), the user
 * signs in by the page's labels, and the app gets tokens from the code; `signOut` goes
 * through /logout.
 */
import { CreateUserPoolClientCommand, CreateUserPoolDomainCommand } from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa, spkiHash } from '../../../src/tls/local-ca.js';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let app: http.Server;
let appUrl: string;
let browser: Browser;
let clientId: string;
const PREFIX = 'amplify-redirect';

/** The app: Amplify configured for the domain, with buttons' worth of functions on window. */
const APP_SOURCE = `
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signInWithRedirect, signOut } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';
Amplify.configure(window.AMPLIFY_CONFIG);
window.app = {
  signIn: () => signInWithRedirect(),
  session: async () => { const s = await fetchAuthSession(); return s.tokens ? { id: s.tokens.idToken?.payload, access: s.tokens.accessToken.payload } : null; },
  signOut: () => signOut(),
};
window.appReady = true;
`;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  await confirmedUser(server, pool, 'bea');

  const bundle = await build({
    stdin: { contents: APP_SOURCE, resolveDir: path.resolve(import.meta.dirname, '../../..'), loader: 'js' },
    bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent', define: { global: 'window' },
  });
  const js = bundle.outputFiles[0]!.text;
  app = http.createServer((req, res) => {
    if (req.url?.startsWith('/app.js') === true) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html><head><script>window.AMPLIFY_CONFIG = ${JSON.stringify(config())};</script><script src="/app.js"></script></head><body>app</body></html>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'spa', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email', 'aws.cognito.signin.user.admin'],
    CallbackURLs: [appUrl], LogoutURLs: [appUrl], SupportedIdentityProviders: ['COGNITO'], ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  clientId = c.UserPoolClient!.ClientId!;

  // Trust Gatehouse's local CA the way `gatehouse ca` tells Chromium users to.
  const ca = ensureCa(server.dataDir);
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash(ca.cert)}`]);
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => app?.close(resolve));
  await server?.close();
});

function config(): unknown {
  const port = new URL(server.url).port;
  return {
    Auth: {
      Cognito: {
        userPoolId: pool.poolId,
        userPoolClientId: clientId,
        userPoolEndpoint: server.url,
        loginWith: { oauth: { domain: `${PREFIX}.auth.localhost:${port}`, scopes: ['openid', 'email', 'aws.cognito.signin.user.admin'], redirectSignIn: [appUrl], redirectSignOut: [appUrl], responseType: 'code' } },
      },
    },
  };
}

describe('Amplify v6 signInWithRedirect in Chromium', () => {
  it('signs in through the hosted page over HTTPS, returns to the app with tokens, and signs out through /logout', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('request', (r) => visited.push(r.url()));
    await page.goto(appUrl);
    await page.waitForFunction(() => (globalThis as unknown as { appReady?: boolean }).appReady === true);
    await page.evaluate(() => void (globalThis as unknown as { app: { signIn(): Promise<void> } }).app.signIn());
    await page.waitForURL(/\/login\?/);
    expect(page.url().startsWith(`https://${PREFIX}.auth.localhost:`)).toBe(true);
    await page.getByLabel('Username').fill('bea');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(appUrl));
    await page.waitForFunction(() => (globalThis as unknown as { appReady?: boolean }).appReady === true);
    const session = await page.waitForFunction(async () => (globalThis as unknown as { app: { session(): Promise<unknown> } }).app.session(), undefined, { timeout: 20_000 });
    const tokens = (await session.jsonValue()) as { id: Record<string, unknown>; access: Record<string, unknown> };
    expect(tokens.id).toMatchObject({ 'cognito:username': 'bea', email: 'bea@example.com', aud: clientId });
    expect(String(tokens.access.scope).split(' ').sort()).toEqual(['aws.cognito.signin.user.admin', 'email', 'openid']);

    // Sign-out navigates away to /logout and back: wait for the app's new document, not the old one.
    const backHome = page.waitForResponse((r) => r.url().startsWith(appUrl) && r.request().isNavigationRequest() && visited.some((u) => u.includes('/logout?')), { timeout: 20_000 });
    await page.evaluate(() => void (globalThis as unknown as { app: { signOut(): Promise<void> } }).app.signOut());
    await backHome;
    await page.waitForLoadState('load');
    await page.waitForFunction(() => (globalThis as unknown as { appReady?: boolean }).appReady === true);
    expect(await page.evaluate(async () => (globalThis as unknown as { app: { session(): Promise<unknown> } }).app.session())).toBeNull();
    // The code went to the token endpoint over HTTPS, and sign-out through the hosted /logout.
    const port = new URL(server.url).port;
    expect(visited).toContain(`https://${PREFIX}.auth.localhost:${port}/oauth2/token`);
    expect(visited.some((u) => u.startsWith(`https://${PREFIX}.auth.localhost:${port}/logout?client_id=${clientId}&logout_uri=`))).toBe(true);
    await context.close();
  });
});
