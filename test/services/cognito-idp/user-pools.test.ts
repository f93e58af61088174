/**
 * Pool and app-client management through SDK v3, the JWKS / discovery routes, and the bad
 * input around them.
 */
import {
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, idp, raw } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe('user pools', () => {
  it('creates a pool with its settings and describes it as AWS does', async () => {
    const c = idp(server);
    const created = await c.send(
      new CreateUserPoolCommand({
        PoolName: 'full-pool',
        Policies: { PasswordPolicy: { MinimumLength: 10, RequireUppercase: true, RequireLowercase: false, RequireNumbers: true, RequireSymbols: false } },
        Schema: [
          { Name: 'email', Required: true, Mutable: true },
          { Name: 'tenant', AttributeDataType: 'String', Mutable: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '64' } },
          { Name: 'age', AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: '0', MaxValue: '150' } },
        ],
        AutoVerifiedAttributes: ['email'],
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        VerificationMessageTemplate: { EmailMessage: 'Code: {####}', EmailSubject: 'Welcome' },
        MfaConfiguration: 'OFF',
        UserPoolTags: { team: 'auth' },
      }),
    );
    const p = created.UserPool!;
    expect(p.Id).toMatch(/^us-east-1_[0-9A-Za-z]{9}$/);
    expect(p.Arn).toBe(`arn:aws:cognito-idp:us-east-1:000000000000:userpool/${p.Id}`);
    expect(p.Name).toBe('full-pool');
    expect(p.Policies?.PasswordPolicy).toEqual({ MinimumLength: 10, RequireUppercase: true, RequireLowercase: false, RequireNumbers: true, RequireSymbols: false, TemporaryPasswordValidityDays: 7 });
    expect(p.UsernameAttributes).toEqual(['email']);
    expect(p.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(p.AutoVerifiedAttributes).toEqual(['email']);
    expect(p.VerificationMessageTemplate).toEqual({ EmailMessage: 'Code: {####}', EmailSubject: 'Welcome', DefaultEmailOption: 'CONFIRM_WITH_CODE' });
    expect(p.EmailVerificationMessage).toBe('Code: {####}');
    expect(p.EmailVerificationSubject).toBe('Welcome');
    expect(p.MfaConfiguration).toBe('OFF');
    expect(p.EstimatedNumberOfUsers).toBe(0);
    expect(p.CreationDate).toBeInstanceOf(Date);
    const names = p.SchemaAttributes!.map((a) => a.Name);
    expect(names.slice(0, 3)).toEqual(['sub', 'name', 'given_name']);
    expect(names).toEqual(expect.arrayContaining(['email', 'email_verified', 'phone_number', 'updated_at', 'custom:tenant', 'custom:age']));
    expect(p.SchemaAttributes!.find((a) => a.Name === 'email')).toMatchObject({ Required: true, AttributeDataType: 'String' });
    expect(p.SchemaAttributes!.find((a) => a.Name === 'custom:age')).toMatchObject({ AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: '0', MaxValue: '150' } });

    const described = await c.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }));
    expect(described.UserPool).toEqual(p);
  });

  it('fills AWS defaults for a pool created with a name only', async () => {
    const p = (await idp(server).send(new CreateUserPoolCommand({ PoolName: 'defaults' }))).UserPool!;
    expect(p.Policies?.PasswordPolicy).toEqual({ MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7 });
    expect(p.MfaConfiguration).toBe('OFF');
    expect(p.DeletionProtection).toBe('INACTIVE');
    expect(p.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 });
    expect(p.EmailConfiguration).toEqual({ EmailSendingAccount: 'COGNITO_DEFAULT' });
    expect(p.UsernameAttributes).toBeUndefined();
    expect(p.AutoVerifiedAttributes).toBeUndefined();
  });

  it('UpdateUserPool resets settings it is not given and keeps the schema', async () => {
    const c = idp(server);
    const id = (await c.send(new CreateUserPoolCommand({ PoolName: 'upd', AutoVerifiedAttributes: ['email'], MfaConfiguration: 'OPTIONAL', SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::000000000000:role/sms' }, Schema: [{ Name: 'team' }] }))).UserPool!.Id!;
    await c.send(new UpdateUserPoolCommand({ UserPoolId: id, Policies: { PasswordPolicy: { MinimumLength: 12 } } }));
    const p = (await c.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool!;
    expect(p.Policies?.PasswordPolicy?.MinimumLength).toBe(12);
    expect(p.Policies?.PasswordPolicy?.RequireSymbols).toBe(false);
    expect(p.AutoVerifiedAttributes).toBeUndefined();
    expect(p.MfaConfiguration).toBe('OFF');
    expect(p.SchemaAttributes!.map((a) => a.Name)).toContain('custom:team');
    expect(p.Name).toBe('upd');
  });

  it('lists pools a page at a time and deletes them', async () => {
    const c = idp(server);
    const first = await c.send(new ListUserPoolsCommand({ MaxResults: 1 }));
    expect(first.UserPools).toHaveLength(1);
    expect(first.NextToken).toBeDefined();
    const all = await c.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    expect(all.UserPools!.length).toBeGreaterThanOrEqual(3);
    const second = await c.send(new ListUserPoolsCommand({ MaxResults: 1, NextToken: first.NextToken }));
    expect(second.UserPools![0]!.Id).toBe(all.UserPools![1]!.Id);

    const id = (await c.send(new CreateUserPoolCommand({ PoolName: 'doomed' }))).UserPool!.Id!;
    await c.send(new DeleteUserPoolCommand({ UserPoolId: id }));
    const e = await errorOf(c.send(new DescribeUserPoolCommand({ UserPoolId: id })));
    expect(e).toEqual({ name: 'ResourceNotFoundException', message: `User pool ${id} does not exist.`, status: 400 });
  });

  it('refuses to delete a pool with deletion protection', async () => {
    const c = idp(server);
    const id = (await c.send(new CreateUserPoolCommand({ PoolName: 'kept', DeletionProtection: 'ACTIVE' }))).UserPool!.Id!;
    const e = await errorOf(c.send(new DeleteUserPoolCommand({ UserPoolId: id })));
    expect(e.name).toBe('InvalidParameterException');
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool!.Id).toBe(id);
  });

  it('rejects bad pool definitions with InvalidParameterException', async () => {
    const c = idp(server);
    const cases = [
      new CreateUserPoolCommand({ PoolName: 'both', UsernameAttributes: ['email'], AliasAttributes: ['email'] }),
      new CreateUserPoolCommand({ PoolName: 'required-custom', Schema: [{ Name: 'x', Required: true }] }),
      new CreateUserPoolCommand({ PoolName: 'bad type', Schema: [{ Name: 'email', AttributeDataType: 'Number' }] }),
      new CreateUserPoolCommand({ PoolName: 'bad!name#' }),
      new CreateUserPoolCommand({ PoolName: 'short', Policies: { PasswordPolicy: { MinimumLength: 3 } } }),
      new CreateUserPoolCommand({ PoolName: 'template', VerificationMessageTemplate: { EmailMessage: 'no placeholder here' } }),
    ];
    for (const cmd of cases) {
      const e = await errorOf(c.send(cmd));
      expect(e.name, JSON.stringify(cmd.input)).toBe('InvalidParameterException');
      expect(e.status).toBe(400);
    }
    const e = await errorOf(c.send(new CreateUserPoolCommand({ PoolName: 'bad!name#' })));
    expect(e.message).toBe("1 validation error detected: Value 'bad!name#' at 'poolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+");
  });

  it('answers admin calls without a signature with MissingAuthenticationTokenException', async () => {
    const r = await raw(server, 'ListUserPools', { MaxResults: 10 });
    expect(r.status).toBe(400);
    expect(r.json.__type).toBe('MissingAuthenticationTokenException');
  });
});

describe('app clients', () => {
  it('creates, describes, updates, lists and deletes clients with and without a secret', async () => {
    const c = idp(server);
    const poolId = (await c.send(new CreateUserPoolCommand({ PoolName: 'clients' }))).UserPool!.Id!;
    const plain = (await c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web' }))).UserPoolClient!;
    expect(plain.ClientId).toMatch(/^[a-z0-9]{26}$/);
    expect(plain.ClientSecret).toBeUndefined();
    expect(plain).toMatchObject({ UserPoolId: poolId, ClientName: 'web', RefreshTokenValidity: 30, TokenValidityUnits: {}, EnableTokenRevocation: true, AuthSessionValidity: 3, AllowedOAuthFlowsUserPoolClient: false });
    expect(plain.ExplicitAuthFlows).toBeUndefined();

    const secret = (
      await c.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: 'server',
          GenerateSecret: true,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          AccessTokenValidity: 15,
          IdTokenValidity: 2,
          RefreshTokenValidity: 7,
          TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'hours', RefreshToken: 'days' },
          PreventUserExistenceErrors: 'ENABLED',
          ReadAttributes: ['email', 'email_verified'],
        }),
      )
    ).UserPoolClient!;
    expect(secret.ClientSecret).toMatch(/^[a-z0-9]{51}$/);
    expect(secret).toMatchObject({ AccessTokenValidity: 15, IdTokenValidity: 2, RefreshTokenValidity: 7, PreventUserExistenceErrors: 'ENABLED', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });

    const described = (await c.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: secret.ClientId }))).UserPoolClient!;
    expect(described).toEqual(secret);

    const updated = (await c.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: plain.ClientId, ClientName: 'web2', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
    expect(updated).toMatchObject({ ClientName: 'web2', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });

    const list = await c.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 1 }));
    expect(list.UserPoolClients).toHaveLength(1);
    const rest = await c.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 1, NextToken: list.NextToken }));
    expect(new Set([list.UserPoolClients![0]!.ClientId, rest.UserPoolClients![0]!.ClientId])).toEqual(new Set([plain.ClientId, secret.ClientId]));
    expect(rest.NextToken).toBeUndefined();

    await c.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: plain.ClientId }));
    const e = await errorOf(c.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: plain.ClientId })));
    expect(e).toEqual({ name: 'ResourceNotFoundException', message: `User pool client ${plain.ClientId} does not exist.`, status: 400 });
  });

  it('rejects bad client definitions with InvalidParameterException', async () => {
    const c = idp(server);
    const poolId = (await c.send(new CreateUserPoolCommand({ PoolName: 'bad-clients' }))).UserPool!.Id!;
    const cases = [
      { ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'USER_PASSWORD_AUTH'] as never },
      { AccessTokenValidity: 2, TokenValidityUnits: { AccessToken: 'days' as const } },
      { RefreshTokenValidity: 10, TokenValidityUnits: { RefreshToken: 'minutes' as const } },
      { ReadAttributes: ['not_an_attribute'] },
      { AuthSessionValidity: 30 },
    ];
    for (const extra of cases) {
      const e = await errorOf(c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'x', ...extra })));
      expect(e.name, JSON.stringify(extra)).toBe('InvalidParameterException');
    }
    for (const kind of ['read', 'write'] as const) {
      const attrs = kind === 'read' ? { ReadAttributes: ['not_an_attribute'] } : { WriteAttributes: ['not_an_attribute'] };
      const bad = await errorOf(c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'x', ...attrs })));
      expect(bad.message).toBe(`Invalid ${kind} attributes specified while creating a client`);
    }
    const existing = (await c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'ok' }))).UserPoolClient!.ClientId!;
    const update = await errorOf(c.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: existing, WriteAttributes: ['sub'] })));
    expect(update).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid write attributes specified while updating a client' });
    const e = await errorOf(c.send(new CreateUserPoolClientCommand({ UserPoolId: 'us-east-1_nothere00', ClientName: 'x' })));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', message: 'User pool us-east-1_nothere00 does not exist.' });
  });
});

describe('JWKS and OpenID discovery', () => {
  it('serves each pool its RSA key and discovery document, readable from any origin', async () => {
    const poolId = (await idp(server).send(new CreateUserPoolCommand({ PoolName: 'keys' }))).UserPool!.Id!;
    const res = await fetch(`${server.url}/${poolId}/.well-known/jwks.json`, { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const jwks = (await res.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(jwks.keys[0]!.n!, 'base64url').length).toBe(256);

    const again = (await (await fetch(`${server.url}/${poolId}/.well-known/jwks.json`)).json()) as typeof jwks;
    expect(again.keys[0]!.kid).toBe(jwks.keys[0]!.kid);

    const oidc = (await (await fetch(`${server.url}/${poolId}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(oidc).toMatchObject({ issuer: `${server.url}/${poolId}`, jwks_uri: `${server.url}/${poolId}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] });

    const missing = await fetch(`${server.url}/us-east-1_missing00/.well-known/jwks.json`);
    expect(missing.status).toBe(404);
    const post = await fetch(`${server.url}/${poolId}/.well-known/jwks.json`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
