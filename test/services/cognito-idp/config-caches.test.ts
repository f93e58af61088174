/**
 * Configuration the token paths now keep in memory (whether a pool has groups; resource servers)
 * must never outlive a change: a group created, joined or deleted after a sign-in shows in the
 * very next tokens, and a resource server's scopes changed or deleted after a client_credentials
 * grant decide the very next one. Through the SDK v3 and openid-client.
 */
import {
  AdminAddUserToGroupCommand,
  AdminInitiateAuthCommand,
  CreateGroupCommand,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolDomainCommand,
  DeleteGroupCommand,
  DeleteResourceServerCommand,
  UpdateResourceServerCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { confirmedUser, createPool, idp, jwtVerifier, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
const PREFIX = 'cache-test';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
});
afterAll(async () => {
  await server.close();
});

describe('groups in tokens', () => {
  it('shows a group created and joined after a sign-in in the next tokens, and not once it is deleted', async () => {
    const c = idp(server);
    await confirmedUser(server, pool, 'grouped');
    const signIn = async (): Promise<Record<string, unknown>> => {
      const out = await c.send(new AdminInitiateAuthCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'grouped', PASSWORD } }));
      return jwtVerifier(server, pool.poolId, pool.clientId, 'id').verify(out.AuthenticationResult!.IdToken!) as Promise<Record<string, unknown>>;
    };
    expect((await signIn())['cognito:groups']).toBeUndefined();
    await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'admins', Precedence: 1 }));
    await c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'grouped', GroupName: 'admins' }));
    expect((await signIn())['cognito:groups']).toEqual(['admins']);
    await c.send(new DeleteGroupCommand({ UserPoolId: pool.poolId, GroupName: 'admins' }));
    expect((await signIn())['cognito:groups']).toBeUndefined();
    await c.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'readers' }));
    await c.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: 'grouped', GroupName: 'readers' }));
    expect((await signIn())['cognito:groups']).toEqual(['readers']);
  });
});

describe('resource servers in client_credentials', () => {
  it('grants a scope only while its resource server has it', async () => {
    const c = idp(server);
    const scopes = [{ ScopeName: 'read', ScopeDescription: 'r' }, { ScopeName: 'write', ScopeDescription: 'w' }];
    await c.send(new CreateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'orders', Name: 'Orders', Scopes: scopes }));
    const client = (await c.send(new CreateUserPoolClientCommand({
      UserPoolId: pool.poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['orders/read', 'orders/write'],
    }))).UserPoolClient!;
    const config = await oidc.discovery(new URL(`${server.url}/${pool.poolId}`), client.ClientId!, undefined, oidc.ClientSecretBasic(client.ClientSecret!), { execute: [oidc.allowInsecureRequests] });
    const grant = async (scope: string): Promise<string> => {
      try {
        const tokens = await oidc.clientCredentialsGrant(config, { scope });
        return String((await jwtVerifier(server, pool.poolId, null, 'access').verify(tokens.access_token)).scope);
      } catch (err) {
        return `error: ${(err as { error?: string }).error ?? String(err)}`;
      }
    };
    expect(await grant('orders/write')).toBe('orders/write');
    await c.send(new UpdateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'orders', Name: 'Orders', Scopes: [scopes[0]!] }));
    expect(await grant('orders/write')).toBe('error: invalid_scope');
    expect(await grant('orders/read')).toBe('orders/read');
    await c.send(new UpdateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'orders', Name: 'Orders', Scopes: scopes }));
    expect(await grant('orders/write')).toBe('orders/write');
    await c.send(new DeleteResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'orders' }));
    expect(await grant('orders/read')).toBe('error: invalid_scope');
    await c.send(new CreateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'orders', Name: 'Orders', Scopes: scopes }));
    expect(await grant('orders/read')).toBe('orders/read');
  });
});
