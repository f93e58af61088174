/**
 * CreateUserPoolClient / UpdateUserPoolClient check the OAuth settings as Cognito does, through
 * the v3 SDK (and the AWS CLI for the error line a shell user sees): AllowedOAuthScopes only
 * from the standard set and the pool's own resource servers (ScopeDoesNotExistException),
 * client_credentials alone and only with a secret (InvalidOAuthFlowException), redirect URLs
 * HTTPS unless loopback, without fragments, DefaultRedirectURI among the CallbackURLs — and a
 * refused update leaves the client as it was.
 */
import { CreateResourceServerCommand, CreateUserPoolClientCommand, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, errorOf, idp, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let other: Pool;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  other = await createPool(server);
  await idp(server).send(new CreateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] }));
  await idp(server).send(new CreateResourceServerCommand({ UserPoolId: other.poolId, Identifier: 'billing', Name: 'Billing', Scopes: [{ ScopeName: 'charge', ScopeDescription: 'c' }] }));
});
afterAll(async () => {
  await server.close();
});

const create = (input: Partial<ConstructorParameters<typeof CreateUserPoolClientCommand>[0]>, poolId = pool.poolId) =>
  idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ...input }));

describe('AllowedOAuthScopes', () => {
  it('takes the standard scopes and the pool resource servers\' scopes', async () => {
    const made = await create({ AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], CallbackURLs: ['https://app.example.com/cb'], AllowedOAuthScopes: ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin', 'https://api.example.com/read'] });
    expect(made.UserPoolClient!.AllowedOAuthScopes).toContain('https://api.example.com/read');
  });

  it('refuses a scope no resource server of this pool has, naming it', async () => {
    for (const scope of ['https://api.example.com/write', 'nosuch/read', 'billing/charge', 'Cognito']) {
      expect(await errorOf(create({ AllowedOAuthScopes: ['openid', scope] }))).toEqual({ name: 'ScopeDoesNotExistException', message: `Invalid scope requested: ${scope}`, status: 400 });
    }
    expect((await create({ AllowedOAuthScopes: ['billing/charge'] }, other.poolId)).UserPoolClient!.AllowedOAuthScopes).toEqual(['billing/charge']);
  });

  it('refuses it on update too and leaves the client unchanged', async () => {
    const { UserPoolClient: c } = await create({ AllowedOAuthScopes: ['openid'] });
    const err = await errorOf(idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: c!.ClientId, ClientName: 'renamed', AllowedOAuthScopes: ['https://api.example.com/admin'] })));
    expect(err).toEqual({ name: 'ScopeDoesNotExistException', message: 'Invalid scope requested: https://api.example.com/admin', status: 400 });
    const now = await idp(server).send(new DescribeUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: c!.ClientId }));
    expect(now.UserPoolClient).toMatchObject({ ClientName: 'app', AllowedOAuthScopes: ['openid'] });
  });

  it('is the error line the AWS CLI prints', async () => {
    const r = await awsCli(server.url, server.credentials, ['cognito-idp', 'create-user-pool-client', '--user-pool-id', pool.poolId, '--client-name', 'cli', '--allowed-o-auth-scopes', 'orders/delete']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('An error occurred (ScopeDoesNotExistException) when calling the CreateUserPoolClient operation: Invalid scope requested: orders/delete');
  });
});

describe('AllowedOAuthFlows', () => {
  it('client_credentials stands alone and needs a secret', async () => {
    expect(await errorOf(create({ GenerateSecret: true, AllowedOAuthFlows: ['client_credentials', 'code'], AllowedOAuthScopes: ['https://api.example.com/read'] }))).toEqual({
      name: 'InvalidOAuthFlowException', message: 'client_credentials flow can not be selected along with code flow or implicit flow.', status: 400,
    });
    expect(await errorOf(create({ AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['https://api.example.com/read'] }))).toEqual({
      name: 'InvalidOAuthFlowException', message: 'client_credentials flow can not be selected if client does not have a client secret.', status: 400,
    });
    const { UserPoolClient: publicClient } = await create({});
    expect((await errorOf(idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: publicClient!.ClientId, AllowedOAuthFlows: ['client_credentials'] })))).name).toBe('InvalidOAuthFlowException');
    const { UserPoolClient: confidential } = await create({ GenerateSecret: true });
    const updated = await idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: confidential!.ClientId, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['https://api.example.com/read'] }));
    expect(updated.UserPoolClient!.AllowedOAuthFlows).toEqual(['client_credentials']);
  });
});

describe('CallbackURLs, LogoutURLs, DefaultRedirectURI', () => {
  it('takes HTTPS, loopback HTTP and app schemes', async () => {
    const urls = ['https://app.example.com/cb', 'http://localhost:3000/cb', 'http://127.0.0.1:9/cb', 'http://[::1]:8080/', 'myapp://callback'];
    const made = await create({ CallbackURLs: urls, LogoutURLs: ['http://localhost/out'], DefaultRedirectURI: 'myapp://callback' });
    expect(made.UserPoolClient).toMatchObject({ CallbackURLs: urls, DefaultRedirectURI: 'myapp://callback' });
  });

  it('refuses plain HTTP elsewhere with AWS\'s message', async () => {
    for (const [field, url] of [['CallbackURLs', 'http://app.example.com/cb'], ['LogoutURLs', 'http://localhost.com/'], ['CallbackURLs', 'http://192.168.1.50:5001/']] as const) {
      expect(await errorOf(create({ [field]: [url] }))).toEqual({ name: 'InvalidParameterException', message: `${url} cannot use the HTTP protocol.`, status: 400 });
    }
  });

  it('refuses fragments, relative URLs and a default outside the callbacks', async () => {
    expect(await errorOf(create({ CallbackURLs: ['https://app.example.com/cb#x'] }))).toMatchObject({ name: 'InvalidParameterException', message: 'https://app.example.com/cb#x cannot contain a fragment.' });
    expect(await errorOf(create({ CallbackURLs: ['/relative/cb'] }))).toMatchObject({ name: 'InvalidParameterException', message: '/relative/cb is not a valid URL.' });
    expect(await errorOf(create({ CallbackURLs: ['https://a.example.com/'], DefaultRedirectURI: 'https://b.example.com/' }))).toMatchObject({ name: 'InvalidParameterException', message: 'DefaultRedirectURI must be one of the CallbackURLs.' });
  });
});
