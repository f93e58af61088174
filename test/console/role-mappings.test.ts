/**
 * Rule-based identity-pool role mappings set in the console (issue 13), in Chromium by
 * accessible names: "Edit identity pool" → "Authenticated role selection" → "Choose role with
 * rules", rules of "Claim", "Match type", "Value" and "Role" ("Add another rule", "Remove"),
 * "Role resolution" DENY → "Save role mappings". A refused rule shows cognito-identity's own
 * message and changes nothing; the saved mapping is read back with SDK v3 and then decides real
 * sign-ins: identity-pool credentials (the SDK's fromCognitoIdentityPool) for a user in the
 * admins group carry the Admin role, a user matched by e-mail the Reader role, and a user no rule
 * matches is refused. Each page state is screenshotted and scanned by axe.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetIdentityPoolRolesCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoIdentityTrustPolicy } from '../../src/demo/provision.js';
import { REGION, type TestServer } from '../support/gatehouse.js';
import { noSeriousViolations, startConsole, stopConsole } from './support.js';

const PASSWORD = 'Corr3ct-Horse!';
let server: TestServer;
let browser: Browser;
beforeAll(async () => ({ server, browser } = await startConsole()), 60_000);
afterAll(() => stopConsole(server, browser));

describe('identity-pool role mappings in the console', () => {
  it('sets rule-based role mappings that decide the role of each signed-in user', async () => {
    const { credentials, url } = server;
    const idp = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials });
    const identity = new CognitoIdentityClient({ endpoint: url, region: REGION, credentials });
    const iam = new IAMClient({ endpoint: url, region: REGION, credentials });
    const poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'RulesPool', AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
    const clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    const provider = `cognito-idp.${REGION}.amazonaws.com/${poolId}`;
    const identityPoolId = (await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'RulesIdentities', AllowUnauthenticatedIdentities: false, CognitoIdentityProviders: [{ ProviderName: provider, ClientId: clientId }] }))).IdentityPoolId!;
    const arn: Record<string, string> = {};
    for (const name of ['RulesAuth', 'RulesAdmin', 'RulesReader']) {
      arn[name] = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'authenticated') }))).Role!.Arn!;
    }
    const roles = { authenticated: arn.RulesAuth! };
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: roles }));
    await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admins' }));
    for (const user of ['alice', 'bob', 'carol']) {
      await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: user, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `${user}@example.com` }, { Name: 'email_verified', Value: 'true' }] }));
      await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: user, Password: PASSWORD, Permanent: true }));
    }
    await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'alice', GroupName: 'admins' }));

    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url + '/');
    await page.getByLabel('Access key ID').fill(credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Manage Identity Pools' }).click();
    await page.getByRole('link', { name: 'RulesIdentities' }).click();
    await page.getByRole('link', { name: 'Edit identity pool' }).click();

    const mappings = page.getByRole('form', { name: 'Role mappings' });
    await mappings.getByLabel('Authenticated role selection').selectOption({ label: 'Choose role with rules' });
    const rule = (n: number) => mappings.getByRole('group', { name: `Rule ${n}` });
    // A claim name with a space: cognito-identity refuses it, and the page says so in its words.
    await rule(1).getByLabel('Claim').fill('my groups');
    await rule(1).getByLabel('Match type').selectOption({ label: 'Contains' });
    await rule(1).getByLabel('Value').fill('admins');
    await rule(1).getByLabel('Role').selectOption({ label: 'RulesAdmin' });
    await mappings.getByLabel('Role resolution').selectOption({ label: 'DENY' });
    await page.getByRole('button', { name: 'Save role mappings' }).click();
    const bad = { [`${provider}:${clientId}`]: { Type: 'Rules' as const, AmbiguousRoleResolution: 'Deny' as const, RulesConfiguration: { Rules: [{ Claim: 'my groups', MatchType: 'Contains' as const, Value: 'admins', RoleARN: arn.RulesAdmin! }] } } };
    const refused = await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: roles, RoleMappings: bad })).then(() => 'accepted', (e: Error) => e.message);
    expect(refused).not.toBe('accepted');
    await expect.poll(() => mappings.getByRole('alert').textContent(), { timeout: 10_000 }).toBe(refused);
    expect((await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }))).RoleMappings ?? {}).toEqual({});

    // Rule 1: the admins group; rule 2: bob's address; a third rule added, then removed.
    await rule(1).getByLabel('Claim').fill('cognito:groups');
    await mappings.getByRole('button', { name: 'Add another rule' }).click();
    await rule(2).getByLabel('Claim').fill('email');
    await rule(2).getByLabel('Value').fill('bob@example.com');
    await rule(2).getByLabel('Role').selectOption({ label: 'RulesReader' });
    await mappings.getByRole('button', { name: 'Add another rule' }).click();
    await rule(3).getByLabel('Claim').fill('custom:unused');
    await page.getByRole('button', { name: 'Remove rule 3' }).click();
    await rule(3).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save role mappings' }).click();
    await page.getByRole('status').filter({ hasText: 'Role mappings saved.' }).waitFor();
    await noSeriousViolations(page, 'role-mapping-rules');

    const saved = await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }));
    expect(saved.Roles).toEqual(roles);
    expect(saved.RoleMappings).toEqual({
      [`${provider}:${clientId}`]: {
        Type: 'Rules',
        AmbiguousRoleResolution: 'Deny',
        RulesConfiguration: { Rules: [{ Claim: 'cognito:groups', MatchType: 'Contains', Value: 'admins', RoleARN: arn.RulesAdmin }, { Claim: 'email', MatchType: 'Equals', Value: 'bob@example.com', RoleARN: arn.RulesReader }] },
      },
    });

    // The page shows the saved rules again after a reload.
    await page.reload();
    await expect.poll(() => rule(2).getByLabel('Value').inputValue(), { timeout: 10_000 }).toBe('bob@example.com');
    expect(await mappings.getByLabel('Authenticated role selection').inputValue()).toBe('Rules');
    expect(await rule(1).getByLabel('Role').inputValue()).toBe(arn.RulesAdmin);

    // The mapping decides: each user's identity-pool credentials, asked of STS who they are.
    const roleOf = async (username: string): Promise<string> => {
      const auth = await idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
      const creds = fromCognitoIdentityPool({ identityPoolId, logins: { [provider]: auth.AuthenticationResult!.IdToken! }, clientConfig: { endpoint: url, region: REGION } });
      const who = await new STSClient({ endpoint: url, region: REGION, credentials: creds }).send(new GetCallerIdentityCommand({}));
      return who.Arn!.split('/')[1]!;
    };
    expect(await roleOf('alice')).toBe('RulesAdmin');
    expect(await roleOf('bob')).toBe('RulesReader');
    await expect(roleOf('carol')).rejects.toThrow(/ambiguous role mapping rules/);

    // Back to the default role: the mapping goes, the roles stay.
    await mappings.getByLabel('Authenticated role selection').selectOption({ label: 'Use default role' });
    await page.getByRole('button', { name: 'Save role mappings' }).click();
    await page.getByRole('status').filter({ hasText: 'Role mappings saved.' }).waitFor();
    const cleared = await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }));
    expect([cleared.RoleMappings ?? {}, cleared.Roles]).toEqual([{}, roles]);
    expect(await roleOf('carol')).toBe('RulesAuth');
    expect(errors).toEqual([]);
  }, 120_000);
});
