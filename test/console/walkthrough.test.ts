/**
 * The walkthrough's whole set-up through the console only, in Debian's Chromium, by accessible
 * names in the walkthrough's words (issue 13): sign in; "Create user pool" → "Pool name" →
 * "Review defaults" → "Create pool", the "Pool Id"; "Add an app client" without "Generate client
 * secret" → the "App client id"; "Manage Identity Pools" → "Create new identity pool" with the
 * "Cognito" provider → "Create Pool" → "Allow", the "Identity pool ID"; the Auth role → "Attach
 * policies" → "AmazonS3FullAccess"; "Create bucket", "Static website hosting" → "Endpoint",
 * "CORS configuration", "Upload" of the walkthrough's index.html and script folder, "Make public".
 * What was created is checked with the SDK v3 clients; then the walkthrough's own page, served
 * at that endpoint, registers (code read from the console's "Outbox"), verifies, logs in and lists
 * the bucket; a guest's denied call shows in "Access decisions"; the seed user gets a group and
 * "Reset password". Each page is screenshotted and scanned by axe (no serious violations).
 */
import { AdminListGroupsForUserCommand, CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, DescribeIdentityPoolCommand, GetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetBucketCorsCommand, GetObjectAclCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePage } from '../../src/demo/page.js';
import { cognitoIdentityTrustPolicy } from '../../src/demo/provision.js';
import { REGION, type TestServer } from '../support/gatehouse.js';
import { ARTIFACTS, noSeriousViolations, startConsole, stopConsole } from './support.js';

/** The walkthrough's own index.html (the seed's, unchanged), as its reader downloads it. */
const SEED_PAGE = path.resolve(import.meta.dirname, '..', 'fixtures', 'walkthrough-index.html');
const BUCKET = 'msn-web-app';
const PASSWORD = 'Corr3ct-Horse!';
/** The CORS configuration the walkthrough pastes (its JSON form). */
const WALKTHROUGH_CORS = [{ AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], AllowedOrigins: ['*'], ExposeHeaders: [] }];
let server: TestServer;
let browser: Browser;
beforeAll(async () => ({ server, browser } = await startConsole()), 60_000);
afterAll(() => stopConsole(server, browser));

