/**
 * The hosted UI's own sign-in page runs the API's triggers, as AWS's does: UserMigration_Authentication
 * for a name the pool does not know, PreAuthentication_Authentication once the password is right,
 * PostAuthentication_Authentication after the last step (the password, the Change Password form,
 * or the MFA form), each with the app client in callerContext. A function deployed with the SDK v3 Lambda
 * client (AddPermission for the pool) logs the events it gets; Chromium signs in on /login and
 * openid-client is the app. A PreAuthentication refusal is shown on the page as Cognito words it
 * ("PreAuthentication failed with error …."), and no code reaches the app; a PostAuthentication
 * refusal opens no hosted session.
 */
import {
  AdminCreateUserCommand, AdminDisableUserCommand, AdminGetUserCommand, AdminSetUserPasswordCommand, AssociateSoftwareTokenCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand,
  InitiateAuthCommand, SetUserPoolMfaConfigCommand, UpdateUserPoolCommand, VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import * as oidc from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, createPool, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const TEMPORARY = 'Temp-Passw0rd!';
const HANDLER = `exports.handler = async (event) => {
  console.log('event ' + JSON.stringify(event));
  if (event.triggerSource === 'PreAuthentication_Authentication' && event.userName.startsWith('mallory')) throw new Error('Not on the list');
  if (event.triggerSource === 'PostAuthentication_Authentication' && event.userName.startsWith('paul')) throw new Error('No more today');
  if (event.triggerSource === 'UserMigration_Authentication' && event.userName === 'olga' && event.request.password === '${PASSWORD}') {
    event.response.userAttributes = { email: 'olga@old.example', email_verified: 'true' };
    event.response.finalUserStatus = 'CONFIRMED';
    event.response.messageAction = 'SUPPRESS';
  }
  return event;
};`;

let server: TestServer;
let pool: Pool;
let browser: Browser;
let app: { id: string; secret: string };
const PREFIX = 'hosted-triggers';
const CALLBACK = 'http://127.0.0.1:9/callback';

interface Event { version: string; userPoolId: string; userName: string; triggerSource: string; callerContext: { awsSdkVersion: string; clientId: string }; request: Record<string, unknown>; response: Record<string, unknown> }

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'hosted-triggers', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  await allowCognito(server, 'hosted-triggers', pool.poolId);
  await idp(server).send(new UpdateUserPoolCommand({
    UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'],
    LambdaConfig: { PreAuthentication: fn.FunctionArn!, PostAuthentication: fn.FunctionArn!, UserMigration: fn.FunctionArn! },
  }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A user made by the administrator (no mail): with a permanent password, or a temporary one. */
async function user(username: string, permanent = true): Promise<void> {
  await idp(server).send(new AdminCreateUserCommand({
    UserPoolId: pool.poolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: TEMPORARY,
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'email_verified', Value: 'true' }],
  }));
  if (permanent) await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: username, Password: PASSWORD, Permanent: true }));
}

/** The events the function was given for this user, in order. */
const events = (userName: string): Event[] =>
  server.logs().filter((l) => l.event === 'lambda.invoke').flatMap((l) => String(l.output).split('\n')).flatMap((line) => {
    const i = line.indexOf('event {');
    return i < 0 ? [] : [JSON.parse(line.slice(i + 6)) as Event];
  }).filter((e) => e.userName === userName);

interface Started { context: BrowserContext; page: Page; config: oidc.Configuration; verifier: string; state: string }

/** The app's authorization request in a fresh browser, and the password typed on /login. */
async function signIn(username: string, password = PASSWORD): Promise<Started> {
  const config = await oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
  const context = await browser.newContext();
  await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  const page = await context.newPage();
  await page.goto(url.toString());
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, config, verifier, state };
}

/** Lands on the app and exchanges the code: the ID token's claims. */
async function landed(s: Started): Promise<oidc.IDToken> {
  await s.page.waitForURL((u) => u.toString().startsWith(CALLBACK));
  const tokens = await oidc.authorizationCodeGrant(s.config, new URL(s.page.url()), { pkceCodeVerifier: s.verifier, expectedState: s.state });
  await s.context.close();
  return tokens.claims()!;
}

/** The error the page shows (the form again, not the app). */
async function refusal(s: Started): Promise<string | null> {
  const text = await s.page.getByRole('alert').textContent();
  expect(s.page.url().startsWith(CALLBACK)).toBe(false);
  await s.context.close();
  return text;
}

