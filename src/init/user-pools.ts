/**
 * User pools, their app clients, groups and users, applied through Cognito's own operations:
 * looked up by name (or by the fixed id the document gives), created when missing, updated when a
 * declared setting differs, left alone otherwise. Passwords are set when a user is created only:
 * setting one again would end the user's sessions on every apply.
 * @module
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetGroupCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateGroupCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  type UserPoolClientType,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ApplyContext, declaredMatches, findInPages, pick, unlessMissing, withHeader } from './context.js';
import { InitError, substitute, type InitClient, type InitGroup, type InitUser, type InitUserPool } from './document.js';

/** UpdateUserPool resets what it is not given, so an update passes these on from DescribeUserPool. */
const POOL_UPDATABLE = [
  'Policies', 'DeletionProtection', 'LambdaConfig', 'AutoVerifiedAttributes', 'SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject',
  'VerificationMessageTemplate', 'SmsAuthenticationMessage', 'UserAttributeUpdateSettings', 'MfaConfiguration', 'DeviceConfiguration', 'EmailConfiguration',
  'SmsConfiguration', 'UserPoolTags', 'AdminCreateUserConfig', 'UserPoolAddOns', 'AccountRecoverySetting', 'UserPoolTier',
] as const;
const CLIENT_UPDATABLE = [
  'RefreshTokenValidity', 'AccessTokenValidity', 'IdTokenValidity', 'TokenValidityUnits', 'ReadAttributes', 'WriteAttributes', 'ExplicitAuthFlows',
  'SupportedIdentityProviders', 'CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI', 'AllowedOAuthFlows', 'AllowedOAuthScopes', 'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration', 'PreventUserExistenceErrors', 'EnableTokenRevocation', 'EnablePropagateAdditionalUserContextData', 'AuthSessionValidity',
] as const;

function findPoolByName(c: ApplyContext, name: string): Promise<string | undefined> {
  return findInPages(
    async (token) => {
      const p = await c.idp.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }));
      return { items: p.UserPools, next: p.NextToken };
    },
    (pool) => (pool.Name === name ? pool.Id : undefined),
  );
}

function findClientByName(c: ApplyContext, poolId: string, name: string): Promise<string | undefined> {
  return findInPages(
    async (token) => {
      const p = await c.idp.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60, NextToken: token }));
      return { items: p.UserPoolClients, next: p.NextToken };
    },
    (client) => (client.ClientName === name ? client.ClientId : undefined),
  );
}

export async function applyUserPool(c: ApplyContext, p: InitUserPool, where: string): Promise<void> {
  const settings = substitute(p.settings ?? {}, c.refs, `${where}.settings`);
  let id = p.id ?? (await findPoolByName(c, p.name));
  let described: UserPoolType | undefined = id === undefined ? undefined : (await unlessMissing(['ResourceNotFoundException'], () => c.idp.send(new DescribeUserPoolCommand({ UserPoolId: id! }))))?.UserPool;
  if (described !== undefined && described.Name !== p.name) {
    throw new InitError(`${where}: user pool ${id} exists under the name "${described.Name}", not "${p.name}"`);
  }
  if (described === undefined) {
    const out = await c.idp.send(withHeader(new CreateUserPoolCommand({ ...(settings as object), PoolName: p.name }), 'x-gatehouse-user-pool-id', p.id));
    described = out.UserPool!;
    id = described.Id!;
    c.record('user pool', p.name, 'created', id);
  } else if (!declaredMatches(settings, described)) {
    const fixedOnly = Object.keys(settings).filter((k) => !(POOL_UPDATABLE as readonly string[]).includes(k) && !declaredMatches(settings[k], (described as Record<string, unknown>)[k]));
    if (fixedOnly.length > 0) throw new InitError(`${where}.settings: ${fixedOnly.join(', ')} of an existing user pool cannot change (delete the pool to change it)`);
    await c.idp.send(new UpdateUserPoolCommand({ ...pick(described as Record<string, unknown>, POOL_UPDATABLE), ...settings, UserPoolId: id! } as never));
    c.record('user pool', p.name, 'updated', id);
  } else {
    c.record('user pool', p.name, 'unchanged', id);
  }
  const poolId = id!;
  c.outputs.userPools[p.name] = { id: poolId, ...(described.Arn === undefined ? {} : { arn: described.Arn }), clients: {} };
  c.refs.set(`userPools.${p.name}.id`, poolId);
  for (const [i, client] of (p.clients ?? []).entries()) await applyClient(c, p.name, poolId, client, `${where}.clients[${i}]`);
}

