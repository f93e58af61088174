/**
 * A SAML identity provider added in the console (issue 13; SAML federation landed later), in
 * Chromium by accessible names: "Identity providers" → "Add identity provider" → "SAML" shows the
 * pool's "Entity ID" and "Assertion consumer service (ACS) URL" for the provider's side; one
 * provider from an uploaded "Metadata document", one from its "Metadata document endpoint URL"
 * (a URL that answers 404 first: Cognito's own message, nothing stored) with "Add sign-out flow"
 * and the e-mail attribute mapped. Read back with SDK v3 (the SSO endpoint the metadata names),
 * then a person signs in through the hosted UI with the URL-registered provider (the test's own
 * SAML IdP, signed Responses) and arrives as `Corp_<NameID>` with the mapped address.
 */
import { AdminGetUserCommand, CognitoIdentityProviderClient, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, CreateUserPoolDomainCommand, DescribeIdentityProviderCommand } from '@aws-sdk/client-cognito-identity-provider';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { launchChromium } from '../support/browser.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';
import { startTestIdp, type TestIdp } from '../services/cognito-idp/saml-test-idp.js';
import { ARTIFACTS, noSeriousViolations } from './support.js';

const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const CALLBACK = 'http://127.0.0.1:9/callback';
const PREFIX = 'console-saml';
let server: TestServer;
let browser: Browser;
let saml: TestIdp;
let poolId: string;
beforeAll(async () => {
  await buildConsole(path.resolve(import.meta.dirname, '..', '..'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'SamlPool' }))).UserPool!.Id!;
  await idp.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: PREFIX }));
  saml = await startTestIdp(`urn:amazon:cognito:sp:${poolId}`, (user) => ({ [EMAIL]: `${user}@corp.example` }));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await saml?.close();
  await server?.close();
});

describe('SAML identity providers in the console', () => {
  it('adds SAML providers by metadata file and URL, and one signs a person in', async () => {
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'SamlPool' }).click();
    await page.getByRole('link', { name: 'Identity providers' }).click();

    // From an uploaded metadata document.
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    const form = page.getByRole('form', { name: 'Add identity provider' });
    await form.getByLabel('SAML', { exact: true }).check();
    const port = new URL(server.url).port;
    expect(await form.locator('dt:has-text("Entity ID") + dd code').textContent()).toBe(`urn:amazon:cognito:sp:${poolId}`);
    expect(await form.locator('dt:has-text("Assertion consumer service (ACS) URL") + dd code').textContent()).toBe(`http://${PREFIX}.${server.gatehouse.config.authHostSuffix}:${port}/saml2/idpresponse`);
    await form.getByLabel('Provider name').fill('Files');
    await form.getByLabel('Metadata document', { exact: true }).setInputFiles({ name: 'metadata.xml', mimeType: 'application/xml', buffer: Buffer.from(saml.metadata) });
    await noSeriousViolations(page, 'pool-add-saml-provider');
    await form.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByRole('row').filter({ hasText: 'Files' }).getByRole('cell', { name: 'SAML', exact: true }).waitFor();
    const files = (await idp.send(new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Files' }))).IdentityProvider!;
    expect([files.ProviderType, files.ProviderDetails?.MetadataFile, files.ProviderDetails?.SSORedirectBindingURI]).toEqual(['SAML', saml.metadata, `${saml.url}/sso`]);

    // From its URL: one that answers 404 first (Cognito's message, nothing stored), then the right one.
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    await form.getByLabel('SAML', { exact: true }).check();
    await form.getByLabel('Provider name').fill('Corp');
    await form.getByLabel('Enter metadata document endpoint URL').check();
    await form.getByLabel('Metadata document endpoint URL', { exact: true }).fill(`${saml.url}/missing`);
    await form.getByLabel('Add sign-out flow').check();
    await form.getByLabel('SAML attribute for email').fill(EMAIL);
    await form.getByRole('button', { name: 'Add identity provider' }).click();
    const refused = await idp.send(new CreateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${saml.url}/missing` } })).then(() => 'accepted', (e: Error) => e.message);
    expect(refused).toMatch(/^Non-ok status code 404/);
    await expect.poll(() => form.getByRole('alert').textContent(), { timeout: 10_000 }).toBe(refused);
    await form.getByLabel('Metadata document endpoint URL', { exact: true }).fill(`${saml.url}/metadata`);
    await form.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByRole('row').filter({ hasText: 'Corp' }).getByRole('cell', { name: 'SAML', exact: true }).waitFor();
    const corp = (await idp.send(new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp' }))).IdentityProvider!;
    expect([corp.ProviderDetails?.MetadataURL, corp.ProviderDetails?.IDPSignout, corp.AttributeMapping?.email]).toEqual([`${saml.url}/metadata`, 'true', EMAIL]);
    expect(errors).toEqual([]);

    // A person signs in with Corp through the hosted UI and arrives with the mapped address.
    const client = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO', 'Corp'] }))).UserPoolClient!;
    const context = await browser.newContext();
    await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
    const person = await context.newPage();
    await person.goto(`${server.url}/_auth/${PREFIX}/login?${new URLSearchParams({ client_id: client.ClientId!, response_type: 'code', scope: 'openid email', redirect_uri: CALLBACK }).toString()}`);
    await person.getByRole('link', { name: 'Continue with Corp' }).click();
    await person.getByLabel('Username').fill('jane');
    await person.getByRole('button', { name: 'Sign in' }).click();
    await person.getByRole('button', { name: 'Continue' }).click();
    await person.waitForURL((u) => u.toString().startsWith(CALLBACK));
    expect(new URL(person.url()).searchParams.get('code')).toMatch(/.+/);
    await context.close();
    const jane = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'Corp_jane' }));
    expect([jane.UserStatus, jane.UserAttributes?.find((a) => a.Name === 'email')?.Value]).toEqual(['EXTERNAL_PROVIDER', 'jane@corp.example']);
  }, 120_000);
});
