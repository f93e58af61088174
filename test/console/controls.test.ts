/**
 * The console's controls the walkthrough does not reach (issue 13), in Chromium by accessible
 * names, each result read back with SDK v3: users filtered by name, "Confirm" of a self-signed-up
 * user, "Delete" after the browser's confirmation; a role's inline policy whose refusal is IAM's
 * own message, then saved; a file dropped onto a bucket's page and uploaded, downloaded by its
 * link, deleted from "Actions"; "Error document"; "Block public access" and a "Bucket policy"
 * (S3's message for a malformed one). Pages scanned by axe.
 */
import { AdminCreateUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, ListUsersCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetBucketPolicyCommand, GetBucketWebsiteCommand, GetObjectCommand, GetPublicAccessBlockCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoIdentityTrustPolicy } from '../../src/demo/provision.js';
import { REGION, type TestServer } from '../support/gatehouse.js';
import { noSeriousViolations, startConsole, stopConsole } from './support.js';

const BUCKET = 'controls-bucket';
let server: TestServer;
let browser: Browser;
beforeAll(async () => ({ server, browser } = await startConsole()), 60_000);
afterAll(() => stopConsole(server, browser));

const refusal = (p: Promise<unknown>): Promise<string> => p.then(() => 'accepted', (e: Error) => e.message);

describe('the console\'s other controls', () => {
  it('confirms and deletes users, edits inline and bucket policies, takes a dropped file', async () => {
    const { url, credentials } = server;
    const idp = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials });
    const iam = new IAMClient({ endpoint: url, region: REGION, credentials });
    const s3 = new S3Client({ endpoint: url, region: REGION, credentials, forcePathStyle: true });
    const poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'ControlsPool' }))).UserPool!.Id!;
    const clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web' }))).UserPoolClient!.ClientId!;
    await new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }).send(new SignUpCommand({ ClientId: clientId, Username: 'bob', Password: 'Corr3ct-Horse!' }));
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'carl', MessageAction: 'SUPPRESS' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'ControlsRole', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy('us-east-1:00000000-0000-0000-0000-000000000000', 'authenticated') }));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    await page.goto(url + '/');
    await page.getByLabel('Access key ID').fill(credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Users: filter, "Confirm", "Delete" (after the browser's confirm dialog).
    await page.getByRole('link', { name: 'ControlsPool' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('cell', { name: 'carl', exact: true }).waitFor();
    await page.getByLabel('Filter by username').fill('bo');
    await page.getByRole('cell', { name: 'carl', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Confirm bob' }).click();
    await page.getByRole('row').filter({ hasText: 'bob' }).getByRole('cell', { name: 'CONFIRMED', exact: true }).waitFor();
    await page.getByLabel('Filter by username').fill('');
    await page.getByRole('button', { name: 'Delete carl' }).click();
    await page.getByRole('cell', { name: 'carl', exact: true }).waitFor({ state: 'detached' });
    const users = (await idp.send(new ListUsersCommand({ UserPoolId: poolId }))).Users ?? [];
    expect(users.map((u) => [u.Username, u.UserStatus])).toEqual([['bob', 'CONFIRMED']]);

    // An inline policy without a Resource: IAM's refusal as IAM words it; then a valid one.
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('link', { name: 'ControlsRole' }).click();
    const inline = page.getByRole('form', { name: 'Inline policy' });
    const noResource = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] });
    await inline.getByLabel('Policy name').fill('read-objects');
    await inline.getByLabel('Policy document (JSON)').fill(noResource);
    await inline.getByRole('button', { name: 'Save policy' }).click();
    const iamSays = await refusal(iam.send(new PutRolePolicyCommand({ RoleName: 'ControlsRole', PolicyName: 'read-objects', PolicyDocument: noResource })));
    expect(iamSays).not.toBe('accepted');
    await expect.poll(() => inline.getByRole('alert').textContent(), { timeout: 10_000 }).toBe(iamSays);
    const readObjects = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] };
    await inline.getByLabel('Policy document (JSON)').fill(JSON.stringify(readObjects, null, 2));
    await inline.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('button', { name: 'read-objects', exact: true }).waitFor();
    await noSeriousViolations(page, 'role-inline-policy');
    const saved = await iam.send(new GetRolePolicyCommand({ RoleName: 'ControlsRole', PolicyName: 'read-objects' }));
    expect(JSON.parse(decodeURIComponent(saved.PolicyDocument!))).toEqual(readObjects);

    // A file dropped onto the bucket's page, uploaded, downloaded by its link, deleted.
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByRole('link', { name: BUCKET }).click();
    await page.getByRole('heading', { name: 'Objects' }).waitFor();
    // A DataTransfer made in the page, as a drag from the desktop brings (the DOM's, so as text).
    const dropped = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped by a test\\n'], 'notes.txt', { type: 'text/plain' }));
      return dt;
    })()`);
    await page.dispatchEvent('section.objects', 'dragover', { dataTransfer: dropped });
    await page.dispatchEvent('section.objects', 'drop', { dataTransfer: dropped });
    await page.getByRole('list', { name: 'Files to upload' }).getByText('notes.txt').waitFor();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Uploaded 1 file.' }).waitFor();
    const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes.txt' }))).Body!.transformToString();
    expect(body).toBe('dropped by a test\n');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download notes.txt' }).click()]);
    expect([download.suggestedFilename(), fs.readFileSync(await download.path(), 'utf8')]).toEqual(['notes.txt', 'dropped by a test\n']);
    await page.getByLabel('Select notes.txt').check();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted 1 object.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Actions' }).isDisabled()).toBe(true);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);

    // "Static website hosting" with an "Error document".
    await page.getByRole('link', { name: 'Properties' }).click();
    await page.getByLabel('Enable').check();
    await page.getByLabel('Index document').fill('index.html');
    await page.getByLabel('Error document').fill('error.html');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('dt:has-text("Endpoint") + dd a').waitFor();
    expect((await s3.send(new GetBucketWebsiteCommand({ Bucket: BUCKET }))).ErrorDocument?.Key).toBe('error.html');

    // "Permissions": every Block Public Access setting off; a malformed, then a valid bucket policy.
    await page.getByRole('link', { name: 'Permissions' }).click();
    const block = page.getByRole('form', { name: 'Block public access' });
    await block.getByRole('button', { name: 'Save block public access' }).waitFor();
    for (const box of await block.getByRole('checkbox').all()) await box.uncheck();
    await block.getByRole('button', { name: 'Save block public access' }).click();
    await page.getByRole('status').filter({ hasText: 'Block public access saved.' }).waitFor();
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    const policyForm = page.getByRole('form', { name: 'Bucket policy' });
    const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    await policyForm.getByLabel('Bucket policy (JSON)').fill(noPrincipal);
    await policyForm.getByRole('button', { name: 'Save bucket policy' }).click();
    const s3Says = await refusal(s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: noPrincipal })));
    expect(s3Says).not.toBe('accepted');
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 10_000 }).toBe(s3Says);
    const publicRead = { Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] };
    await policyForm.getByLabel('Bucket policy (JSON)').fill(JSON.stringify(publicRead, null, 2));
    await policyForm.getByRole('button', { name: 'Save bucket policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Bucket policy saved.' }).waitFor();
    await noSeriousViolations(page, 'bucket-permissions');
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!)).toEqual(publicRead);
    expect(errors).toEqual([]);
  }, 120_000);
});
