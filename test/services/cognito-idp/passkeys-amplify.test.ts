/**
 * Amplify JS v6 in Debian's Chromium (playwright-core), bundled for the browser with esbuild:
 * a user signs in with a password, registers a passkey with associateWebAuthnCredential
 * (Chromium's virtual authenticator answers), signs out, and signs in again with USER_AUTH /
 * WEB_AUTHN, Amplify driving navigator.credentials itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListWebAuthnCredentialsCommand, InitiateAuthCommand, SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let server: TestServer;
let browser: Browser;
let page: Page;
let pool: Pool;
/** The app's page, on Gatehouse's own origin by name (localhost, the relying party): no CORS in the way. */
let app: string;
let endpoint: string;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(
    server,
    { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } } },
    { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  );
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OFF', WebAuthnConfiguration: { RelyingPartyId: 'localhost' } }));
  await confirmedUser(server, pool, 'amp');

  const bundle = await build({
    stdin: {
      contents: "import { Amplify } from 'aws-amplify'; import * as auth from 'aws-amplify/auth'; globalThis.amplify = { Amplify, auth };",
      resolveDir: repo,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  endpoint = server.url.replace('127.0.0.1', 'localhost');
  app = `${endpoint}/__test-app/`;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.route(`${app}**`, (route) =>
    route.request().url().endsWith('/app.js')
      ? route.fulfill({ contentType: 'text/javascript', body: script })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>app</title><script src="app.js"></script>' }),
  );
  await page.goto(app);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.evaluate(`amplify.Amplify.configure({ Auth: { Cognito: { userPoolId: ${JSON.stringify(pool.poolId)}, userPoolClientId: ${JSON.stringify(pool.clientId)}, userPoolEndpoint: ${JSON.stringify(endpoint)} } } })`);
}, 120_000);
afterAll(() => closeAll(browser === undefined ? undefined : { close: () => browser.close() }, server));

describe('Amplify JS v6 passkeys in Chromium', () => {
  it('registers a passkey with associateWebAuthnCredential and signs in with it (USER_AUTH / WEB_AUTHN)', async () => {
    const first = (await page.evaluate(`amplify.auth.signIn({ username: 'amp', password: ${JSON.stringify(PASSWORD)} })`)) as { isSignedIn: boolean };
    expect(first.isSignedIn).toBe(true);
    await page.evaluate('amplify.auth.associateWebAuthnCredential()');
    const token = (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'amp', PASSWORD } }))).AuthenticationResult!.AccessToken!;
    expect((await anonymous(server).send(new ListWebAuthnCredentialsCommand({ AccessToken: token }))).Credentials).toHaveLength(1);
    await page.evaluate('amplify.auth.signOut()');

    const second = (await page.evaluate("amplify.auth.signIn({ username: 'amp', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } })")) as { isSignedIn: boolean; nextStep: { signInStep: string } };
    expect(second).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const user = (await page.evaluate('amplify.auth.getCurrentUser()')) as { username: string };
    expect(user.username).toBe('amp');
  }, 120_000);
});
