/**
 * The hosted page never signs in past a second factor the API would ask for: in a pool with
 * optional MFA, a user who turned TOTP on (AssociateSoftwareToken / VerifySoftwareToken through
 * the v3 SDK) is refused on the page (no code reaches the app) until the pages have the MFA
 * steps, while a user without MFA in the same pool signs in. Driven in Chromium.
 */
import { AssociateSoftwareTokenCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, InitiateAuthCommand, SetUserPoolMfaConfigCommand, VerifySoftwareTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let browser: Browser;
let web: string;
const PREFIX = 'mfa-refusal-test';
const CALLBACK = 'http://127.0.0.1:9/callback';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server, {}, { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  web = (await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
  }))).UserPoolClient!.ClientId!;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function hostedSignIn(username: string): Promise<{ url: string; alert: string | null }> {
  const context = await browser.newContext();
  await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  const page = await context.newPage();
  const q = new URLSearchParams({ client_id: web, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid' });
  await page.goto(`${server.url}/_auth/${PREFIX}/oauth2/authorize?${q}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Either the app's callback or the page again with an alert, whichever comes.
  await Promise.race([page.waitForURL((u) => u.toString().startsWith(CALLBACK)), page.getByRole('alert').waitFor()]);
  const alert = page.url().startsWith(CALLBACK) ? null : await page.getByRole('alert').textContent();
  const url = page.url();
  await context.close();
  return { url, alert };
}

describe('the hosted page and a user with MFA on', () => {
  it('refuses the TOTP user and signs in the one without MFA', async () => {
    await confirmedUser(server, pool, 'tess');
    const token = (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'tess', PASSWORD } }))).AuthenticationResult!.AccessToken!;
    const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    const code = new TOTP({ secret: Secret.fromBase32(SecretCode!), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: server.gatehouse.clock.now() });
    await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: code }));
    // The API now asks tess for the code; the page must not skip it.
    expect((await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'tess', PASSWORD } }))).ChallengeName).toBe('SOFTWARE_TOKEN_MFA');

    const refused = await hostedSignIn('tess');
    expect(refused.url.startsWith(CALLBACK)).toBe(false);
    expect(refused.alert).toBe('Gatehouse does not implement MFA on the hosted UI yet.');

    await confirmedUser(server, pool, 'uma');
    const ok = await hostedSignIn('uma');
    expect(ok.url.startsWith(`${CALLBACK}?code=`)).toBe(true);
  });
});
