/**
 * PreSignUp_ExternalProvider and PostConfirmation_ConfirmSignUp on a federated user's first
 * sign-in, through the hosted UI in Chromium with `oidc-provider` as the OIDC identity
 * provider and `openid-client` as the app (the set-up of federation-oidc.test.ts). The event
 * is AWS's: userName `<Provider>_<sub>`, the app client in callerContext, the mapped attributes,
 * validationData {}. autoVerifyEmail verifies the mapped email. A trigger that throws sends
 * the browser back to the app's redirect_uri with Cognito's error_description ("PreSignUp
 * failed with error …. "), and no user is created.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminGetUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import Provider from 'oidc-provider';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, errorOf, idp, type Pool } from '../cognito-idp/support.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `exports.handler = async (event) => {
  console.log('event ' + JSON.stringify(event));
  if (event.triggerSource === 'PreSignUp_ExternalProvider') {
    if (event.request.userAttributes.email.startsWith('mallory')) throw new Error('Not from Corp');
    event.response.autoVerifyEmail = true;
  }
  return event;
};`;

let server: TestServer;
let pool: Pool;
let browser: Browser;
let idpServer: http.Server;
let app: { id: string; secret: string };
const PREFIX = 'fed-triggers';
const CALLBACK = 'http://127.0.0.1:9/callback';
const IDP_CLIENT = { id: 'gatehouse-pool', secret: 'idp-client-secret-0123456789abcdef' };

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  idpServer = http.createServer();
  await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: IDP_CLIENT.id, client_secret: IDP_CLIENT.secret, token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: [`${server.url}/_auth/${PREFIX}/oauth2/idpresponse`], grant_types: ['authorization_code'], response_types: ['code'],
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@corp.example`, name: `Name of ${id}` }) }),
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
    AllowedOAuthScopes: ['openid', 'email', 'profile'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['Corp'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };

  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'fed-triggers', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  await allowCognito(server, 'fed-triggers', pool.poolId);
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, LambdaConfig: { PreSignUp: fn.FunctionArn!, PostConfirmation: fn.FunctionArn! } }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => idpServer?.close(resolve));
  await server?.close();
});

const configuration = (): Promise<oidc.Configuration> =>
  oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });

/** The events the function was given, in order. */
const events = (): { triggerSource: string; userName: string; callerContext: { clientId: string }; request: Record<string, unknown> }[] =>
  server.logs().filter((l) => l.event === 'lambda.invoke').flatMap((l) => String(l.output).split('\n')).flatMap((line) => {
    const i = line.indexOf('event {');
    return i < 0 ? [] : [JSON.parse(line.slice(i + 6))];
  });

/** The app's authorization request, "Continue with Corp" and the provider's pages; the URL the browser lands on at the app. */
async function throughCorp(login: string): Promise<{ landed: URL; config: oidc.Configuration; verifier: string; state: string; nonce: string }> {
  const config = await configuration();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
  const context = await browser.newContext();
  try {
    await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
    await context.route('https://**', (route) => route.abort()); // the provider's page imports a web font; there is no internet here
    const page = await context.newPage();
    await page.goto(url.toString());
    await page.getByRole('link', { name: 'Continue with Corp' }).click();
    await page.getByPlaceholder('Enter any login').fill(login);
    await page.getByPlaceholder('and password').fill('any-password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
    return { landed: new URL(page.url()), config, verifier, state, nonce };
  } finally {
    await context.close();
  }
}

describe('Lambda triggers on federated sign-in (Chromium, oidc-provider)', () => {
  it('runs PreSignUp_ExternalProvider with the mapped attributes, then PostConfirmation, only on the first sign-in', async () => {
    const first = await throughCorp('alice');
    const tokens = await oidc.authorizationCodeGrant(first.config, first.landed, { pkceCodeVerifier: first.verifier, expectedState: first.state, expectedNonce: first.nonce });
    expect(tokens.claims()).toMatchObject({ 'cognito:username': 'Corp_alice', email: 'alice@corp.example', email_verified: true });
    const [pre, post, ...rest] = events().filter((e) => e.userName === 'Corp_alice');
    expect(rest).toEqual([]);
    expect(pre).toMatchObject({
      version: '1', region: 'us-east-1', userPoolId: pool.poolId, userName: 'Corp_alice', triggerSource: 'PreSignUp_ExternalProvider',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: app.id },
      request: { userAttributes: { email: 'alice@corp.example', name: 'Name of alice' }, validationData: {} },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    expect(Object.keys(pre!.request.userAttributes as object).sort()).toEqual(['email', 'name']);
    expect(post).toMatchObject({ triggerSource: 'PostConfirmation_ConfirmSignUp', callerContext: { clientId: app.id }, request: { userAttributes: { 'cognito:user_status': 'EXTERNAL_PROVIDER', email_verified: 'true', email: 'alice@corp.example' } } });
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_alice' }));
    expect(user.UserStatus).toBe('EXTERNAL_PROVIDER');

    // The user exists now: signing in again runs neither trigger.
    const again = await throughCorp('alice');
    expect(again.landed.searchParams.get('code')).toEqual(expect.any(String));
    expect(events().filter((e) => e.userName === 'Corp_alice')).toHaveLength(2);
  });

  it('sends a refusal back to the redirect_uri as Cognito words it, and creates no user', async () => {
    const { landed, state } = await throughCorp('mallory');
    expect(landed.origin + landed.pathname).toBe(CALLBACK);
    expect(landed.search).toBe(`?error_description=PreSignUp+failed+with+error+Not+from+Corp.+&state=${state}&error=invalid_request`);
    expect(landed.searchParams.get('code')).toBeNull();
    expect(events().filter((e) => e.userName === 'Corp_mallory').map((e) => e.triggerSource)).toEqual(['PreSignUp_ExternalProvider']);
    expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_mallory' })))).name).toBe('UserNotFoundException');
  });
});
