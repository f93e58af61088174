/**
 * Amplify JS v6 in Debian's Chromium (playwright-core, bundled with esbuild), one-time codes:
 * TOTP set up at the first sign-in (CONTINUE_SIGN_IN_WITH_TOTP_SETUP, codes computed here with
 * otpauth from the secret Amplify shows), then CONFIRM_SIGN_IN_WITH_TOTP_CODE at the next; and
 * a passwordless sign-in with an emailed code (USER_AUTH / EMAIL_OTP,
 * CONFIRM_SIGN_IN_WITH_EMAIL_CODE), the code read from the SMTP server the pool mails through.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminUpdateUserAttributesCommand, SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { codeIn, confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let server: TestServer;
let smtp: TestSmtp;
let browser: Browser;
let page: Page;
let totpPool: Pool;
let otpPool: Pool;
let endpoint: string;

interface Step {
  isSignedIn: boolean;
  nextStep: { signInStep: string; totpSetupDetails?: { sharedSecret: string }; codeDeliveryDetails?: { deliveryMedium?: string; destination?: string } };
}

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  totpPool = await createPool(server);
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: totpPool.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  otpPool = await createPool(
    server,
    { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } } },
    { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  );

  const bundle = await build({
    stdin: { contents: "import { Amplify } from 'aws-amplify'; import * as auth from 'aws-amplify/auth'; globalThis.amplify = { Amplify, auth };", resolveDir: repo, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  // The app's page on Gatehouse's own origin: no CORS in the way.
  endpoint = server.url.replace('127.0.0.1', 'localhost');
  const app = `${endpoint}/__test-app/`;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.route(`${app}**`, (route) =>
    route.request().url().endsWith('/app.js')
      ? route.fulfill({ contentType: 'text/javascript', body: script })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>app</title><script src="app.js"></script>' }),
  );
  await page.goto(app);
}, 120_000);
afterAll(() => closeAll(browser === undefined ? undefined : { close: () => browser.close() }, server, smtp));

const configure = (p: Pool) =>
  page.evaluate(`amplify.Amplify.configure({ Auth: { Cognito: { userPoolId: ${JSON.stringify(p.poolId)}, userPoolClientId: ${JSON.stringify(p.clientId)}, userPoolEndpoint: ${JSON.stringify(endpoint)} } } })`);
const run = async (expression: string): Promise<Step> => (await page.evaluate(expression)) as Step;
const confirm = (code: string) => run(`amplify.auth.confirmSignIn({ challengeResponse: ${JSON.stringify(code)} })`);

/** The TOTP code at the server's time, after moving its clock to a step not used yet. */
function freshCode(secret: string): string {
  server.gatehouse.clock.advance(30_000);
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() });
}

describe('Amplify JS v6 one-time codes in Chromium', () => {
  it('sets TOTP up at the first sign-in and asks for a TOTP code at the next', async () => {
    await confirmedUser(server, totpPool, 'tina');
    await configure(totpPool);
    try {
      const first = await run(`amplify.auth.signIn({ username: 'tina', password: ${JSON.stringify(PASSWORD)} })`);
      expect(first.nextStep.signInStep).toBe('CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
      const secret = first.nextStep.totpSetupDetails!.sharedSecret;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await confirm(freshCode(secret))).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      await page.evaluate('amplify.auth.signOut()');

      const second = await run(`amplify.auth.signIn({ username: 'tina', password: ${JSON.stringify(PASSWORD)} })`);
      expect(second.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
      const near = [-1, 0, 1].map((k) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() + k * 30_000 }));
      const bad = near.includes('000000') ? '111111' : '000000';
      const wrong = await page.evaluate(`amplify.auth.confirmSignIn({ challengeResponse: '${bad}' }).then(() => 'signed in', (e) => e.name)`);
      expect(wrong).toBe('CodeMismatchException');
      expect(await confirm(freshCode(secret))).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      expect(await page.evaluate('amplify.auth.getCurrentUser().then((u) => u.username)')).toBe('tina');
      await page.evaluate('amplify.auth.signOut()');
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('signs in with an emailed code (USER_AUTH / EMAIL_OTP)', async () => {
    await confirmedUser(server, otpPool, 'otto');
    await smtp.waitFor('otto@example.com');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: otpPool.poolId, Username: 'otto', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    await configure(otpPool);
    const asked = await run("amplify.auth.signIn({ username: 'otto', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } })");
    expect(asked.nextStep).toMatchObject({ signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: 'o***@e***.com' } });
    const code = codeIn((await smtp.waitFor('otto@example.com')).text);
    expect(await confirm(code)).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const session = (await page.evaluate('amplify.auth.fetchAuthSession().then((s) => s.tokens.idToken.payload)')) as Record<string, unknown>;
    expect(session).toMatchObject({ 'cognito:username': 'otto', email: 'otto@example.com' });
    await page.evaluate('amplify.auth.signOut()');
  });
});
