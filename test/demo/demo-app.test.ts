/**
 * The walkthrough end to end in a real browser: `gatehouse demo` provisions the pools, roles
 * and website bucket through the official SDK; Chromium loads Gatehouse's demo app from the
 * website endpoint and goes through the whole journey with the official browser SDKs,
 * reading the verification code from mail received over SMTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionDemo, type DemoResult } from '../../src/demo/provision.js';
import { launchChromium } from '../support/browser.js';
import { closeAll, REGION, startServerWithSmtp, type TestServer } from '../support/gatehouse.js';
import type { TestSmtp } from '../support/smtp.js';

const ARTIFACTS = path.resolve('test-artifacts');

let smtp: TestSmtp;
let server: TestServer;
let browser: Browser;
let demo: DemoResult;

/** The demo as `gatehouse demo` provisions it on this server. */
const demoOptions = (say: (line: string) => void): Parameters<typeof provisionDemo>[0] => ({
  url: server.url,
  region: REGION,
  credentials: server.credentials,
  name: 'Gatehouse Demo',
  bucket: 'demo-site',
  websiteHostSuffix: server.gatehouse.config.websiteHostSuffix,
  say,
});

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  demo = await provisionDemo(demoOptions(() => undefined));
  browser = await launchChromium();
});

afterAll(() => closeAll(browser, server, smtp));

async function codeFromMail(to: string): Promise<string> {
  const mail = await smtp.waitFor(to);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  if (code === undefined) throw new Error(`no code in mail: ${mail.text}`);
  return code;
}

async function expectToast(page: Page, text: RegExp): Promise<void> {
  await page.locator('#toast').filter({ hasText: text }).waitFor({ state: 'visible', timeout: 15_000 });
}

describe('the demo web app in Chromium', () => {
  it('registers, verifies by emailed code, logs in, gets credentials, lists the bucket, survives a reload, logs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
    });

    expect(demo.websiteUrl).toBe(`http://demo-site.s3-website.localhost:${new URL(server.url).port}/`);
    await page.goto(demo.websiteUrl);
    await page.locator('#auth').waitFor({ state: 'visible' });

    await page.click('#tab-register');
    await page.fill('#register-email', 'ada@example.com');
    await page.fill('#register-username', 'ada');
    await page.fill('#register-password', 'Correct-Horse-9');
    await page.fill('#register-confirm', 'Correct-Horse-9');
    await page.click('#register-button');
    await page.locator('#verify').waitFor({ state: 'visible' });
    expect(await page.textContent('#verify-destination')).toMatch(/^a\*\*\*@e\*\*\*/);

    await page.fill('#verify-code', await codeFromMail('ada@example.com'));
    await page.click('#verify-button');
    await expectToast(page, /Email verified/);

    await page.fill('#login-username', 'ada');
    await page.fill('#login-password', 'Correct-Horse-9');
    await page.click('#login-button');
    await page.locator('#home').waitFor({ state: 'visible' });
    expect(await page.textContent('#fact-username')).toBe('ada');
    expect(await page.textContent('#fact-email')).toBe('ada@example.com ✓');

    await page.locator('body[data-credentials="ready"]').waitFor({ timeout: 15_000 });
    expect(await page.textContent('#cred-access-key')).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(await page.textContent('#cred-identity')).toMatch(new RegExp(`^${REGION}:[0-9a-f-]{36}$`));

    expect(await page.inputValue('#bucket-name')).toBe('demo-site');
    await page.click('#list-button');
    await page.locator('#objects').waitFor({ state: 'visible' });
    const keys = await page.locator('#objects tbody tr td:first-child').allTextContents();
    expect(keys).toEqual(expect.arrayContaining(['index.html', 'app.js', 'config.js', 'script/aws-sdk.min.js']));

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-logged-in.png'), fullPage: true });

    // The session lives in the browser's storage: a reload restores it without a password.
    await page.reload();
    await page.locator('#home').waitFor({ state: 'visible' });
    await expectToast(page, /session was restored/);
    await page.locator('body[data-credentials="ready"]').waitFor({ timeout: 15_000 });

    await page.click('#logout-button');
    await page.locator('#auth').waitFor({ state: 'visible' });
    await page.reload();
    await page.locator('#auth').waitFor({ state: 'visible' });
    expect(await page.isVisible('#home')).toBe(false);

    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('shows AWS\'s message for a wrong password', async () => {
    const page = await browser.newPage();
    await page.goto(demo.websiteUrl);
    await page.locator('#auth').waitFor({ state: 'visible' });
    await page.fill('#login-username', 'ada');
    await page.fill('#login-password', 'Wrong-Password-1');
    await page.click('#login-button');
    await expectToast(page, /^Incorrect username or password\.$/);
    await page.close();
  });
});

describe('gatehouse demo run again', () => {
  it('reuses what the first run made and redeploys the app', async () => {
    const said: string[] = [];
    const again = await provisionDemo(demoOptions((line) => said.push(line)));
    expect({ userPoolId: again.userPoolId, clientId: again.clientId, identityPoolId: again.identityPoolId }).toEqual({
      userPoolId: demo.userPoolId,
      clientId: demo.clientId,
      identityPoolId: demo.identityPoolId,
    });
    expect(said).toEqual(expect.arrayContaining(['using bucket demo-site', `using user pool ${demo.userPoolId}`]));
    expect(said.some((l) => l.startsWith('created'))).toBe(false);
    const index = await fetch(again.websitePathUrl);
    expect(index.status).toBe(200);
  });
});
