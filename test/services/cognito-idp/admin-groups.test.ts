/**
 * Administrators' view through SDK v3: groups and the claims they put in tokens, ListUsers
 * filters and paging, AdminCreateUser invitations by mail, attribute and state changes; and
 * the token verifier other services (Identity Pools) call.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminResetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  SignUpCommand,
  UpdateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCognitoIdpService, TokenVerificationError, type UserPoolTokenVerifier } from '../../../src/services/cognito-idp/index.js';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, confirmedUser, errorOf, idp, PASSWORD, createPool, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;

beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
});
afterAll(() => closeAll(server, smtp));

const ROLE = (name: string) => `arn:aws:iam::000000000000:role/${name}`;

async function idClaims(username: string, password = PASSWORD): Promise<Record<string, unknown>> {
  const out = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  return JSON.parse(Buffer.from(out.AuthenticationResult!.IdToken!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('groups', () => {
  it('creates, reads, updates, lists and deletes groups', async () => {
    const c = idp(server);
    const created = await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'admins', Description: 'Admins', RoleArn: ROLE('Admin'), Precedence: 1 }));
    expect(created.Group).toMatchObject({ GroupName: 'admins', UserPoolId: pool.poolId, Description: 'Admins', RoleArn: ROLE('Admin'), Precedence: 1 });
    expect(created.Group?.CreationDate).toBeInstanceOf(Date);
    expect(await errorOf(c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'admins' })))).toMatchObject({ name: 'GroupExistsException', message: 'A group with the name admins already exists.' });
    await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'readers' }));
    const updated = await c.send(new UpdateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'readers', Precedence: 5 }));
    expect(updated.Group).toMatchObject({ GroupName: 'readers', Precedence: 5 });
    expect(updated.Group?.RoleArn).toBeUndefined();

    const page1 = await c.send(new ListGroupsCommand({ UserPoolId: pool.poolId, Limit: 1 }));
    expect(page1.Groups?.map((g) => g.GroupName)).toEqual(['admins']);
    const page2 = await c.send(new ListGroupsCommand({ UserPoolId: pool.poolId, Limit: 1, NextToken: page1.NextToken }));
    expect(page2.Groups?.map((g) => g.GroupName)).toEqual(['readers']);
    expect(page2.NextToken).toBeUndefined();

    await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'temporary' }));
    await c.send(new DeleteGroupCommand({ UserPoolId: pool.poolId, GroupName: 'temporary' }));
    expect(await errorOf(c.send(new GetGroupCommand({ UserPoolId: pool.poolId, GroupName: 'temporary' })))).toEqual({ name: 'ResourceNotFoundException', message: 'Group not found.', status: 400 });
  });

  it('puts memberships and roles in the tokens, the lowest Precedence role preferred', async () => {
    const c = idp(server);
    await confirmedUser(server, pool, 'grace');
    for (const [GroupName, RoleArn, Precedence] of [['g-high', ROLE('High'), 10], ['g-low', ROLE('Low'), 2], ['g-none', undefined, undefined]] as const) {
      await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName, ...(RoleArn === undefined ? {} : { RoleArn }), ...(Precedence === undefined ? {} : { Precedence }) }));
      await c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, GroupName, Username: 'grace' }));
    }
    let claims = await idClaims('grace');
    expect(claims['cognito:groups']).toEqual(['g-low', 'g-high', 'g-none']);
    expect(claims['cognito:roles']).toEqual([ROLE('Low'), ROLE('High')]);
    expect(claims['cognito:preferred_role']).toBe(ROLE('Low'));

    // Two groups tied at the lowest Precedence with different roles: no preferred role.
    await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'g-tie', RoleArn: ROLE('Tie'), Precedence: 2 }));
    await c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, GroupName: 'g-tie', Username: 'grace' }));
    claims = await idClaims('grace');
    expect(claims['cognito:roles']).toEqual(expect.arrayContaining([ROLE('Low'), ROLE('High'), ROLE('Tie')]));
    expect(claims['cognito:preferred_role']).toBeUndefined();

    const groups = await c.send(new AdminListGroupsForUserCommand({ UserPoolId: pool.poolId, Username: 'grace' }));
    expect(groups.Groups?.map((g) => g.GroupName).sort()).toEqual(['g-high', 'g-low', 'g-none', 'g-tie']);
    const members = await c.send(new ListUsersInGroupCommand({ UserPoolId: pool.poolId, GroupName: 'g-low' }));
    expect(members.Users?.map((u) => u.Username)).toEqual(['grace']);

    for (const g of ['g-low', 'g-tie', 'g-none']) await c.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.poolId, GroupName: g, Username: 'grace' }));
    claims = await idClaims('grace');
    expect(claims['cognito:groups']).toEqual(['g-high']);
    expect(claims['cognito:preferred_role']).toBe(ROLE('High'));

    expect(await errorOf(c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, GroupName: 'g-high', Username: 'nobody' })))).toMatchObject({ name: 'UserNotFoundException' });
    expect(await errorOf(c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, GroupName: 'no-group', Username: 'grace' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('ListUsers', () => {
  it('filters by the attributes AWS allows, and pages', async () => {
    const c = idp(server);
    const p = await createPool(server);
    for (const name of ['ann', 'anna', 'bob']) await confirmedUser(server, p, name, `${name}@corp.example`);
    await anonymous(server).send(
      new SignUpCommand({ ClientId: p.clientId, Username: 'carl', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'carl@other.example' }] }),
    );
    const list = async (Filter?: string) => (await c.send(new ListUsersCommand({ UserPoolId: p.poolId, ...(Filter === undefined ? {} : { Filter }) }))).Users!.map((u) => u.Username).sort();
    expect(await list()).toEqual(['ann', 'anna', 'bob', 'carl']);
    expect(await list('username = "ann"')).toEqual(['ann']);
    expect(await list('username ^= "ann"')).toEqual(['ann', 'anna']);
    expect(await list('email ^= "ANN"')).toEqual(['ann', 'anna']);
    expect(await list('email = "bob@corp.example"')).toEqual(['bob']);
    expect(await list('cognito:user_status = "UNCONFIRMED"')).toEqual(['carl']);
    expect(await list('status = "Enabled"')).toEqual(['ann', 'anna', 'bob', 'carl']);
    expect(await list('')).toEqual(['ann', 'anna', 'bob', 'carl']);

    for (const [filter, message] of [
      ['custom:tenant = "x"', 'Invalid search attribute: custom:tenant'],
      ['email == "x"', 'Error while parsing filter.'],
      ['email = x', 'Error while parsing filter.'],
    ] as const) {
      expect(await errorOf(c.send(new ListUsersCommand({ UserPoolId: p.poolId, Filter: filter })))).toEqual({ name: 'InvalidParameterException', message, status: 400 });
    }

    const first = await c.send(new ListUsersCommand({ UserPoolId: p.poolId, Limit: 3, AttributesToGet: ['email'] }));
    expect(first.Users).toHaveLength(3);
    expect(first.Users![0]!.Attributes!.map((a) => a.Name)).toEqual(['email']);
    expect(first.PaginationToken).toBeDefined();
    const second = await c.send(new ListUsersCommand({ UserPoolId: p.poolId, Limit: 3, PaginationToken: first.PaginationToken }));
    expect(second.Users?.map((u) => u.Username)).toEqual(['carl']);
    expect(second.PaginationToken).toBeUndefined();
  });

  it('takes Limit 0, which the model allows, as the default page size on every list of users and groups', async () => {
    const c = idp(server);
    const p = await createPool(server);
    await confirmedUser(server, p, 'zed');
    await c.send(new CreateGroupCommand({ UserPoolId: p.poolId, GroupName: 'crew' }));
    await c.send(new AdminAddUserToGroupCommand({ UserPoolId: p.poolId, GroupName: 'crew', Username: 'zed' }));
    const users = await c.send(new ListUsersCommand({ UserPoolId: p.poolId, Limit: 0 }));
    expect(users.Users?.map((u) => u.Username)).toEqual(['zed']);
    expect(users.PaginationToken).toBeUndefined();
    expect((await c.send(new ListGroupsCommand({ UserPoolId: p.poolId, Limit: 0 }))).Groups?.map((g) => g.GroupName)).toEqual(['crew']);
    expect((await c.send(new AdminListGroupsForUserCommand({ UserPoolId: p.poolId, Username: 'zed', Limit: 0 }))).Groups?.map((g) => g.GroupName)).toEqual(['crew']);
    expect((await c.send(new ListUsersInGroupCommand({ UserPoolId: p.poolId, GroupName: 'crew', Limit: 0 }))).Users?.map((u) => u.Username)).toEqual(['zed']);

    // Members page by token; a deleted user leaves the group.
    for (const name of ['yan', 'xia']) {
      await confirmedUser(server, p, name);
      await c.send(new AdminAddUserToGroupCommand({ UserPoolId: p.poolId, GroupName: 'crew', Username: name }));
    }
    await c.send(new AdminDeleteUserCommand({ UserPoolId: p.poolId, Username: 'yan' }));
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const out = await c.send(new ListUsersInGroupCommand({ UserPoolId: p.poolId, GroupName: 'crew', Limit: 1, ...(NextToken === undefined ? {} : { NextToken }) }));
      expect(out.Users).toHaveLength(1);
      seen.push(out.Users![0]!.Username!);
      NextToken = out.NextToken;
    } while (NextToken !== undefined);
    expect(seen.sort()).toEqual(['xia', 'zed']);
  });
});

describe('administering users', () => {
  it('invites a user by mail with a temporary password that leads to NEW_PASSWORD_REQUIRED', async () => {
    const c = idp(server);
    const out = await c.send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'invitee', DesiredDeliveryMediums: ['EMAIL'], UserAttributes: [{ Name: 'email', Value: 'invitee@example.com' }, { Name: 'email_verified', Value: 'true' }] }));
    expect(out.User).toMatchObject({ Username: 'invitee', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' });
    const mail = await smtp.waitFor('invitee@example.com');
    expect(mail.subject).toBe('Your temporary password');
    const m = /^Your username is invitee and temporary password is (\S+)\.$/.exec(mail.text);
    expect(m).not.toBeNull();
    const login = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'invitee', PASSWORD: m![1]! } }));
    expect(login.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(await errorOf(c.send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'invitee', UserAttributes: [{ Name: 'email', Value: 'x@example.com' }] })))).toMatchObject({
      name: 'UsernameExistsException',
      message: 'User account already exists',
    });
    expect(await errorOf(c.send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'nomail' })))).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('updates and deletes attributes, resets passwords, signs users out and deletes them', async () => {
    const c = idp(server);
    await confirmedUser(server, pool, 'henry');
    await c.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'henry', UserAttributes: [{ Name: 'email', Value: 'henry2@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Henry' }] }));
    let u = await c.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'henry' }));
    expect(u.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'henry2@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Henry' }]));
    expect((await idClaims('henry')).given_name).toBe('Henry');
    await c.send(new AdminDeleteUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'henry', UserAttributeNames: ['given_name'] }));
    u = await c.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'henry' }));
    expect(u.UserAttributes!.map((a) => a.Name)).not.toContain('given_name');
    expect(await errorOf(c.send(new AdminDeleteUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'henry', UserAttributeNames: ['email'] })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(c.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'henry', UserAttributes: [{ Name: 'sub', Value: 'x' }] })))).toMatchObject({ name: 'InvalidParameterException' });

    const t = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'henry', PASSWORD } }));
    await c.send(new AdminUserGlobalSignOutCommand({ UserPoolId: pool.poolId, Username: 'henry' }));
    const refresh = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: t.AuthenticationResult!.RefreshToken! } })));
    expect(refresh).toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });

    await c.send(new AdminResetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'henry' }));
    expect((await smtp.waitFor('henry2@example.com')).text).toMatch(/\d{6}/);
    expect(await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'henry', PASSWORD } })))).toMatchObject({
      name: 'PasswordResetRequiredException',
      message: 'Password reset required for the user',
    });

    await c.send(new AdminDeleteUserCommand({ UserPoolId: pool.poolId, Username: 'henry' }));
    expect(await errorOf(c.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'henry' })))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.', status: 400 });
    expect(await errorOf(c.send(new AdminDeleteUserCommand({ UserPoolId: pool.poolId, Username: 'henry' })))).toMatchObject({ name: 'UserNotFoundException' });
  });
});

describe('the ID token verifier for other services', () => {
  let verifier: UserPoolTokenVerifier;
  beforeAll(() => {
    // A second instance over the same store and keys: what Identity Pools will hold.
    verifier = createCognitoIdpService(server.gatehouse.platform).tokens;
  });

  async function failure(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      if (e instanceof TokenVerificationError) return e.check;
      throw e;
    }
    throw new Error('expected verification to fail');
  }

  it('returns the claims of a good token and names the check a bad one fails', async () => {
    await confirmedUser(server, pool, 'ivy');
    const login = async () =>
      (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'ivy', PASSWORD } }))).AuthenticationResult!;
    const t = await login();
    await expect(verifier.verifyIdToken(pool.poolId, t.IdToken!, { audiences: [pool.clientId] })).resolves.toMatchObject({ 'cognito:username': 'ivy', token_use: 'id' });
    await expect(verifier.verifyIdToken(pool.poolId, t.IdToken!)).resolves.toMatchObject({ aud: pool.clientId });

    expect(await failure(verifier.verifyIdToken(pool.poolId, t.IdToken!, { audiences: ['another'] }))).toBe('audience');
    expect(await failure(verifier.verifyIdToken(pool.poolId, t.AccessToken!))).toBe('token_use');
    expect(await failure(verifier.verifyIdToken(pool.poolId, 'garbage'))).toBe('format');
    expect(await failure(verifier.verifyIdToken('us-east-1_unknown00', t.IdToken!))).toBe('pool');
    const other = await createPool(server);
    expect(await failure(verifier.verifyIdToken(other.poolId, t.IdToken!))).toBe('signature');
    const [h, p, s] = t.IdToken!.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone' })).toString('base64url');
    expect(await failure(verifier.verifyIdToken(pool.poolId, `${h}.${forged}.${s}`))).toBe('signature');
    const hs256 = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'HS256' })).toString('base64url');
    expect(await failure(verifier.verifyIdToken(pool.poolId, `${hs256}.${p}.${s}`))).toBe('algorithm');

    server.gatehouse.clock.advance(3601_000);
    try {
      expect(await failure(verifier.verifyIdToken(pool.poolId, t.IdToken!))).toBe('expired');
    } finally {
      server.gatehouse.clock.reset();
    }

    await idp(server).send(new AdminUserGlobalSignOutCommand({ UserPoolId: pool.poolId, Username: 'ivy' }));
    expect(await failure(verifier.verifyIdToken(pool.poolId, t.IdToken!))).toBe('revoked');
    const fresh = await login();
    await expect(verifier.verifyIdToken(pool.poolId, fresh.IdToken!)).resolves.toMatchObject({ sub: expect.any(String) });
  });
});
