/**
 * `gatehouse demo --page`: a page written for AWS, deployed with only its placeholders filled
 * in and one endpoint script added, runs its whole journey in Chromium.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePage } from '../../src/demo/page.js';
import { provisionDemo, type DemoResult } from '../../src/demo/provision.js';
import { launchChromium } from '../support/browser.js';
import { closeAll, REGION, startServerWithSmtp, type TestServer } from '../support/gatehouse.js';
import type { TestSmtp } from '../support/smtp.js';

const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/aws-era-page.html');

let smtp: TestSmtp;
let server: TestServer;
let browser: Browser;
let demo: DemoResult;

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  demo = await provisionDemo({
    url: server.url,
    region: REGION,
    credentials: server.credentials,
    name: 'Files App',
    bucket: 'files-app',
    websiteHostSuffix: server.gatehouse.config.websiteHostSuffix,
    page: PAGE,
    say: () => undefined,
  });
  browser = await launchChromium();
});

afterAll(() => closeAll(browser, server, smtp));

describe('preparePage', () => {
  const ids = { userPoolId: 'us-east-1_AbCdEfGhI', clientId: 'c'.repeat(26), region: 'us-east-1', identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', endpoint: 'http://127.0.0.1:4566' };

  it('fills the four placeholders and adds exactly one script after the SDKs', () => {
    const source = '<script src="./script/aws-sdk-2.487.0.min.js"></script>\n<script src="./script/amazon-cognito-identity.min.js"></script>\n<script>var a = \'<User Pool ID>\', b = \'<App Client ID>\', c = \'<Region>\', d = \'<Identity Pool ID>\';</script>';
    const out = preparePage(source, ids);
    expect(out.missingPlaceholders).toEqual([]);
    expect(out.html).toContain(`var a = 'us-east-1_AbCdEfGhI', b = '${'c'.repeat(26)}', c = 'us-east-1', d = '${ids.identityPoolId}';`);
    const injectedAt = out.html.indexOf('Added by gatehouse demo');
    expect(injectedAt).toBeGreaterThan(out.html.indexOf('amazon-cognito-identity.min.js'));
    expect(injectedAt).toBeLessThan(out.html.indexOf("var a = '"));
    expect(out.html.match(/<script/g)).toHaveLength(4);
    expect([...out.scripts.keys()]).toEqual(['script/aws-sdk-2.487.0.min.js', 'script/amazon-cognito-identity.min.js']);
  });

  it('reports placeholders it could not find and scripts no package provides', () => {
    const out = preparePage('<script src="js/app-bundle.js"></script><script>var a = "<Region>";</script>', ids);
    expect(out.missingPlaceholders).toEqual(['<User Pool ID>', '<App Client ID>', '<Identity Pool ID>']);
    expect(out.unknownScripts).toEqual(['js/app-bundle.js']);
  });
});

describe('a page written for AWS, deployed with --page, in Chromium', () => {
  it('serves the SDK builds the page names, from the installed packages', async () => {
    const s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
    const sdk = await s3.send(new GetObjectCommand({ Bucket: 'files-app', Key: 'script/aws-sdk-2.487.0.min.js' }));
    expect(await sdk.Body!.transformToString()).toContain('2.487.0');
    const legacy = await s3.send(new GetObjectCommand({ Bucket: 'files-app', Key: 'script/aws-cognito-sdk.min.js' }));
    expect(legacy.ContentType).toBe('application/javascript');
  });

  it('registers, confirms, logs in, gets credentials, lists the bucket, restores the session and logs out', async () => {
    const page = await browser.newPage();
    const out = page.locator('#out');
    await page.goto(demo.websiteUrl);
    await page.click('#signup');
    await page.fill('#email', 'grace@example.com');
    await page.fill('#username', 'grace');
    await page.fill('#password', 'Analytical-Engine-1');
    await page.click('#signup');
    await out.filter({ hasText: 'Registered grace' }).waitFor();

    const mail = await smtp.waitFor('grace@example.com');
    await page.fill('#code', /\b(\d{6})\b/.exec(mail.text)![1]!);
    await page.click('#confirm');
    await out.filter({ hasText: 'Confirmed' }).waitFor();

    await page.click('#login');
    await out.filter({ hasText: /Access key: ASIA[A-Z0-9]{16}/ }).waitFor({ timeout: 15_000 });

    await page.fill('#bucket', 'files-app');
    await page.click('#list');
    await out.filter({ hasText: 'Object: index.html' }).waitFor();
    expect(await out.textContent()).toContain('Object: script/jquery.min.js');

    await page.reload();
    await out.filter({ hasText: 'Session found' }).waitFor();
    await out.filter({ hasText: /Access key: ASIA/ }).waitFor({ timeout: 15_000 });

    await page.click('#logout');
    await page.reload();
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await out.textContent()).not.toContain('Session found');
    await page.close();
  });
});