async function applyClient(c: ApplyContext, poolName: string, poolId: string, k: InitClient, where: string): Promise<void> {
  const settings = substitute(k.settings ?? {}, c.refs, `${where}.settings`);
  const id = k.id ?? (await findClientByName(c, poolId, k.name));
  let described: UserPoolClientType | undefined = id === undefined ? undefined : (await unlessMissing(['ResourceNotFoundException'], () => c.idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: id }))))?.UserPoolClient;
  const wantsSecret = k.secret !== undefined || k.generateSecret === true;
  if (described === undefined) {
    const input = { ...(settings as object), UserPoolId: poolId, ClientName: k.name, ...(wantsSecret ? { GenerateSecret: true } : {}), ...(k.secret === undefined ? {} : { ClientSecret: k.secret }) };
    described = (await c.idp.send(withHeader(new CreateUserPoolClientCommand(input), 'x-gatehouse-client-id', k.id))).UserPoolClient!;
    c.record('app client', `${poolName}/${k.name}`, 'created', described.ClientId);
  } else {
    if (described.ClientName !== k.name) throw new InitError(`${where}: app client ${id} exists under the name "${described.ClientName}", not "${k.name}"`);
    if ((described.ClientSecret !== undefined) !== wantsSecret || (k.secret !== undefined && described.ClientSecret !== k.secret)) {
      throw new InitError(`${where}: the secret of an existing app client cannot change (delete the client to change it)`);
    }
    if (!declaredMatches(settings, described)) {
      await c.idp.send(new UpdateUserPoolClientCommand({ ...pick(described as Record<string, unknown>, CLIENT_UPDATABLE), ...settings, UserPoolId: poolId, ClientId: described.ClientId!, ClientName: k.name } as never));
      c.record('app client', `${poolName}/${k.name}`, 'updated', described.ClientId);
    } else {
      c.record('app client', `${poolName}/${k.name}`, 'unchanged', described.ClientId);
    }
  }
  const clientId = described.ClientId!;
  c.outputs.userPools[poolName]!.clients[k.name] = { id: clientId, ...(described.ClientSecret === undefined ? {} : { secret: described.ClientSecret }) };
  c.refs.set(`userPools.${poolName}.clients.${k.name}.id`, clientId);
  if (described.ClientSecret !== undefined) c.refs.set(`userPools.${poolName}.clients.${k.name}.secret`, described.ClientSecret);
}

/** Groups and users come after the roles: a group may name one. */
export async function applyGroupsAndUsers(c: ApplyContext, p: InitUserPool, where: string): Promise<void> {
  const poolId = c.outputs.userPools[p.name]!.id;
  for (const [i, g] of (p.groups ?? []).entries()) await applyGroup(c, p.name, poolId, g, `${where}.groups[${i}]`);
  for (const [i, u] of (p.users ?? []).entries()) await applyUser(c, p, poolId, u, `${where}.users[${i}]`);
}

async function applyGroup(c: ApplyContext, poolName: string, poolId: string, g: InitGroup, where: string): Promise<void> {
  const role = g.role === undefined ? undefined : g.role.startsWith('arn:') ? g.role : c.refs.get(`roles.${g.role}.arn`);
  if (g.role !== undefined && role === undefined) throw new InitError(`${where}.role: "${g.role}" is neither a role ARN nor a role this document declares`);
  const want = { Description: g.description, Precedence: g.precedence, RoleArn: role };
  const existing = (await unlessMissing(['ResourceNotFoundException'], () => c.idp.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: g.name }))))?.Group;
  const declared = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined));
  if (existing === undefined) {
    await c.idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: g.name, ...declared }));
    c.record('group', `${poolName}/${g.name}`, 'created');
  } else if (!declaredMatches(declared, existing)) {
    await c.idp.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: g.name, ...declared }));
    c.record('group', `${poolName}/${g.name}`, 'updated');
  } else {
    c.record('group', `${poolName}/${g.name}`, 'unchanged');
  }
}

async function applyUser(c: ApplyContext, p: InitUserPool, poolId: string, u: InitUser, where: string): Promise<void> {
  const name = `${p.name}/${u.username}`;
  const attributes = Object.entries(substitute(u.attributes ?? {}, c.refs, `${where}.attributes`)).map(([Name, Value]) => ({ Name, Value }));
  const status = u.status ?? (u.password === undefined ? 'FORCE_CHANGE_PASSWORD' : 'CONFIRMED');
  if (status === 'CONFIRMED' && u.password === undefined) throw new InitError(`${where}: a CONFIRMED user needs a password`);
  const existing = await unlessMissing(['UserNotFoundException'], () => c.idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: u.username })));
  let changed = false;
  if (existing === undefined) {
    await c.idp.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: u.username,
        UserAttributes: attributes,
        MessageAction: 'SUPPRESS',
        ...(u.password !== undefined && status === 'FORCE_CHANGE_PASSWORD' ? { TemporaryPassword: u.password } : {}),
      }),
    );
    if (status === 'CONFIRMED') await c.idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: u.username, Password: u.password!, Permanent: true }));
    if (u.enabled === false) await c.idp.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: u.username }));
    c.record('user', name, 'created', status);
  } else {
    const have = new Map((existing.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
    const differ = attributes.filter((a) => have.get(a.Name) !== a.Value);
    if (differ.length > 0) {
      await c.idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: u.username, UserAttributes: differ }));
      changed = true;
    }
    if (u.enabled !== undefined && u.enabled !== existing.Enabled) {
      await c.idp.send(u.enabled ? new AdminEnableUserCommand({ UserPoolId: poolId, Username: u.username }) : new AdminDisableUserCommand({ UserPoolId: poolId, Username: u.username }));
      changed = true;
    }
  }
  const groups = u.groups ?? [];
  if (groups.length > 0) {
    const member = new Set(existing === undefined ? [] : ((await c.idp.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: u.username, Limit: 60 }))).Groups ?? []).map((g) => g.GroupName));
    for (const g of groups) {
      if (member.has(g)) continue;
      await c.idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: u.username, GroupName: g }));
      changed = existing !== undefined || changed;
    }
  }
  if (existing !== undefined) c.record('user', name, changed ? 'updated' : 'unchanged');
}
