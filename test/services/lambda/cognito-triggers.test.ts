/**
 * User pool triggers end to end: the AWS CLI deploys a handler (`aws lambda create-function
 * --zip-file fileb://…`) and attaches it (`aws cognito-idp update-user-pool --lambda-config …`);
 * amazon-cognito-identity-js signs up (PreSignUp auto-confirms, or refuses: no user is left),
 * signs in and gets an ID token with a PreTokenGeneration claim that aws-jwt-verify reads;
 * the sign-up code arrives over SMTP in a CustomMessage text; PostConfirmation sees the
 * confirmed user. A handler that returns garbage or outlives Cognito's 5 s gets AWS's error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminGetUserCommand, ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, type CognitoUserSession, type ISignUpResult } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { anonymous, codeIn, createPool, errorOf, idp, jwtVerifier, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { createExecutionRole, lambdaClient, poolArn, zipOf } from './support.js';

const HANDLER = `
exports.handler = async (event) => {
  const email = event.request.userAttributes.email || '';
  switch (event.triggerSource) {
    case 'PreSignUp_SignUp':
      if (email.endsWith('@blocked.example')) throw new Error('Email domain not allowed');
      if (email.endsWith('@garbage.example')) return 'not an event';
      if (email.endsWith('@slow.example')) await new Promise((r) => setTimeout(r, 8000));
      if (email.endsWith('@auto.example')) { event.response.autoConfirmUser = true; event.response.autoVerifyEmail = true; }
      return event;
    case 'CustomMessage_SignUp':
      event.response.emailSubject = 'Welcome to Gatehouse';
      event.response.emailMessage = 'Hello ' + event.userName + ', your code is ' + event.request.codeParameter + ' (' + event.callerContext.clientId + ')';
      return event;
    case 'PostConfirmation_ConfirmSignUp':
      console.log('confirmed', event.userName, event.request.userAttributes['cognito:user_status'], event.request.userAttributes.email_verified);
      return event;
    default:
      if (event.triggerSource.startsWith('TokenGeneration_')) {
        event.response.claimsOverrideDetails = { claimsToAddOrOverride: { tenant: 'acme', source: event.triggerSource }, claimsToSuppress: ['email'] };
      }
      return event;
  }
};`;

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
let arn: string;
let dir: string;

function signUp(username: string, email: string): Promise<{ result: ISignUpResult } | { error: { code?: string; message: string } }> {
  const up = new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url });
  return new Promise((resolve) =>
    up.signUp(username, PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: email })], [], (error, result) =>
      resolve(error ? { error: error as { code?: string; message: string } } : { result: result! }),
    ),
  );
}

function srpLogin(username: string): Promise<CognitoUserSession> {
  const user = new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url }) });
  return new Promise((resolve, reject) => user.authenticateUser(new AuthenticationDetails({ Username: username, Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }));
}

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  pool = await createPool(server);
  const role = await createExecutionRole(server);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trigger-test-'));
  fs.writeFileSync(path.join(dir, 'fn.zip'), zipOf({ 'index.js': HANDLER }));
  const created = await awsCli(server.url, server.credentials, [
    'lambda', 'create-function', '--function-name', 'pool-triggers', '--runtime', 'nodejs20.x', '--role', role, '--handler', 'index.handler', '--timeout', '10',
    '--zip-file', `fileb://${path.join(dir, 'fn.zip')}`,
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
  arn = JSON.parse(created.stdout).FunctionArn as string;
  // Cognito may invoke it only once the function's resource policy says so, as at AWS.
  const permitted = await awsCli(server.url, server.credentials, [
    'lambda', 'add-permission', '--function-name', 'pool-triggers', '--statement-id', 'cognito', '--action', 'lambda:InvokeFunction',
    '--principal', 'cognito-idp.amazonaws.com', '--source-arn', poolArn(pool.poolId),
  ]);
  if (permitted.code !== 0) throw new Error(permitted.stderr);
  const config = `PreSignUp=${arn},CustomMessage=${arn},PostConfirmation=${arn},PreTokenGeneration=${arn}`;
  const updated = await awsCli(server.url, server.credentials, [
    'cognito-idp', 'update-user-pool', '--user-pool-id', pool.poolId, '--auto-verified-attributes', 'email', '--lambda-config', config,
  ]);
  if (updated.code !== 0) throw new Error(updated.stderr);
});
afterAll(async () => {
  await closeAll(server, smtp);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('PreSignUp, PreTokenGeneration', () => {
  it('auto-confirms a sign-up, and the ID token carries the claims the trigger added', async () => {
    const r = await signUp('ada', 'ada@auto.example');
    expect('result' in r && r.result.userConfirmed).toBe(true);
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'ada' }));
    expect(user.UserStatus).toBe('CONFIRMED');
    expect(user.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value).toBe('true');

    const session = await srpLogin('ada');
    const claims = await jwtVerifier(server, pool.poolId, pool.clientId, 'id').verify(session.getIdToken().getJwtToken());
    expect(claims.tenant).toBe('acme');
    expect(claims.source).toBe('TokenGeneration_Authentication');
    expect(claims.email).toBeUndefined();
    expect(claims['cognito:username']).toBe('ada');
  });

  it('refuses a sign-up the trigger rejects, and no user is left', async () => {
    const r = await signUp('eve', 'eve@blocked.example');
    expect(r).toEqual({ error: expect.objectContaining({ code: 'UserLambdaValidationException', message: 'PreSignUp failed with error Email domain not allowed.' }) });
    const gone = await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'eve' })));
    expect(gone.name).toBe('UserNotFoundException');
  });

  it('answers InvalidLambdaResponseException for garbage and UnexpectedLambdaException after 5 s', async () => {
    const garbage = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'gus', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'gus@garbage.example' }] })));
    expect([garbage.name, garbage.message, garbage.status]).toEqual(['InvalidLambdaResponseException', 'Unrecognizable lambda output', 400]);
    const slow = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'sam', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'sam@slow.example' }] })));
    expect([slow.name, slow.message]).toEqual(['UnexpectedLambdaException', 'PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.']);
    for (const name of ['gus', 'sam']) expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: name })))).name).toBe('UserNotFoundException');
  });
});

describe('CustomMessage, PostConfirmation', () => {
  it('mails the sign-up code in the trigger\'s words and runs PostConfirmation on confirming', async () => {
    const r = await signUp('bob', 'bob@example.com');
    expect('result' in r && r.result.userConfirmed).toBe(false);
    const mail = await smtp.waitFor('bob@example.com');
    expect(mail.subject).toBe('Welcome to Gatehouse');
    expect(mail.text).toMatch(new RegExp(`^Hello bob, your code is \\d{6} \\(${pool.clientId}\\)`));
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'bob', ConfirmationCode: codeIn(mail.text) }));
    const logged = server.logs().filter((l) => l.event === 'lambda.invoke' && String(l.output).includes('confirmed bob CONFIRMED true'));
    expect(logged).toHaveLength(1);
    const refreshed = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'bob', PASSWORD } }));
    expect(refreshed.AuthenticationResult?.IdToken).toBeDefined();
  });

  it('the trigger function is also an ordinary function', async () => {
    const r = await lambdaClient(server).send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from(JSON.stringify({ triggerSource: 'Other', request: { userAttributes: {} }, response: {} })) }));
    expect(JSON.parse(Buffer.from(r.Payload!).toString()).triggerSource).toBe('Other');
  });
});
