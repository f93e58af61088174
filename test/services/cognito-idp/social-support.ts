/**
 * Shared set-up for the social-provider federation tests: a Gatehouse with a pool, a domain,
 * the providers under test (CreateIdentityProvider, v3 SDK) and an app client supporting them
 * (openid-client is the app); Debian's Chromium goes through the hosted UI and the provider's
 * pages and lands on the app with a code that openid-client exchanges for Gatehouse's tokens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, type CreateIdentityProviderCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, idp, type Pool } from './support.js';


export type ProviderInput = Omit<CreateIdentityProviderCommandInput, 'UserPoolId'>;

export interface SocialEnv {
  server: TestServer;
  pool: Pool;
  browser: Browser;
  app: { id: string; secret: string };
  /** The domain's base URL (path form). */
  base: string;
  /** The app's redirect URI: a local page (Playwright does not route a redirect's target). */
  callback: string;
  close(): Promise<void>;
}

/** A local HTTP server for a fake provider; its base URL. */
export async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Starts Gatehouse with a pool and domain; `providers` are created once the idpresponse URL is known. */
export async function startSocial(prefix: string, providers: (base: string) => Promise<ProviderInput[]>): Promise<SocialEnv> {
  const appPage = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<p>app</p>');
  });
  const callback = `${appPage.url}/callback`;
  const server = await startServer();
  const pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: prefix }));
  const base = `${server.url}/_auth/${prefix}`;
  const list = await providers(base);
  for (const p of list) await idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ...p }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'], CallbackURLs: [callback], SupportedIdentityProviders: ['COGNITO', ...list.map((p) => p.ProviderName!)],
  }));
  const browser = await launchChromium();
  return {
    server, pool, browser, base, callback,
    app: { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! },
    async close() {
      await browser.close();
      await server.close();
      await new Promise((resolve) => appPage.server.close(resolve));
    },
  };
}

export interface SignedIn {
  /** Gatehouse's ID token claims, or undefined when Gatehouse sent the app an error. */
  claims: oidc.IDToken | undefined;
  /** The app's callback URL as the browser reached it. */
  callback: URL;
  /** The /oauth2/idpresponse request the provider sent the browser to. */
  idpResponse: { url: string; method: string; body: string | null };
  page: Page;
}

/**
 * One sign-in in a fresh browser context: the app's authorization request, then "Continue with
 * <provider>" on /login (`via: 'login'`) or `identity_provider=<provider>` on /oauth2/authorize,
 * whatever `atProvider` does on the provider's pages, and back to the app.
 */
export async function signInWith(env: SocialEnv, provider: string, opts: { via?: 'login' | 'authorize'; atProvider?: (page: Page) => Promise<void> } = {}): Promise<SignedIn> {
  const config = await oidc.discovery(new URL(`${env.server.url}/${env.pool.poolId}`), env.app.id, undefined, oidc.ClientSecretBasic(env.app.secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: env.callback, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
    ...(opts.via === 'login' ? {} : { identity_provider: provider }),
  });
  const context = await env.browser.newContext();
  await context.route('https://**', (route) => route.abort()); // no internet here: a provider's page may import a web font
  const page = await context.newPage();
  let idpResponse = { url: '', method: '', body: null as string | null };
  page.on('request', (r) => {
    if (r.url().includes('/oauth2/idpresponse')) idpResponse = { url: r.url(), method: r.method(), body: r.postData() };
  });
  await page.goto(url.toString());
  if (opts.via === 'login') await page.getByRole('link', { name: `Continue with ${provider}` }).click();
  await opts.atProvider?.(page);
  await page.waitForURL((u) => u.toString().startsWith(env.callback));
  const callback = new URL(page.url());
  if (callback.searchParams.has('error')) return { claims: undefined, callback, idpResponse, page };
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return { claims: tokens.claims()!, callback, idpResponse, page };
}

/** A request's body as text (a fake provider's token request). */
export async function bodyOf(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
