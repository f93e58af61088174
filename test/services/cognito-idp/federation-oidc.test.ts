/**
 * Federation with an OIDC identity provider, end to end: the certified `oidc-provider` runs in
 * the test as the external provider, registered in the pool with CreateIdentityProvider (v3
 * SDK); `openid-client` is the app; Debian's Chromium clicks "Continue with Corp" on the hosted
 * page, signs in at the provider, consents, and lands on the app with a code that
 * openid-client exchanges. The federated user is `Corp_<sub>`, EXTERNAL_PROVIDER, in the group
 * `<poolId>_Corp`, with `identities`; a linked native user (AdminLinkProviderForUser) is
 * signed in instead, until AdminDisableProviderForUser removes the link. A replayed
 * /oauth2/idpresponse is refused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminDisableProviderForUserCommand, AdminGetUserCommand, AdminLinkProviderForUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand,
  CreateUserPoolDomainCommand, UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { confirmedUser, createPool, errorOf, idp, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let browser: Browser;
let idpServer: http.Server;
let issuer: string;
let app: { id: string; secret: string };
const PREFIX = 'federation-test';
const CALLBACK = 'http://127.0.0.1:9/callback';
const IDP_CLIENT = { id: 'gatehouse-pool', secret: 'idp-client-secret-0123456789abcdef' };

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));

  // The external provider: oidc-provider on a free port, Gatehouse's idpresponse its one redirect URI.
  idpServer = http.createServer();
  await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: IDP_CLIENT.id, client_secret: IDP_CLIENT.secret, token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: [`${server.url}/_auth/${PREFIX}/oauth2/idpresponse`], grant_types: ['authorization_code'], response_types: ['code'],
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@corp.example`, email_verified: true, name: `Name of ${id}` }) }),
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  idpServer.on('request', provider.callback());

  await idp(server).send(new CreateIdentityProviderCommand({
    UserPoolId: pool.poolId, ProviderName: 'Corp', ProviderType: 'OIDC',
    ProviderDetails: { client_id: IDP_CLIENT.id, client_secret: IDP_CLIENT.secret, oidc_issuer: issuer, authorize_scopes: 'openid email profile', attributes_request_method: 'GET' },
    AttributeMapping: { email: 'email', name: 'name', username: 'sub' },
  }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO', 'Corp'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => idpServer?.close(resolve));
  await server?.close();
});

const configuration = (): Promise<oidc.Configuration> =>
  oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });

/**
 * The whole sign-in in a fresh browser: the app's authorization request, "Continue with Corp",
 * the provider's login and consent pages, back to the app. Returns the tokens openid-client
 * got for the code, and the /oauth2/idpresponse URL the provider sent the browser to.
 */
async function signInThroughCorp(login: string): Promise<{ claims: oidc.IDToken; idpResponse: string; page: Page }> {
  const config = await configuration();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
  const context = await browser.newContext();
  await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  await context.route('https://**', (route) => route.abort()); // the provider's page imports a web font; there is no internet here
  const page = await context.newPage();
  let idpResponse = '';
  page.on('request', (r) => {
    if (r.url().includes('/oauth2/idpresponse')) idpResponse = r.url();
  });
  await page.goto(url.toString());
  await page.getByRole('link', { name: 'Continue with Corp' }).click();
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return { claims: tokens.claims()!, idpResponse, page };
}

describe('OIDC federation through the hosted UI in Chromium', () => {
  it('creates the federated user Corp_<sub> on the first sign-in, with the provider\u2019s attributes, group and identities', async () => {
    const { claims, idpResponse, page } = await signInThroughCorp('alice');
    expect(claims).toMatchObject({ 'cognito:username': 'Corp_alice', email: 'alice@corp.example', name: 'Name of alice', aud: app.id, 'cognito:groups': [`${pool.poolId}_Corp`] });
    expect(claims.identities).toEqual([expect.objectContaining({ userId: 'alice', providerName: 'Corp', providerType: 'OIDC', issuer: null, primary: 'true' })]);
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_alice' }));
    expect(user.UserStatus).toBe('EXTERNAL_PROVIDER');
    expect(user.UserAttributes?.find((a) => a.Name === 'sub')?.Value).toBe(claims.sub);

    // The provider's answer replayed in the same browser (same state cookie): the state was spent.
    const replayed = await page.context().request.get(idpResponse, { maxRedirects: 0 });
    expect(replayed.status()).toBe(400);
    expect(await replayed.text()).toContain('Invalid state.');
    await page.context().close();

    // A second sign-in updates the same user (same sub).
    const again = await signInThroughCorp('alice');
    expect(again.claims.sub).toBe(claims.sub);
    await again.page.context().close();
  });

  it('signs in the linked native user after AdminLinkProviderForUser, and a new federated user after AdminDisableProviderForUser', async () => {
    const bobSub = await confirmedUser(server, pool, 'bob');
    await idp(server).send(new AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'bob' },
      SourceUser: { ProviderName: 'Corp', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'bob-at-corp' },
    }));
    const linked = await signInThroughCorp('bob-at-corp');
    expect(linked.claims).toMatchObject({ 'cognito:username': 'bob', sub: bobSub, email: 'bob@example.com' });
    expect(linked.claims.identities).toEqual([expect.objectContaining({ userId: 'bob-at-corp', providerName: 'Corp' })]);
    await linked.page.context().close();
    expect(await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_bob-at-corp' })))).toMatchObject({ name: 'UserNotFoundException' });

    // An identity that has signed in already cannot be linked (no merging), as Cognito answers.
    await confirmedUser(server, pool, 'carol');
    const merge = await errorOf(idp(server).send(new AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'carol' },
      SourceUser: { ProviderName: 'Corp', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'alice' },
    })));
    expect(merge).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('Merging is not currently supported') });

    await idp(server).send(new AdminDisableProviderForUserCommand({
      UserPoolId: pool.poolId, User: { ProviderName: 'Corp', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'bob-at-corp' },
    }));
    const bob = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'bob' }));
    expect(bob.UserAttributes?.some((a) => a.Name === 'identities')).toBe(false);
    const unlinked = await signInThroughCorp('bob-at-corp');
    expect(unlinked.claims['cognito:username']).toBe('Corp_bob-at-corp');
    expect(unlinked.claims.sub).not.toBe(bobSub);
    await unlinked.page.context().close();
  });

  it('offers only the client\u2019s providers, and refuses providers the client does not support', async () => {
    const bad = await errorOf(idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: app.id, SupportedIdentityProviders: ['COGNITO', 'Nope'] })));
    expect(bad).toMatchObject({ name: 'InvalidParameterException', message: `The provider Nope does not exist for User Pool ${pool.poolId}` });
    const c = await idp(server).send(new CreateUserPoolClientCommand({
      UserPoolId: pool.poolId, ClientName: 'cognito-only', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
    }));
    const base = `${server.url}/_auth/${PREFIX}`;
    const query = `client_id=${c.UserPoolClient!.ClientId!}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}`;
    const refused = await fetch(`${base}/oauth2/authorize?${query}&identity_provider=Corp`, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Login option is not available. Please try another one');
    const login = await fetch(`${base}/login?${query}`);
    expect(await login.text()).not.toContain('Continue with');
    const offered = await fetch(`${base}/login?client_id=${app.id}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}`);
    expect(await offered.text()).toContain('Continue with Corp');
  });
});
