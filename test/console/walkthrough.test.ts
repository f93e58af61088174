/**
 * The walkthrough's user-pool steps through the console only, in Debian's Chromium, by
 * accessible names in the walkthrough's words (issue 13): sign in ("Access key ID", "Secret
 * access key", "Sign in"), "Create user pool" → "Pool name" → "Review defaults" → "Create pool",
 * the "Pool Id" under "General settings", "App clients" → "Add an app client" → "App client name",
 * "Generate client secret" unchecked → "Create app client" → the "App client id". What was created
 * is then checked with the SDK v3 client, and each page is scanned by axe (no serious violations).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { launchChromium } from '../support/browser.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

const ARTIFACTS = path.resolve('test-artifacts', 'console');
let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  await buildConsole(path.resolve(import.meta.dirname, '..', '..'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function noSeriousViolations(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const result = await new AxeBuilder({ page } as never).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect([name, serious]).toEqual([name, []]);
}

describe('the console in Chromium', () => {
  it('signs in, refusing wrong credentials first, and creates a user pool and an app client', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.url + '/');
    await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill('not the secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toBe('The access key ID or secret access key is not correct.');
    await noSeriousViolations(page, 'sign-in');
    await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await page.getByLabel('Secret access key').press('Enter');

    await page.getByRole('link', { name: 'Manage User Pools' }).click();
    await page.getByRole('link', { name: 'Create user pool' }).click();
    await page.getByLabel('Pool name').fill('MSNUserPool');
    await page.getByRole('button', { name: 'Review defaults' }).click();
    await noSeriousViolations(page, 'review-defaults');
    await page.getByRole('button', { name: 'Create pool' }).click();

    await page.getByRole('heading', { name: 'General settings' }).waitFor();
    const poolId = (await page.locator('dt:has-text("Pool Id") + dd code').textContent()) ?? '';
    expect(poolId).toMatch(/^us-east-1_[0-9a-zA-Z]{9}$/);
    expect(await page.locator('dt:has-text("Pool ARN") + dd code').textContent()).toMatch(new RegExp(`:userpool/${poolId}$`));
    await expect.poll(() => page.getByRole('button', { name: 'Copy Pool Id' }).count()).toBe(1);
    await noSeriousViolations(page, 'general-settings');

    await page.getByRole('link', { name: 'App clients' }).click();
    await page.getByRole('button', { name: 'Add an app client' }).click();
    await page.getByLabel('App client name').fill('MSNWebApp');
    await page.getByLabel('Generate client secret').uncheck();
    await page.getByRole('button', { name: 'Create app client' }).click();
    const clientId = (await page.locator('.notice dt:has-text("App client id") + dd code').textContent()) ?? '';
    expect(clientId).toMatch(/^[a-z0-9]{26}$/);
    await noSeriousViolations(page, 'app-clients');

    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient;
    expect(client?.ClientName).toBe('MSNWebApp');
    expect(client?.ClientSecret).toBeUndefined();
    expect(client?.ExplicitAuthFlows).toContain('ALLOW_USER_SRP_AUTH');

    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Username', { exact: true }).fill('alice');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Disable alice' }).click();
    await page.getByRole('button', { name: 'Enable alice' }).waitFor();
    await noSeriousViolations(page, 'users');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
  }, 90_000);
});
