/**
 * The settings later issues added to user pools, set through the console in Chromium (issue 13):
 * "Domain" (a custom domain, shown once created; a Cognito domain beside it, its hosted UI
 * URL), "Sign-in experience" (Optional MFA with authenticator apps; Passkey as a choice-based
 * first factor with its relying party), "User pool properties" (Lambda triggers picked from
 * ListFunctions, with the permission that lets Cognito invoke them; a sign-up then runs one),
 * "Identity providers" (OIDC), "Resource servers", and an app client's "Login
 * pages" (callback and sign-out URLs, identity providers, grant types, scopes) whose "View login
 * page" link opens the hosted UI. Each result is read back with the SDK v3 clients — settings the
 * page did not touch included, since UpdateUserPool replaces what it is not given. Each page is
 * screenshotted and scanned by axe (no serious violations).
 */
import { AxeBuilder } from '@axe-core/playwright';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeIdentityProviderCommand,
  DescribeResourceServerCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  GetUserPoolMfaConfigCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { launchChromium } from '../support/browser.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';
import { createExecutionRole, lambdaClient, zipOf } from '../services/lambda/support.js';

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

describe('user pool settings in the console', () => {
  it('sets the domain, MFA, passkeys, triggers, providers, resource servers and login pages', async () => {
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'SettingsPool', AutoVerifiedAttributes: ['email'], Policies: { PasswordPolicy: { MinimumLength: 12 } } }))).UserPool!.Id!;
    const clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web' }))).UserPoolClient!.ClientId!;
    const role = await createExecutionRole(server);
    const fnArn = (await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'pre-sign-up', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (e) => { e.response.autoConfirmUser = true; return e; };' }) } }))).FunctionArn!;

    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'SettingsPool' }).click();

    // Domain: a custom domain (Gatehouse serves its host itself), then a prefix domain beside it.
    await page.getByRole('link', { name: 'Domain', exact: true }).click();
    await page.getByLabel('Custom domain', { exact: true }).check();
    await page.getByLabel('Custom domain name').fill('auth.example.test');
    await page.getByLabel('ACM certificate ARN').fill('arn:aws:acm:us-east-1:000000000000:certificate/abc');
    await page.getByRole('button', { name: 'Create custom domain' }).click();
    await expect.poll(() => page.locator('dt:has-text("Custom domain") + dd code').first().textContent(), { timeout: 10_000 }).toBe('auth.example.test');
    expect((await idp.send(new DescribeUserPoolDomainCommand({ Domain: 'auth.example.test' }))).DomainDescription).toMatchObject({
      UserPoolId: poolId, CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/abc' },
    });
    await page.getByLabel('Cognito domain').check();
    await page.getByLabel('Domain prefix').fill('settings-console');
    await page.getByRole('button', { name: 'Create Cognito domain' }).click();
    await page.getByRole('link', { name: 'Open the hosted UI' }).waitFor();
    const port = new URL(server.url).port;
    expect(await page.locator('dt:has-text("Cognito domain") + dd code').first().textContent()).toBe(`http://settings-console.${server.gatehouse.config.authHostSuffix}:${port}`);
    expect((await idp.send(new DescribeUserPoolDomainCommand({ Domain: 'settings-console' }))).DomainDescription).toMatchObject({ UserPoolId: poolId, Status: 'ACTIVE', ManagedLoginVersion: 2 });
    await noSeriousViolations(page, 'pool-domain');

    // Sign-in experience: MFA, then passkeys as a first factor; neither loses the other.
    await page.getByRole('link', { name: 'Sign-in experience' }).click();
    await page.getByLabel('Optional MFA').check();
    await page.getByLabel('Authenticator apps').check();
    await page.getByRole('button', { name: 'Save MFA settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Multi-factor authentication saved.' }).waitFor();
    await page.getByLabel('Passkey', { exact: true }).check();
    await page.getByLabel('Relying party ID').fill('localhost');
    await page.getByLabel('User verification').selectOption('required');
    await page.getByRole('button', { name: 'Save sign-in options' }).click();
    await page.getByRole('status').filter({ hasText: 'Sign-in options saved.' }).waitFor();
    const mfa = await idp.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }));
    expect([mfa.MfaConfiguration, mfa.SoftwareTokenMfaConfiguration?.Enabled, mfa.WebAuthnConfiguration?.RelyingPartyId, mfa.WebAuthnConfiguration?.UserVerification]).toEqual(['OPTIONAL', true, 'localhost', 'required']);
    let described = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    expect(described.Policies?.SignInPolicy?.AllowedFirstAuthFactors?.sort()).toEqual(['PASSWORD', 'WEB_AUTHN']);
    expect([described.Policies?.PasswordPolicy?.MinimumLength, described.AutoVerifiedAttributes, described.MfaConfiguration]).toEqual([12, ['email'], 'OPTIONAL']);
    await noSeriousViolations(page, 'pool-sign-in-experience');

    // Lambda triggers from ListFunctions: add two, remove one.
    await page.getByRole('link', { name: 'User pool properties' }).click();
    await page.getByLabel('Assign Lambda function').selectOption({ label: 'pre-sign-up' });
    await page.getByRole('button', { name: 'Add Lambda trigger' }).click();
    await page.getByRole('cell', { name: 'Sign-up: Pre sign-up trigger', exact: true }).waitFor();
    await page.getByLabel('Trigger type').selectOption({ label: 'Authentication: Pre token generation trigger' });
    await page.getByRole('button', { name: 'Add Lambda trigger' }).click();
    await page.getByRole('button', { name: 'Remove Authentication: Pre token generation trigger' }).click();
    await page.getByRole('cell', { name: 'Authentication: Pre token generation trigger', exact: true }).waitFor({ state: 'detached' });
    await noSeriousViolations(page, 'pool-lambda-triggers');
    described = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    expect(described.LambdaConfig).toEqual({ PreSignUp: fnArn });
    // The page let Cognito invoke the function for this pool (as the AWS console does), so the
    // trigger runs: a sign-up is confirmed by it. Adding a second trigger of the same function kept one statement.
    const statements = (JSON.parse((await lambdaClient(server).send(new GetPolicyCommand({ FunctionName: 'pre-sign-up' }))).Policy!) as { Statement: { Principal: unknown; Condition?: unknown }[] }).Statement;
    expect(statements).toEqual([expect.objectContaining({ Principal: { Service: 'cognito-idp.amazonaws.com' }, Condition: { ArnLike: { 'AWS:SourceArn': described.Arn } } })]);
    await idp.send(new SignUpCommand({ ClientId: clientId, Username: 'trigger-user', Password: 'Corr3ct-Horse-Battery!' }));
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'trigger-user' }))).UserStatus).toBe('CONFIRMED');
    expect(described.Policies?.SignInPolicy?.AllowedFirstAuthFactors?.sort()).toEqual(['PASSWORD', 'WEB_AUTHN']);

    // An OIDC identity provider.
    await page.getByRole('link', { name: 'Identity providers' }).click();
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByLabel('Provider name').fill('Corp');
    await page.getByLabel('Client ID').fill('corp-client');
    await page.getByLabel('Client secret').fill('corp-secret');
    await page.getByLabel('Issuer URL').fill('https://idp.example.test');
    await noSeriousViolations(page, 'pool-add-identity-provider');
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByRole('cell', { name: 'OpenID Connect (OIDC)', exact: true }).waitFor();
    const corp = (await idp.send(new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp' }))).IdentityProvider!;
    expect([corp.ProviderType, corp.ProviderDetails?.oidc_issuer, corp.ProviderDetails?.client_id, corp.ProviderDetails?.authorize_scopes, corp.AttributeMapping?.email]).toEqual(['OIDC', 'https://idp.example.test', 'corp-client', 'openid email', 'email']);

    // A resource server with a custom scope.
    await page.getByRole('link', { name: 'Resource servers' }).click();
    await page.getByRole('button', { name: 'Create resource server' }).click();
    await page.getByLabel('Resource server name').fill('Orders API');
    await page.getByLabel('Resource server identifier').fill('https://orders.example.test');
    await page.getByLabel('Scope name').fill('read');
    await page.getByLabel('Description').fill('Read orders');
    await page.getByRole('button', { name: 'Create resource server' }).click();
    await page.getByRole('cell', { name: 'https://orders.example.test/read', exact: true }).waitFor();
    await noSeriousViolations(page, 'pool-resource-servers');
    expect((await idp.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://orders.example.test' }))).ResourceServer?.Scopes).toEqual([{ ScopeName: 'read', ScopeDescription: 'Read orders' }]);

    // The app client's login pages, then its hosted UI.
    await page.getByRole('link', { name: 'App clients' }).click();
    await page.getByRole('link', { name: 'web' }).click();
    await page.getByLabel('Allowed callback URLs (one per line)').fill('http://localhost:3000/callback');
    await page.getByLabel('Allowed sign-out URLs (one per line)').fill('http://localhost:3000/');
    await page.getByLabel('Cognito user pool directory').check();
    await page.getByLabel('Corp').check();
    await page.getByLabel('Authorization code grant').check();
    await page.getByLabel('openid').check();
    await page.getByLabel('email', { exact: true }).check();
    await page.getByLabel('https://orders.example.test/read').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Login pages saved.' }).waitFor();
    await noSeriousViolations(page, 'app-client-login-pages');
    const client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!;
    expect([client.CallbackURLs, client.LogoutURLs, client.SupportedIdentityProviders, client.AllowedOAuthFlows, client.AllowedOAuthScopes?.sort(), client.AllowedOAuthFlowsUserPoolClient]).toEqual([
      ['http://localhost:3000/callback'], ['http://localhost:3000/'], ['COGNITO', 'Corp'], ['code'], ['email', 'https://orders.example.test/read', 'openid'], true,
    ]);
    const login = await page.getByRole('link', { name: 'View login page' }).getAttribute('href');
    const hosted = await page.context().newPage();
    const res = await hosted.goto(login!);
    expect(res?.status()).toBe(200);
    await hosted.getByRole('button', { name: /Sign in|Corp/ }).first().waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
