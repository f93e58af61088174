/**
 * IAM customer managed policies through the console in Chromium (issue 13): "Create policy" with
 * a malformed document shows IAM's own error and creates nothing; a valid one opens the policy
 * with v1 as default; "Create version" makes v2 the default; "Set as default" goes back to v1;
 * "Delete" removes v2. Checked with the SDK v3 IAM client; pages scanned by axe.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { CreatePolicyCommand, IAMClient, ListPoliciesCommand, ListPolicyVersionsCommand } from '@aws-sdk/client-iam';
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

async function noSeriousViolations(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page } as never).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect([name, serious]).toEqual([name, []]);
}

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('managed policies in the console', () => {
  it('creates a policy, shows IAM validation errors, and manages its versions', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url + '/');
    await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByLabel('Policy name').fill('AppReadOnly');
    const malformed = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}';
    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    // What IAM says to the SDK is what the page shows.
    const said = await iam.send(new CreatePolicyCommand({ PolicyName: 'AppReadOnly', PolicyDocument: malformed })).then(() => undefined, (e: Error) => e);
    expect(said?.name).toBe('MalformedPolicyDocumentException');
    await page.getByLabel('Policy document (JSON)').fill(malformed);
    await page.getByRole('button', { name: 'Create policy' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toBe(said?.message);
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).toEqual([]);
    await noSeriousViolations(page, 'policies');

    await page.getByLabel('Policy document (JSON)').fill(doc('s3:GetObject'));
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('caption').filter({ hasText: 'Policy versions' }).waitFor();
    await page.getByRole('cell', { name: 'v1 (Default)' }).waitFor();
    const arn = (await page.locator('dt:has-text("Policy ARN") + dd code').textContent()) ?? '';
    expect(arn).toBe('arn:aws:iam::000000000000:policy/AppReadOnly');
    await expect.poll(() => page.getByLabel('Policy document (JSON)').inputValue()).toContain('s3:GetObject');

    await page.getByLabel('Policy document (JSON)').fill(doc('s3:ListBucket'));
    await page.getByRole('button', { name: 'Create version' }).click();
    await page.getByRole('cell', { name: 'v2 (Default)' }).waitFor();
    await page.getByRole('button', { name: 'Set v1 as default' }).click();
    await page.getByRole('cell', { name: 'v1 (Default)' }).waitFor();
    await page.getByRole('button', { name: 'Delete v2' }).click();
    await page.getByRole('button', { name: 'Delete v2' }).waitFor({ state: 'detached' });
    await noSeriousViolations(page, 'policy');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
    expect(versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v1', true]]);
  }, 90_000);
});
