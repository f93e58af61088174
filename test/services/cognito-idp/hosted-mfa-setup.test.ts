/**
 * MFA_SETUP on the hosted pages in Debian's Chromium, with openid-client as the app: a pool
 * that requires MFA signs a user without a factor in by setting one up after the password.
 * TOTP: the page shows the secret from AssociateSoftwareToken as text, as an otpauth:// link
 * and as a QR code (decoded here with jsQR from the pixels Chromium drew), the test computes
 * the code with `otpauth`, VerifySoftwareToken and RespondToAuthChallenge run behind the form,
 * the app gets its code, and the next sign-in asks for the authenticator's code. Where the
 * pool has email MFA too, the user chooses, gives an address and enters the mailed code.
 * Attacks: the set-up session replayed after use, moved to another app client, and five
 * wrong codes (the Session is used up; the factor stays off).
 */
import {
  AdminGetUserCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as jsqrModule from 'jsqr';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { codeIn, confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let browser: Browser;
const CALLBACK = 'http://127.0.0.1:9/callback';
const QR_PX = 264;
/** jsqr is a CommonJS bundle: its function is the default export, or that export's `default`, depending on the loader's interop. */
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsqrDefault = (jsqrModule as unknown as { default: Decode | { default: Decode } }).default;
const jsQR: Decode = typeof jsqrDefault === 'function' ? jsqrDefault : jsqrDefault.default;

interface App { pool: Pool; id: string; secret: string }
/** TOTP required; `other` is a second app client of the same pool. */
let totpApp: App;
let other: App;
/** TOTP and email MFA, required. */
let emailApp: App;

async function appClient(pool: Pool, name: string): Promise<App> {
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: name, GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
  }));
  return { pool, id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
}

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  const a = await createPool(server, { PoolName: 'Setup Pool' });
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: a.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: a.poolId, Domain: 'hosted-setup-totp' }));
  totpApp = await appClient(a, 'web');
  other = await appClient(a, 'other');
  const b = await createPool(server, { PoolName: 'Email Pool' });
  await idp(server).send(new SetUserPoolMfaConfigCommand({
    UserPoolId: b.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true }, EmailMfaConfiguration: { Message: 'Sign in with {####}', Subject: 'Your sign-in code' },
  }));
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'hosted-setup-email' }));
  emailApp = await appClient(b, 'web');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await closeAll(server, smtp);
});

/** A confirmed user (the sign-up mail taken). */
async function user(pool: Pool, username: string): Promise<void> {
  await confirmedUser(server, pool, username);
  await smtp.waitFor(`${username}@example.com`);
}

interface Started { context: BrowserContext; page: Page; config: oidc.Configuration; verifier: string; state: string }

