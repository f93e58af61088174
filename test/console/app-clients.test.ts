/**
 * An app client's auth flows and token expirations in the console (issue 13), in Chromium by
 * accessible names: "Add an app client" with "Generate client secret", the "Auth Flows
 * Configuration" checkboxes and the three expirations → "Create app client"; then the client's
 * "App client information" changed (a refused lifetime shows Cognito's own message and writes
 * nothing). Read back with SDK v3, and proved by real sign-ins: USER_PASSWORD_AUTH (with the
 * generated secret's SECRET_HASH) works once allowed, and the access token lives as long as set.
 * The login-page settings the form does not show survive its UpdateUserPoolClient.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, type TestServer } from '../support/gatehouse.js';
import { noSeriousViolations, startConsole, stopConsole } from './support.js';

const PASSWORD = 'Corr3ct-Horse!';
let server: TestServer;
let browser: Browser;
beforeAll(async () => ({ server, browser } = await startConsole()), 60_000);
afterAll(() => stopConsole(server, browser));

/** The access token's lifetime in seconds (exp − iat). */
function accessLifetime(token: string): number {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
  return claims.exp - claims.iat;
}

describe('app clients in the console', () => {
  it('creates and changes an app client\'s auth flows and token expirations', async () => {
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'ClientsPool' }))).UserPool!.Id!;
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'dana', MessageAction: 'SUPPRESS' }));
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'dana', Password: PASSWORD, Permanent: true }));

    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'ClientsPool' }).click();
    await page.getByRole('link', { name: 'App clients' }).click();
    await page.getByRole('button', { name: 'Add an app client' }).click();
    const form = page.getByRole('form', { name: 'Add an app client' });
    await form.getByLabel('App client name').fill('backend');
    expect(await form.getByLabel('Generate client secret').isChecked()).toBe(true);
    await form.getByLabel('(ALLOW_USER_PASSWORD_AUTH)').check();
    await form.getByLabel('(ALLOW_USER_SRP_AUTH)').uncheck();
    await form.getByLabel('Refresh token expiration (days)').fill('10');
    await form.getByLabel('Access token expiration (minutes)').fill('15');
    await form.getByLabel('ID token expiration (minutes)').fill('30');
    await noSeriousViolations(page, 'add-app-client');
    await form.getByRole('button', { name: 'Create app client' }).click();
    const clientId = (await page.locator('.notice dt:has-text("App client id") + dd code').textContent()) ?? '';
    expect(clientId).toMatch(/^[a-z0-9]{26}$/);

    let client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!;
    expect([client.ClientName, client.ExplicitAuthFlows?.sort(), client.RefreshTokenValidity, client.AccessTokenValidity, client.IdTokenValidity, client.TokenValidityUnits]).toEqual([
      'backend', ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH'], 10, 15, 30, { RefreshToken: 'days', AccessToken: 'minutes', IdToken: 'minutes' },
    ]);
    expect(client.ClientSecret).toMatch(/^[a-z0-9]{51}$/);
    const secretHash = createHmac('sha256', client.ClientSecret!).update(`dana${clientId}`).digest('base64');
    const signIn = () => idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'dana', PASSWORD, SECRET_HASH: secretHash } }));
    expect(accessLifetime((await signIn()).AuthenticationResult!.AccessToken!)).toBe(15 * 60);

    // Login-page settings set elsewhere must survive the page's UpdateUserPoolClient.
    const { ClientSecret: _secret, UserPoolId: _pool, ClientId: _client, CreationDate: _c, LastModifiedDate: _m, ...rest } = client;
    await idp.send(new UpdateUserPoolClientCommand({ ...rest, UserPoolId: poolId, ClientId: clientId, CallbackURLs: ['https://app.example.test/cb'], AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO'] }));

    await page.getByRole('link', { name: 'backend' }).click();
    const info = page.getByRole('form', { name: 'App client information' });
    await expect.poll(() => info.getByLabel('Access token expiration (minutes)').inputValue(), { timeout: 10_000 }).toBe('15');
    expect(await info.getByLabel('(ALLOW_USER_PASSWORD_AUTH)').isChecked()).toBe(true);
    // Two minutes is below Cognito's five: its message, and nothing written.
    await info.getByLabel('Access token expiration (minutes)').fill('2');
    await info.getByRole('button', { name: 'Save app client information' }).click();
    const refused = await idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, AccessTokenValidity: 2, TokenValidityUnits: { AccessToken: 'minutes' } })).then(() => 'accepted', (e: Error) => e.message);
    expect(refused).not.toBe('accepted');
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 10_000 }).toBe(refused);
    expect((await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!.AccessTokenValidity).toBe(15);

    await info.getByLabel('Access token expiration (minutes)').fill('120');
    await info.getByLabel('(ALLOW_USER_SRP_AUTH)').check();
    await info.getByLabel('(ALLOW_USER_PASSWORD_AUTH)').uncheck();
    await info.getByRole('button', { name: 'Save app client information' }).click();
    await page.getByRole('status').filter({ hasText: 'App client information saved.' }).waitFor();
    await noSeriousViolations(page, 'app-client-information');
    client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))).UserPoolClient!;
    expect([client.ExplicitAuthFlows?.sort(), client.AccessTokenValidity, client.RefreshTokenValidity, client.CallbackURLs, client.AllowedOAuthFlows]).toEqual([
      ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'], 120, 10, ['https://app.example.test/cb'], ['code'],
    ]);
    await expect(signIn()).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect((await idp.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 10 }))).UserPoolClients?.length).toBe(1);
    expect(errors).toEqual([]);
  }, 120_000);
});
