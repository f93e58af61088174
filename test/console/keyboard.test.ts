/**
 * The console by keyboard only (issue 13: "forms work by keyboard, errors are announced"), in
 * Chromium: no clicks, only Tab, typing, Enter and Space. A wrong secret is announced (role
 * alert); then sign in, "Create user pool" → "Pool name" → "Review defaults" → "Create pool",
 * "App clients" → "Add an app client" (a checkbox toggled with Space) → "Create app client". After
 * each step focus lands on the new page's heading, so Tab continues from there rather than from
 * the top of the document. What was created is read back with SDK v3.
 */
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand, ListUserPoolClientsCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { launchChromium } from '../support/browser.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  await buildConsole(path.resolve(import.meta.dirname, '..', '..'));
  server = await startServer();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The focused element's accessible name as the console gives it: aria-label, label, or text. */
function focusedName(page: Page): Promise<string> {
  // Evaluated in the page, as text: this file is typed with Node's globals, not the DOM's.
  return page.evaluate<string>(`(() => {
    const e = document.activeElement;
    if (e === null) return '';
    return (e.getAttribute('aria-label') ?? e.labels?.[0]?.textContent ?? e.textContent ?? '').trim();
  })()`);
}

/** The focused heading's text, or '' when the focus is not on a heading (a link of the same name). */
function focusedHeading(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const e = document.activeElement;
    return e !== null && /^H[1-6]$/.test(e.tagName) ? (e.textContent ?? '').trim() : '';
  })()`);
}

/** Presses Tab until the focus is on `name` (at most 40 times), as a keyboard user would. */
async function tabTo(page: Page, name: string): Promise<number> {
  for (let presses = 1; presses <= 40; presses++) {
    await page.keyboard.press('Tab');
    if ((await focusedName(page)) === name) return presses;
  }
  throw new Error(`Tab never reached ${name}`);
}

describe('the console by keyboard', () => {
  it('signs in, creates a user pool and an app client with no pointer', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url + '/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await tabTo(page, 'Access key ID')).toBe(1);
    await page.keyboard.type(server.credentials.accessKeyId);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the secret');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toBe('The access key ID or secret access key is not correct.');
    // Still in the field: fix it and submit again.
    expect(await focusedName(page)).toBe('Secret access key');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(server.credentials.secretAccessKey);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'User pools' }).waitFor();
    await expect.poll(() => focusedHeading(page)).toBe('User pools');
    expect(await tabTo(page, 'Create user pool')).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedHeading(page)).toBe('Create user pool');
    expect(await tabTo(page, 'Pool name')).toBe(1);
    await page.keyboard.type('KeyboardPool');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedHeading(page)).toBe('Review defaults');
    await tabTo(page, 'Create pool');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'General settings' }).waitFor();
    await expect.poll(() => focusedHeading(page)).toBe('KeyboardPool');
    await tabTo(page, 'App clients');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Add an app client');
    await page.keyboard.press('Enter');
    // The form renders after the key press is handled: Tab only once it is there.
    await page.getByRole('form', { name: 'Add an app client' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add an app client' }).getAttribute('aria-expanded')).toBe('true');
    expect(await tabTo(page, 'App client name')).toBe(1);
    await page.keyboard.type('keyboard-client');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Generate client secret');
    await page.keyboard.press('Space');
    await tabTo(page, 'Create app client');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'App client keyboard-client created.' }).waitFor();

    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const pool = (await idp.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.find((p) => p.Name === 'KeyboardPool');
    expect(pool?.Id).toBeDefined();
    const clients = (await idp.send(new ListUserPoolClientsCommand({ UserPoolId: pool!.Id!, MaxResults: 60 }))).UserPoolClients ?? [];
    expect(clients.map((c) => c.ClientName)).toEqual(['keyboard-client']);
    const client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: pool!.Id!, ClientId: clients[0]!.ClientId! }))).UserPoolClient;
    expect(client?.ClientSecret).toBeUndefined();
  }, 90_000);
});
