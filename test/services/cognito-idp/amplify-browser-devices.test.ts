/**
 * Amplify JS v6 in Debian's Chromium (playwright-core, bundled with esbuild), remembered devices:
 * a TOTP sign-in gives NewDeviceMetadata, which Amplify confirms itself (ConfirmDevice with its
 * device SRP verifier); rememberDevice(); after signOut the next signIn proves the device
 * (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER) and completes without MFA; fetchDevices() lists
 * it; forgetDevice() drops it, and the sign-in after that asks for TOTP again.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminListDevicesCommand, SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let server: TestServer;
let browser: Browser;
let page: Page;
let pool: Pool;
let endpoint: string;

interface Step {
  isSignedIn: boolean;
  nextStep: { signInStep: string; totpSetupDetails?: { sharedSecret: string } };
}
interface AmplifyDevice {
  id: string;
  name?: string;
  attributes?: Record<string, string>;
}

beforeAll(async () => {
  server = await startServer();
  // MFA is required, and a device the user chose to remember replaces it (as AWS's console sets it up).
  pool = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } });
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));

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
  await page.evaluate(
    `amplify.Amplify.configure({ Auth: { Cognito: { userPoolId: ${JSON.stringify(pool.poolId)}, userPoolClientId: ${JSON.stringify(pool.clientId)}, userPoolEndpoint: ${JSON.stringify(endpoint)} } } })`,
  );
}, 120_000);
afterAll(() => closeAll(browser === undefined ? undefined : { close: () => browser.close() }, server));

const run = async (expression: string): Promise<Step> => (await page.evaluate(expression)) as Step;
const signIn = () => run(`amplify.auth.signIn({ username: 'devi', password: ${JSON.stringify(PASSWORD)} })`);
const confirm = (code: string) => run(`amplify.auth.confirmSignIn({ challengeResponse: ${JSON.stringify(code)} })`);
/** Amplify's own record of the device (its key is in localStorage under …deviceKey). */
const storedDeviceKey = async (): Promise<string | null> =>
  (await page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith('.deviceKey'))?.[1] ?? null")) as string | null;
const accessClaims = async (): Promise<Record<string, unknown>> =>
  (await page.evaluate('amplify.auth.fetchAuthSession().then((s) => s.tokens.accessToken.payload)')) as Record<string, unknown>;

/** The TOTP code at the server's time, after moving its clock to a step not used yet (SRP's 5-minute TIMESTAMP window allows a few). */
function freshCode(secret: string): string {
  server.gatehouse.clock.advance(30_000);
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() });
}

describe('Amplify JS v6 remembered devices in Chromium', () => {
  it('remembers the device after an MFA sign-in, skips MFA by device SRP, lists it, and asks again once it is forgotten', async () => {
    await confirmedUser(server, pool, 'devi');
    try {
      const first = await signIn();
      expect(first.nextStep.signInStep).toBe('CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
      const secret = first.nextStep.totpSetupDetails!.sharedSecret;
      expect(await confirm(freshCode(secret))).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      // Amplify confirmed the new device by itself; the pool waits for the user's word to remember it.
      const key = await storedDeviceKey();
      expect(key).toMatch(/^[a-z]{2}-[a-z]+-\d_[0-9a-f-]{36}$/);
      const before = await idp(server).send(new AdminListDevicesCommand({ UserPoolId: pool.poolId, Username: 'devi' }));
      expect(before.Devices?.map((d) => d.DeviceKey)).toEqual([key]);
      expect(before.Devices?.[0]?.DeviceAttributes).toContainEqual({ Name: 'device_status', Value: 'valid' });
      expect(before.Devices?.[0]?.DeviceAttributes).toContainEqual({ Name: 'dev:device_remembered_status', Value: 'not_remembered' });
      await page.evaluate('amplify.auth.rememberDevice()');
      await page.evaluate('amplify.auth.signOut()');

      // Same browser, so the same device: signIn completes without MFA (DEVICE_SRP_AUTH).
      expect(await signIn()).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      expect(await accessClaims()).toMatchObject({ username: 'devi', device_key: key });
      const devices = (await page.evaluate('amplify.auth.fetchDevices()')) as AmplifyDevice[];
      expect(devices.map((d) => d.id)).toEqual([key]);
      expect(devices[0]!.attributes).toMatchObject({ device_status: 'valid', 'dev:device_remembered_status': 'remembered' });
      expect(devices[0]!.name).toEqual(expect.any(String));

      // forgetDevice(): gone on the server and in the browser; the next sign-in asks for TOTP and meets a new device.
      await page.evaluate('amplify.auth.forgetDevice()');
      expect(await storedDeviceKey()).toBeNull();
      expect((await idp(server).send(new AdminListDevicesCommand({ UserPoolId: pool.poolId, Username: 'devi' }))).Devices).toEqual([]);
      await page.evaluate('amplify.auth.signOut()');
      const again = await signIn();
      expect(again.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
      expect(await confirm(freshCode(secret))).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      const fresh = await storedDeviceKey();
      expect(fresh).toMatch(/^[a-z]{2}-[a-z]+-\d_[0-9a-f-]{36}$/);
      expect(fresh).not.toBe(key);
      await page.evaluate('amplify.auth.signOut()');
    } finally {
      server.gatehouse.clock.reset();
    }
  }, 120_000);
});
