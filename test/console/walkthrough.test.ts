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
import { CognitoIdentityClient, DescribeIdentityPoolCommand, GetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { cognitoIdentityTrustPolicy } from '../../src/demo/provision.js';
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

    // 2.1 Identity pool: "Manage Identity Pools" → name, "Authentication providers" → "Cognito".
    await page.getByRole('link', { name: 'Manage Identity Pools' }).click();
    await page.getByRole('link', { name: 'Create new identity pool' }).click();
    await page.getByLabel('Identity pool name').fill('MSNIdentityPool');
    await page.getByLabel('Enable access to unauthenticated identities').check();
    await page.getByRole('button', { name: 'Authentication providers' }).click();
    await page.getByRole('tab', { name: 'Cognito' }).click();
    await page.getByLabel('User Pool ID').fill(poolId);
    await page.getByLabel('App client id').fill(clientId);
    await noSeriousViolations(page, 'create-identity-pool');
    await page.getByRole('button', { name: 'Create Pool' }).click();
    await page.getByRole('heading', { name: 'Your Cognito identities require access to your resources' }).waitFor();
    expect(await page.getByText('Cognito_MSNIdentityPoolAuth_Role', { exact: true }).count()).toBe(1);
    expect(await page.getByText('Cognito_MSNIdentityPoolUnauth_Role', { exact: true }).count()).toBe(1);
    await noSeriousViolations(page, 'identity-pool-roles');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('link', { name: 'Edit identity pool' }).click();
    await page.getByRole('heading', { name: 'Edit identity pool' }).waitFor();
    const identityPoolId = (await page.locator('dt:has-text("Identity pool ID") + dd code').textContent()) ?? '';
    expect(identityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    await noSeriousViolations(page, 'edit-identity-pool');

    // 2.2 IAM → Roles → the authenticated role → "Attach policies" → "AmazonS3FullAccess".
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByLabel('Search roles').fill('Cognito_MSN');
    await page.getByRole('link', { name: 'Cognito_MSNIdentityPoolAuth_Role' }).click();
    await page.getByRole('link', { name: 'Attach policies' }).click();
    await page.getByLabel('Search').fill('AmazonS3FullAccess');
    await page.getByLabel('AmazonS3FullAccess', { exact: true }).check();
    await noSeriousViolations(page, 'attach-policies');
    await page.getByRole('button', { name: 'Attach policy' }).click();
    await page.getByRole('button', { name: 'Detach AmazonS3FullAccess' }).waitFor();
    expect(await page.getByLabel('Trust policy').textContent()).toContain(identityPoolId);
    await noSeriousViolations(page, 'role');

    const identity = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const described = await identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
    expect(described.AllowUnauthenticatedIdentities).toBe(true);
    expect(described.CognitoIdentityProviders).toEqual([{ ProviderName: `cognito-idp.${REGION}.amazonaws.com/${poolId}`, ClientId: clientId, ServerSideTokenCheck: false }]);
    const roles = (await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }))).Roles;
    expect(roles).toEqual({ authenticated: 'arn:aws:iam::000000000000:role/Cognito_MSNIdentityPoolAuth_Role', unauthenticated: 'arn:aws:iam::000000000000:role/Cognito_MSNIdentityPoolUnauth_Role' });
    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const trust = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'Cognito_MSNIdentityPoolUnauth_Role' }))).Role!.AssumeRolePolicyDocument!)) as unknown;
    expect(trust).toEqual(JSON.parse(cognitoIdentityTrustPolicy(identityPoolId, 'unauthenticated')));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Cognito_MSNIdentityPoolAuth_Role' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AmazonS3FullAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }]);

    await page.getByRole('link', { name: 'Manage User Pools' }).click();
    await page.getByRole('link', { name: 'MSNUserPool' }).click();
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
  }, 180_000);
});
