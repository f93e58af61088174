/**
 * The domain's `/oauth2/token` endpoint through `openid-client` (an OpenID-certified relying
 * party): discovery, `client_credentials` with resource-server scopes (secret by Basic and in
 * the body), `refresh_token`; then raw HTTP for what no library sends: a wrong secret,
 * foreign or unknown scopes, clients not allowed the flow, repeated parameters, wrong
 * content types, oversized bodies, and the domain's two address forms.
 */
import { CreateResourceServerCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import http from 'node:http';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, idp, jwtVerifier, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let m2m: { id: string; secret: string };
const PREFIX = 'token-test';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  const c = idp(server);
  await c.send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  await c.send(new CreateResourceServerCommand({ UserPoolId: pool.poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }, { ScopeName: 'write', ScopeDescription: 'w' }] }));
  const client = await c.send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'],
    AllowedOAuthScopes: ['https://api.example.com/read', 'https://api.example.com/write'],
  }));
  m2m = { id: client.UserPoolClient!.ClientId!, secret: client.UserPoolClient!.ClientSecret! };
});
afterAll(async () => {
  await server.close();
});

const tokenUrl = () => `${server.url}/_auth/${PREFIX}/oauth2/token`;

async function discover(clientId: string, secret: string, auth: 'basic' | 'post' = 'basic'): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${server.url}/${pool.poolId}`), clientId, undefined, auth === 'basic' ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret), {
    execute: [oidc.allowInsecureRequests],
  });
}

async function post(body: string, headers: Record<string, string> = {}, url = tokenUrl()): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

describe('discovery', () => {
  it('names the domain\'s token endpoint and the client authentication methods', async () => {
    const config = await discover(m2m.id, m2m.secret);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${server.url}/${pool.poolId}`);
    expect(meta.token_endpoint).toBe(tokenUrl());
    expect(meta.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
  });
});