describe('the console in Chromium', () => {
  it('does the walkthrough\'s whole set-up by clicking, then the seed app works against it', async () => {
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

    // 3. S3: "Create bucket" → "Bucket name", "Set permissions" (ACLs on, public access allowed).
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByRole('link', { name: 'Create bucket' }).click();
    await page.getByLabel('Bucket name').fill(BUCKET);
    await page.getByLabel('ACLs enabled').check();
    await page.getByLabel('Block all public access').uncheck();
    await noSeriousViolations(page, 'create-bucket');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('heading', { name: 'Objects' }).waitFor();

    // 3.5 "Properties" → "Static website hosting" → "Index document" → the "Endpoint".
    await page.getByRole('link', { name: 'Properties' }).click();
    await page.getByLabel('Enable').check();
    await page.getByLabel('Index document').fill('index.html');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const endpoint = (await page.locator('dt:has-text("Endpoint") + dd a').getAttribute('href')) ?? '';
    expect(endpoint).toBe(`http://${BUCKET}.${server.gatehouse.config.websiteHostSuffix}:${new URL(server.url).port}/`);
    await noSeriousViolations(page, 'static-website-hosting');

    // 3.6 "Permissions" → "CORS configuration": the JSON the walkthrough pastes → "Save".
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.getByRole('textbox', { name: 'CORS configuration' }).fill(JSON.stringify(WALKTHROUGH_CORS, null, 2));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'CORS configuration saved.' }).waitFor();
    await noSeriousViolations(page, 'permissions');

    // 4.2–4.4 The seed page, ids filled in, and its script folder: "Upload", then "Make public".
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'console-site-'));
    const prepared = preparePage(fs.readFileSync(SEED_PAGE, 'utf8'), { userPoolId: poolId, clientId, region: REGION, identityPoolId, endpoint: server.url });
    expect(prepared.missingPlaceholders).toEqual([]);
    fs.writeFileSync(path.join(site, 'index.html'), prepared.html);
    fs.mkdirSync(path.join(site, 'script'));
    for (const [key, file] of prepared.scripts) fs.copyFileSync(file, path.join(site, key));
    await page.getByRole('link', { name: 'Objects' }).click();
    await page.getByLabel('Add files').setInputFiles(path.join(site, 'index.html'));
    await page.getByLabel('Add folder').setInputFiles(path.join(site, 'script'));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Uploaded 5 files.' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'script/' }).waitFor();
    await page.getByLabel('Select all objects').check();
    await page.getByRole('button', { name: 'script/' }).click();
    // The folder's listing arrives after the click: select all only once it shows.
    await page.getByLabel(`Select ${[...prepared.scripts.keys()][0]!.slice('script/'.length)}`).waitFor();
    await page.getByLabel('Select all objects').check();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Make public' }).click();
    await page.getByRole('status').filter({ hasText: 'Made 4 objects public.' }).waitFor();
    await page.getByRole('button', { name: BUCKET }).click();
    await page.getByLabel('Select index.html').check();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Make public' }).click();
    await page.getByRole('status').filter({ hasText: 'Made 1 object public.' }).waitFor();
    await noSeriousViolations(page, 'objects');

    const s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual(['index.html', ...[...prepared.scripts.keys()].sort()]);
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules?.[0]?.AllowedOrigins).toEqual(['*']);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'script/jquery.min.js' }));
    expect(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ')).toBe(true);

    // 4.5 The seed app at the "Endpoint": register, the code from the console's "Outbox", verify,
    // log in (SRP, then Identity Pool credentials), list the bucket's objects.
    const app = await (await browser.newContext()).newPage();
    const log = app.locator('#log');
    await app.goto(endpoint);
    await log.filter({ hasText: 'Session expired. Please log in again.' }).waitFor();
    await app.click('#registerButton');
    await app.fill('#emailInput', 'msn@example.com');
    await app.fill('#userNameInput', 'msnuser');
    await app.fill('#passwordInput', PASSWORD);
    await app.fill('#confirmPasswordInput', PASSWORD);
    await app.click('#registerButton');
    await log.filter({ hasText: 'Registration Successful!' }).waitFor({ timeout: 15_000 });

    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.getByLabel('Filter by address').fill('msn@example.com');
    const code = (await page.getByLabel('Code for msn@example.com').first().textContent({ timeout: 15_000 })) ?? '';
    expect(code).toMatch(/^\d{6}$/);
    await noSeriousViolations(page, 'outbox');

    await app.fill('#verificationCodeInput', code);
    await app.click('#verifyCodeButton');
    await log.filter({ hasText: 'Successfully verified code!' }).waitFor({ timeout: 15_000 });
    await app.fill('#userNameInput', 'msnuser');
    await app.fill('#passwordInput', PASSWORD);
    await app.click('#logInButton');
    await log.filter({ hasText: /AWS Access Key: ASIA[A-Z2-7]{16}/ }).waitFor({ timeout: 20_000 });
    await app.fill('#bucketNameInput', BUCKET);
    await app.click('#listS3ObjectsButton');
    await log.filter({ hasText: '====== S3 Bucket Objects ======' }).waitFor({ timeout: 15_000 });
    const listed = (await log.innerText()).split('\n');
    for (const key of keys) expect(listed).toContain(key);
    await app.screenshot({ path: path.join(ARTIFACTS, 'seed-app.png'), fullPage: true });
    await app.context().close();

    // A guest (the Unauth role) may not list the bucket: "Access decisions" says why, linked to the role.
    const guest = await fromCognitoIdentityPool({ identityPoolId, clientConfig: { endpoint: server.url, region: REGION } })();
    await expect(new S3Client({ endpoint: server.url, region: REGION, credentials: guest, forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await page.getByRole('link', { name: 'Access decisions' }).click();
    const row = page.getByRole('row').filter({ hasText: 's3:ListBucket' }).first();
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('(implicit deny: no identity-based policy allows it)');
    expect(await row.getByRole('link', { name: /Cognito_MSNIdentityPoolUnauth_Role/ }).getAttribute('href')).toBe('#/iam/roles/Cognito_MSNIdentityPoolUnauth_Role');
    expect(await row.getByRole('link', { name: `arn:aws:s3:::${BUCKET}` }).getAttribute('href')).toBe(`#/s3/buckets/${BUCKET}/permissions`);
    await noSeriousViolations(page, 'access-decisions');

    // The seed app's user in the console: a group, membership, "Reset password".
    await page.getByRole('link', { name: 'Manage User Pools' }).click();
    await page.getByRole('link', { name: 'MSNUserPool' }).click();
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('Group name').fill('admins');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('listitem').filter({ hasText: 'admins' }).waitFor();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Groups of msnuser' }).click();
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByRole('button', { name: 'Remove msnuser from admins' }).waitFor();
    await page.getByRole('button', { name: 'Reset password of msnuser' }).click();
    await page.getByRole('row').filter({ hasText: 'msnuser' }).getByRole('cell', { name: 'RESET_REQUIRED' }).waitFor();
    const groups = await new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'msnuser' }));
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['admins']);
    await page.getByLabel('Username', { exact: true }).fill('alice');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Disable alice' }).click();
    await page.getByRole('button', { name: 'Enable alice' }).waitFor();
    await noSeriousViolations(page, 'users');

    // "Edit identity pool" → role mappings: "Choose role from token", "Role resolution" DENY.
    await page.getByRole('link', { name: 'Manage Identity Pools' }).click();
    await page.getByRole('link', { name: 'MSNIdentityPool' }).click();
    await page.getByRole('link', { name: 'Edit identity pool' }).click();
    await page.getByLabel('Authenticated role selection').selectOption({ label: 'Choose role from token' });
    await page.getByLabel('Role resolution').selectOption({ label: 'DENY' });
    await page.getByRole('button', { name: 'Save role mappings' }).click();
    await page.getByRole('status').filter({ hasText: 'Role mappings saved.' }).waitFor();
    await noSeriousViolations(page, 'role-mappings');
    const mapped = await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }));
    expect(mapped.RoleMappings).toEqual({ [`cognito-idp.${REGION}.amazonaws.com/${poolId}:${clientId}`]: { Type: 'Token', AmbiguousRoleResolution: 'Deny' } });
    expect(mapped.Roles).toEqual(roles);

    // A file above 16 MiB goes up as a multipart upload (parts of 8 MiB) from the same "Upload".
    const big = path.join(site, 'video.bin');
    fs.writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 1));
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByRole('link', { name: BUCKET }).click();
    await page.getByLabel('Add files').setInputFiles(big);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Uploaded 1 file.' }).waitFor({ timeout: 60_000 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'video.bin' }));
    expect([head.ContentLength, head.ETag?.endsWith('-3"')]).toEqual([17 * 1024 * 1024, true]);
    fs.rmSync(site, { recursive: true, force: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // Chromium logs every non-2xx answer: the wrong sign-in (401) and S3's 404s for a bucket's
    // unset website, policy and CORS configuration, which the console passes through as S3 gives them.
    expect(errors.filter((e) => !e.includes('status of 401') && !e.includes('status of 404'))).toEqual([]);
  }, 180_000);
});