/** The app's authorization request in a fresh browser, and the password typed. */
async function signIn(app: App, username: string, context?: BrowserContext): Promise<Started> {
  const config = await oidc.discovery(new URL(`${server.url}/${app.pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
  const ctx = context ?? (await browser.newContext());
  await ctx.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  const page = await ctx.newPage();
  await page.goto(url.toString());
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context: ctx, page, config, verifier, state };
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

/** What the QR code on the page says, read from the pixels Chromium drew (a canvas in the page; the tests have no DOM types). */
async function qrText(page: Page): Promise<string | undefined> {
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  const pixels = (await page.evaluate(`(async () => {
    const img = document.querySelector('img.qr');
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = ${QR_PX};
    canvas.height = ${QR_PX};
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0, ${QR_PX}, ${QR_PX});
    return Array.from(g.getImageData(0, 0, ${QR_PX}, ${QR_PX}).data);
  })()`)) as number[];
  return jsQR(Uint8ClampedArray.from(pixels), QR_PX, QR_PX)?.data;
}

const totpFor = (secret: string): TOTP => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
const now = (): number => server.gatehouse.clock.now();
const wrong = (code: string): string => (code === '000000' ? '111111' : '000000');

async function mfaOf(pool: Pool, username: string): Promise<string[] | undefined> {
  return (await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }))).UserMFASettingList;
}

/** The set-up form's fields, to post by hand as an attacker would. */
async function formOf(page: Page): Promise<{ action: string; session: string }> {
  await page.getByLabel('Code').waitFor();
  return { action: (await page.locator('form').getAttribute('action'))!, session: (await page.locator('input[name="session"]').getAttribute('value'))! };
}

async function post(page: Page, action: string, fields: Record<string, string>) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'XSRF-TOKEN')?.value;
  return page.context().request.post(action, { form: { _csrf: csrf!, step: 'mfa', ...fields }, maxRedirects: 0 });
}

describe('MFA_SETUP on the hosted pages in Chromium', () => {
  it('sets up an authenticator app after the password (secret as text, link and QR code), then signs in with it', async () => {
    await user(totpApp.pool, 'tina');
    const s = await signIn(totpApp, 'tina');
    await s.page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    const secret = (await s.page.locator('#totpSecret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const link = (await s.page.getByRole('link', { name: 'Open in your authenticator app' }).getAttribute('href'))!;
    expect(link).toBe(`otpauth://totp/Setup%20Pool:tina?issuer=Setup%20Pool&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
    expect(await qrText(s.page)).toBe(link);
    expect(await mfaOf(totpApp.pool, 'tina')).toBeUndefined();

    const totp = totpFor(secret);
    await enterCode(s.page, wrong(totp.generate({ timestamp: now() })));
    await expect(s.page.getByRole('alert').textContent()).resolves.toBe('Code mismatch and fail enable Software Token MFA');
    expect(await s.page.locator('#totpSecret').textContent()).toBe(secret);
    await enterCode(s.page, totp.generate({ timestamp: now() }));
    expect(await landed(s)).toBe('tina');
    expect(await mfaOf(totpApp.pool, 'tina')).toEqual(['SOFTWARE_TOKEN_MFA']);

    server.gatehouse.clock.advance(30_000); // the code that verified the secret is used
    const again = await signIn(totpApp, 'tina');
    await again.page.getByText('Enter the code from your authenticator app.').waitFor();
    await enterCode(again.page, totp.generate({ timestamp: now() }));
    expect(await landed(again)).toBe('tina');
  });

  it('lets the user choose email MFA where the pool has it, and mails the code to the address given', async () => {
    await user(emailApp.pool, 'emma');
    const s = await signIn(emailApp, 'emma');
    await s.page.getByRole('heading', { name: 'Set up multi-factor authentication' }).waitFor();
    await expect(s.page.getByRole('button', { name: 'Authenticator app' }).isVisible()).resolves.toBe(true);
    await s.page.getByRole('button', { name: 'Email' }).click();
    await expect(s.page.getByLabel('Email').inputValue()).resolves.toBe('emma@example.com');
    await s.page.getByLabel('Email').fill('emma.mfa@example.com');
    await s.page.getByRole('button', { name: 'Send code' }).click();
    await s.page.getByText('We have sent a code by email to e***@e***.com. Enter the code to sign in.').waitFor();
    await enterCode(s.page, codeIn((await smtp.waitFor('emma.mfa@example.com')).text));
    expect(await landed(s)).toBe('emma');
    const u = await idp(server).send(new AdminGetUserCommand({ UserPoolId: emailApp.pool.poolId, Username: 'emma' }));
    expect(u.UserMFASettingList).toEqual(['EMAIL_OTP']);
    expect(u.UserAttributes?.find((x) => x.Name === 'email')?.Value).toBe('emma.mfa@example.com');
  });

  it('refuses the set-up session replayed after use', async () => {
    await user(totpApp.pool, 'rory');
    const s = await signIn(totpApp, 'rory');
    const { action, session } = await formOf(s.page);
    const totp = totpFor((await s.page.locator('#totpSecret').textContent())!);
    const ok = await post(s.page, action, { session, code: totp.generate({ timestamp: now() }) });
    expect(ok.status()).toBe(302);
    expect(ok.headers().location!.startsWith(`${CALLBACK}?code=`)).toBe(true);
    await s.page.goto(action); // a fresh CSRF cookie: signing in cleared the old one
    server.gatehouse.clock.advance(30_000);
    const replayed = await post(s.page, action, { session, code: totp.generate({ timestamp: now() }) });
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid session for the user.');
    expect(replayed.headers().location).toBeUndefined();
    await s.context.close();
  });

  it('refuses the set-up session moved to another app client, and turns nothing on', async () => {
    await user(totpApp.pool, 'mona');
    const s = await signIn(totpApp, 'mona');
    const { session } = await formOf(s.page);
    const totp = totpFor((await s.page.locator('#totpSecret').textContent())!);
    const otherConfig = await oidc.discovery(new URL(`${server.url}/${other.pool.poolId}`), other.id, undefined, oidc.ClientSecretBasic(other.secret), { execute: [oidc.allowInsecureRequests] });
    const page = await s.context.newPage();
    await page.goto(oidc.buildAuthorizationUrl(otherConfig, { redirect_uri: CALLBACK, scope: 'openid', state: 'other-state' }).toString());
    const moved = await post(page, (await page.locator('form').getAttribute('action'))!, { session, code: totp.generate({ timestamp: now() }) });
    expect(moved.status()).toBe(400);
    expect(await moved.text()).toContain('Invalid session for the user.');
    expect(moved.headers().location).toBeUndefined();
    expect(await mfaOf(totpApp.pool, 'mona')).toBeUndefined();
    await s.context.close();
  });

  it('uses the set-up session up after five wrong codes: the right one is refused next and TOTP stays off', async () => {
    await user(totpApp.pool, 'walt');
    const s = await signIn(totpApp, 'walt');
    const { action, session } = await formOf(s.page);
    const totp = totpFor((await s.page.locator('#totpSecret').textContent())!);
    for (let i = 0; i < 5; i++) {
      const r = await post(s.page, action, { session, code: wrong(totp.generate({ timestamp: now() })) });
      expect(r.status()).toBe(400);
      expect(await r.text()).toContain('Code mismatch and fail enable Software Token MFA');
    }
    const sixth = await post(s.page, action, { session, code: totp.generate({ timestamp: now() }) });
    expect(sixth.status()).toBe(400);
    expect(await sixth.text()).toContain('Invalid session for the user.');
    expect(sixth.headers().location).toBeUndefined();
    expect(await mfaOf(totpApp.pool, 'walt')).toBeUndefined();
    await s.context.close();
  });
});