describe('Lambda triggers on the hosted sign-in page (Chromium, openid-client)', () => {
  it('runs PreAuthentication, then PostAuthentication, with the app client in callerContext', async () => {
    await user('alice');
    expect((await landed(await signIn('alice')))['cognito:username']).toBe('alice');
    const [pre, post, ...rest] = events('alice');
    expect(rest).toEqual([]);
    expect(pre).toMatchObject({
      version: '1', userPoolId: pool.poolId, triggerSource: 'PreAuthentication_Authentication',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: app.id },
      request: { userAttributes: { email: 'alice@example.com', 'cognito:user_status': 'CONFIRMED' }, validationData: null }, response: {},
    });
    expect(post).toMatchObject({
      triggerSource: 'PostAuthentication_Authentication', callerContext: { clientId: app.id },
      request: { userAttributes: { email: 'alice@example.com' }, newDeviceUsed: false }, response: {},
    });
  });

  it('shows a PreAuthentication refusal on the page as Cognito words it; a wrong password runs no trigger', async () => {
    await user('mallory');
    await expect(refusal(await signIn('mallory', `${PASSWORD}x`))).resolves.toBe('Incorrect username or password.');
    expect(events('mallory')).toEqual([]);
    await expect(refusal(await signIn('mallory'))).resolves.toBe('PreAuthentication failed with error Not on the list.');
    expect(events('mallory').map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication']);
  });

  it('refuses a disabled user on the page once the password is right, and opens no session', async () => {
    await user('dora');
    await idp(server).send(new AdminDisableUserCommand({ UserPoolId: pool.poolId, Username: 'dora' }));
    await expect(refusal(await signIn('dora', `${PASSWORD}x`))).resolves.toBe('Incorrect username or password.');
    await expect(refusal(await signIn('dora'))).resolves.toBe('User is disabled.');
  });

  it('shows a PostAuthentication refusal and opens no hosted session', async () => {
    await user('paul');
    const s = await signIn('paul');
    await expect(s.page.getByRole('alert').textContent()).resolves.toBe('PostAuthentication failed with error No more today.');
    // No session cookie was set: the next authorization request asks for the password again.
    await s.page.goto(oidc.buildAuthorizationUrl(s.config, { redirect_uri: CALLBACK, scope: 'openid email', state: 'again' }).toString());
    await s.page.getByLabel('Password').waitFor();
    expect(s.page.url().startsWith(CALLBACK)).toBe(false);
    await s.context.close();
    expect(events('paul').map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication', 'PostAuthentication_Authentication']);
  });

  it('migrates an unknown user with UserMigration_Authentication, then runs the sign-in triggers', async () => {
    expect((await landed(await signIn('olga')))).toMatchObject({ 'cognito:username': 'olga', email: 'olga@old.example', email_verified: true });
    const [migration, pre, post, ...rest] = events('olga');
    expect(rest).toEqual([]);
    expect(migration).toMatchObject({ triggerSource: 'UserMigration_Authentication', callerContext: { clientId: app.id }, request: { password: PASSWORD, validationData: null } });
    expect(pre).toMatchObject({ triggerSource: 'PreAuthentication_Authentication', callerContext: { clientId: app.id } });
    expect(post).toMatchObject({ triggerSource: 'PostAuthentication_Authentication', callerContext: { clientId: app.id } });
    expect((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'olga' }))).UserStatus).toBe('CONFIRMED');
  });

  it('runs PreAuthentication before the Change Password form and PostAuthentication after it', async () => {
    await user('tara', false);
    const s = await signIn('tara', TEMPORARY);
    await s.page.getByRole('heading', { name: 'Change Password' }).waitFor();
    expect(events('tara').map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication']);
    expect(events('tara')[0]!.request.userAttributes).toMatchObject({ 'cognito:user_status': 'FORCE_CHANGE_PASSWORD' });
    await s.page.getByLabel('New Password', { exact: true }).fill(PASSWORD);
    await s.page.getByLabel('Enter New Password Again').fill(PASSWORD);
    await s.page.getByRole('button', { name: 'Send' }).click();
    expect((await landed(s))['cognito:username']).toBe('tara');
    const [, post, ...rest] = events('tara');
    expect(rest).toEqual([]);
    expect(post).toMatchObject({ triggerSource: 'PostAuthentication_Authentication', callerContext: { clientId: app.id }, request: { userAttributes: { 'cognito:user_status': 'CONFIRMED' } } });
  });

  it('runs PostAuthentication only after the MFA form is answered', async () => {
    await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    await user('tom');
    const token = (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'tom', PASSWORD } }))).AuthenticationResult!.AccessToken!;
    const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    const totp = new TOTP({ secret: Secret.fromBase32(SecretCode!), algorithm: 'SHA1', digits: 6, period: 30 });
    await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: totp.generate({ timestamp: server.gatehouse.clock.now() }) }));
    server.gatehouse.clock.advance(30_000); // the next time step: the one VerifySoftwareToken took is used
    const before = events('tom').length; // the API sign-in's own two

    const s = await signIn('tom');
    await s.page.getByText('Enter the code from your authenticator app.').waitFor();
    expect(events('tom').slice(before).map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication']);
    await s.page.getByLabel('Code').fill(totp.generate({ timestamp: server.gatehouse.clock.now() }));
    await s.page.getByRole('button', { name: 'Sign in' }).click();
    expect((await landed(s))['cognito:username']).toBe('tom');
    const after = events('tom').slice(before);
    expect(after.map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication', 'PostAuthentication_Authentication']);
    expect(after[1]).toMatchObject({ callerContext: { clientId: app.id }, request: { newDeviceUsed: false } });
  });
});