describe('client_credentials', () => {
  it('grants the requested resource-server scope (secret by HTTP Basic), as a token aws-jwt-verify accepts', async () => {
    const config = await discover(m2m.id, m2m.secret);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'https://api.example.com/read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    const claims = await jwtVerifier(server, pool.poolId, null, 'access').verify(tokens.access_token);
    expect(claims).toMatchObject({ sub: m2m.id, client_id: m2m.id, token_use: 'access', scope: 'https://api.example.com/read', version: 2 });
  });

  it('grants all the client\'s custom scopes when none are asked for (secret in the body)', async () => {
    const config = await discover(m2m.id, m2m.secret, 'post');
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.scope).toBeUndefined();
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(String(claims.scope).split(' ').sort()).toEqual(['https://api.example.com/read', 'https://api.example.com/write']);
  });

  it('answers a wrong secret, unknown client, unknown or foreign scope and a client without the flow with Cognito\'s errors', async () => {
    const grant = 'grant_type=client_credentials';
    expect(await post(grant, basic(m2m.id, 'wrong-secret'))).toMatchObject({ status: 400, json: { error: 'invalid_client' } });
    expect((await post(grant, basic('nosuchclient00000000000000', m2m.secret))).json).toEqual({ error: 'invalid_client' });
    expect((await post(`${grant}&client_id=${m2m.id}&client_secret=${m2m.secret}x`)).json).toEqual({ error: 'invalid_client' });
    expect((await post(`${grant}&scope=https://api.example.com/delete`, basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_scope' });
    expect((await post(`${grant}&scope=openid`, basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_scope' });
    // Basic and a body secret at once, and repeated parameters, are malformed.
    expect((await post(`${grant}&client_secret=${m2m.secret}`, basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_request' });
    expect((await post(`${grant}&grant_type=client_credentials`, basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_request' });
    expect((await post('scope=x', basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_request' });
    expect((await post('grant_type=password&username=a&password=b', basic(m2m.id, m2m.secret))).json).toEqual({ error: 'unsupported_grant_type' });
    const wrongType = await fetch(tokenUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...basic(m2m.id, m2m.secret) }, body: JSON.stringify({ grant_type: 'client_credentials' }) });
    expect(await wrongType.json()).toEqual({ error: 'invalid_request' });
    expect((await post(`${grant}&pad=${'x'.repeat(70_000)}`, basic(m2m.id, m2m.secret))).json).toEqual({ error: 'invalid_request' });

    const c = idp(server);
    const noFlow = await c.send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'no-flow', GenerateSecret: true, AllowedOAuthScopes: ['https://api.example.com/read'] }));
    expect((await post(grant, basic(noFlow.UserPoolClient!.ClientId!, noFlow.UserPoolClient!.ClientSecret!))).json).toEqual({ error: 'unauthorized_client' });
    // A public client (no secret) cannot act for itself.
    expect((await post(`${grant}&client_id=${pool.clientId}`)).json).toEqual({ error: 'invalid_client' });
  });

  it('lets browser apps of any origin call it (CORS, preflight included), without cookies', async () => {
    const pre = await fetch(tokenUrl(), { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect([pre.status, pre.headers.get('access-control-allow-origin'), pre.headers.get('access-control-allow-credentials')]).toEqual([204, '*', null]);
    const res = await post('grant_type=client_credentials', { origin: 'http://app.example', ...basic(m2m.id, m2m.secret) });
    expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([200, '*']);
  });

  it('answers at the host form too, and not at other pools\' or unknown domains', async () => {
    const port = new URL(server.url).port;
    // Node resolves no *.localhost names (and fetch will not set Host): node:http with the domain's Host header.
    const viaHost = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/oauth2/token', method: 'POST', headers: { host: `${PREFIX}.auth.localhost:${port}`, 'content-type': 'application/x-www-form-urlencoded', ...basic(m2m.id, m2m.secret) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('grant_type=client_credentials');
    });
    expect(viaHost.status).toBe(200);
    expect((JSON.parse(viaHost.body) as Record<string, unknown>).token_type).toBe('Bearer');
    const unknown = await fetch(`${server.url}/_auth/no-such-domain/oauth2/token`, { method: 'POST', body: 'grant_type=client_credentials' });
    expect(unknown.status).toBe(404);

    const other = await createPool(server);
    await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: other.poolId, Domain: 'other-token-test' }));
    expect((await post('grant_type=client_credentials', basic(m2m.id, m2m.secret), `${server.url}/_auth/other-token-test/oauth2/token`)).json).toEqual({ error: 'invalid_client' });
  });
});

describe('refresh_token', () => {
  it('refreshes an API sign-in\'s tokens through openid-client, and refuses a revoked token', async () => {
    await confirmedUser(server, pool, 'rita');
    const auth = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rita', PASSWORD } }));
    const refreshToken = auth.AuthenticationResult!.RefreshToken!;
    const config = await oidc.discovery(new URL(`${server.url}/${pool.poolId}`), pool.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.refreshTokenGrant(config, refreshToken);
    expect(tokens.refresh_token).toBeUndefined();
    const claims = await jwtVerifier(server, pool.poolId, pool.clientId, 'id').verify(tokens.id_token!);
    expect(claims['cognito:username']).toBe('rita');

    await anonymous(server).send(new RevokeTokenCommand({ ClientId: pool.clientId, Token: refreshToken }));
    expect((await post(`grant_type=refresh_token&client_id=${pool.clientId}&refresh_token=${encodeURIComponent(refreshToken)}`)).json).toEqual({ error: 'invalid_grant' });
    expect((await post(`grant_type=refresh_token&client_id=${pool.clientId}&refresh_token=not-a-token`)).json).toEqual({ error: 'invalid_grant' });
    expect((await post(`grant_type=refresh_token&client_id=${pool.clientId}`)).json).toEqual({ error: 'invalid_request' });
  });
});
