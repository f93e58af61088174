/**
 * The hosted page's MFA steps in Debian's Chromium, after the password: SOFTWARE_TOKEN_MFA (a
 * TOTP factor set up through the v3 SDK, the code made with `otpauth`), EMAIL_OTP (the code
 * read from the test's SMTP server), SMS_MFA (the code from the SMS webhook), and
 * SELECT_MFA_TYPE first when two factors are on and none is preferred; a wrong code is shown
 * Cognito's message and may be corrected; then the app gets a code that openid-client
 * exchanges. The step's session replayed after use, or moved to another authorization
 * request, signs nobody in. A user without MFA in the same pool signs in straight away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminSetUserMFAPreferenceCommand, AdminUpdateUserAttributesCommand, AssociateSoftwareTokenCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand,
  InitiateAuthCommand, SetUserPoolMfaConfigCommand, VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
let browser: Browser;
let app: { id: string; secret: string };
const PREFIX = 'hosted-mfa-test';
const CALLBACK = 'http://127.0.0.1:9/callback';

/** The SMS webhook: the texts it was sent. */
const texts: { to: string; message: string }[] = [];
const webhook = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    texts.push(JSON.parse(body) as { to: string; message: string });
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  ({ server, smtp } = await startServerWithSmtp({ GATEHOUSE_SMS_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/sms` }));
  pool = await createPool(server, {}, { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  await idp(server).send(new SetUserPoolMfaConfigCommand({
    UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your sign-in code is {####}' }, EmailMfaConfiguration: { Message: 'Sign in with {####}', Subject: 'Your sign-in code' },
  }));
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
  await new Promise((resolve) => webhook.close(resolve));
  await closeAll(server, smtp);
});

/** A confirmed user (the sign-up mail taken), with a phone number and the MFA preference given. */
async function userWith(username: string, prefs: Omit<ConstructorParameters<typeof AdminSetUserMFAPreferenceCommand>[0], 'UserPoolId' | 'Username'>): Promise<void> {
  await confirmedUser(server, pool, username);
  await smtp.waitFor(`${username}@example.com`);
  await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: username, UserAttributes: [{ Name: 'phone_number', Value: '+15555550123' }, { Name: 'phone_number_verified', Value: 'true' }] }));
  if (Object.keys(prefs).length > 0) await idp(server).send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: username, ...prefs }));
}

const configuration = (): Promise<oidc.Configuration> =>
  oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });

interface Started { context: BrowserContext; page: Page; config: oidc.Configuration; verifier: string; state: string }

/** The app's authorization request in a fresh browser, and the password typed. */
async function signIn(username: string): Promise<Started> {
  const config = await configuration();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
  const context = await browser.newContext();
  await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  const page = await context.newPage();
  await page.goto(url.toString());
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, config, verifier, state };
}

async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Lands on the app and exchanges the code; the ID token's username. */
async function landed(s: Started): Promise<string> {
  await s.page.waitForURL((u) => u.toString().startsWith(CALLBACK));
  const tokens = await oidc.authorizationCodeGrant(s.config, new URL(s.page.url()), { pkceCodeVerifier: s.verifier, expectedState: s.state });
  await s.context.close();
  return tokens.claims()!['cognito:username'] as string;
}

const lastText = (): string => codeIn(texts[texts.length - 1]!.message);

describe('MFA on the hosted page in Chromium', () => {
  it('asks a TOTP user for the authenticator app\u2019s code, shows a wrong one\u2019s error, then signs in', async () => {
    await userWith('tess', {});
    const token = (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'tess', PASSWORD } }))).AuthenticationResult!.AccessToken!;
    const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    const totp = new TOTP({ secret: Secret.fromBase32(SecretCode!), algorithm: 'SHA1', digits: 6, period: 30 });
    await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: totp.generate({ timestamp: server.gatehouse.clock.now() }) }));
    server.gatehouse.clock.advance(30_000); // the next time step: the one VerifySoftwareToken took is used

    const s = await signIn('tess');
    await s.page.getByText('Enter the code from your authenticator app.').waitFor();
    const code = totp.generate({ timestamp: server.gatehouse.clock.now() });
    await enterCode(s.page, code === '000000' ? '111111' : '000000');
    await expect(s.page.getByRole('alert').textContent()).resolves.toBe('Invalid code received for user');
    await enterCode(s.page, code);
    expect(await landed(s)).toBe('tess');
  });

  it('mails an EMAIL_OTP code and texts an SMS_MFA code, each entered on the page', async () => {
    await userWith('eve', { EmailMfaSettings: { Enabled: true, PreferredMfa: true } });
    const e = await signIn('eve');
    await e.page.getByText('We have sent a code by email to e***@e***.com. Enter the code to sign in.').waitFor();
    await enterCode(e.page, codeIn((await smtp.waitFor('eve@example.com')).text));
    expect(await landed(e)).toBe('eve');

    await userWith('sam', { SMSMfaSettings: { Enabled: true, PreferredMfa: true } });
    const s = await signIn('sam');
    await s.page.getByText('We have sent a code by SMS to +*******0123. Enter the code to sign in.').waitFor();
    await enterCode(s.page, lastText());
    expect(await landed(s)).toBe('sam');
  });

  it('lets a user with two factors and no preference choose one first (SELECT_MFA_TYPE)', async () => {
    await userWith('cleo', { EmailMfaSettings: { Enabled: true }, SMSMfaSettings: { Enabled: true } });
    const s = await signIn('cleo');
    await s.page.getByRole('heading', { name: 'Choose how to sign in' }).waitFor();
    await s.page.getByRole('button', { name: 'SMS' }).click();
    await s.page.getByText('We have sent a code by SMS to').waitFor();
    await enterCode(s.page, lastText());
    expect(await landed(s)).toBe('cleo');
  });

  it('refuses the step\u2019s session replayed after use or moved to another authorization request; a user without MFA signs in at once', async () => {
    await userWith('rita', { SMSMfaSettings: { Enabled: true, PreferredMfa: true } });
    const s = await signIn('rita');
    await s.page.getByLabel('Code').waitFor();
    const session = (await s.page.locator('input[name="session"]').getAttribute('value'))!;
    const action = (await s.page.locator('form').getAttribute('action'))!;
    const code = lastText();
    const post = async (p: Page, to: string) => {
      const csrf = (await p.context().cookies()).find((c) => c.name === 'XSRF-TOKEN')?.value;
      return p.context().request.post(to, { form: { _csrf: csrf!, step: 'mfa', session, code }, maxRedirects: 0 });
    };
    const other = await s.context.newPage();
    await other.goto(oidc.buildAuthorizationUrl(s.config, { redirect_uri: CALLBACK, scope: 'openid', state: 'other-state' }).toString());
    const moved = await post(other, (await other.locator('form').getAttribute('action'))!);
    expect(moved.status()).toBe(400);
    expect(await moved.text()).toContain('Invalid session for the user.');

    const ok = await post(s.page, action);
    expect(ok.status()).toBe(302);
    expect(ok.headers().location!.startsWith(`${CALLBACK}?code=`)).toBe(true);
    await s.page.goto(action); // a fresh CSRF cookie: signing in cleared the old one
    const replayed = await post(s.page, action);
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid session for the user.');
    expect(replayed.headers().location).toBeUndefined();
    await s.context.close();

    await userWith('uma', {});
    expect(await landed(await signIn('uma'))).toBe('uma');
  });
});
