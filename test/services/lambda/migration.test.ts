/**
 * UserMigration and the authentication triggers: amazon-cognito-identity-js (USER_PASSWORD_AUTH,
 * as migration needs the password) signs in a user the pool does not know; the trigger vouches
 * for the password and the user is created with its attributes, then signs in again without
 * the trigger's help. A reset for an unknown name migrates the user as RESET_REQUIRED and mails
 * the code. PreAuthentication can refuse a sign-in; PostAuthentication sees a successful one.
 */
import { AdminGetUserCommand, ConfirmForgotPasswordCommand, ForgotPasswordCommand, InitiateAuthCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, codeIn, createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `
const OLD = { 'legacy': { password: 'Old-Passw0rd!', email: 'legacy@old.example' }, 'resetme': { email: 'resetme@old.example' } };
exports.handler = async (event) => {
  if (event.triggerSource === 'UserMigration_Authentication') {
    const u = OLD[event.userName];
    if (!u || u.password !== event.request.password) throw new Error('Bad password');
    event.response.userAttributes = { email: u.email, email_verified: 'true' };
    event.response.finalUserStatus = 'CONFIRMED';
    event.response.messageAction = 'SUPPRESS';
  } else if (event.triggerSource === 'UserMigration_ForgotPassword') {
    const u = OLD[event.userName];
    if (u) event.response.userAttributes = { email: u.email, email_verified: 'true' };
  } else if (event.triggerSource === 'PreAuthentication_Authentication') {
    if (event.request.userAttributes.email === 'banned@example.com') throw new Error('Sign-in paused');
  } else if (event.triggerSource === 'PostAuthentication_Authentication') {
    console.log('post-auth', event.userName, event.request.newDeviceUsed);
  }
  return event;
};`;

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;

function passwordLogin(username: string, password: string): Promise<CognitoUserSession> {
  const user = new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url }) });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  return new Promise((resolve, reject) => user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), { onSuccess: resolve, onFailure: reject }));
}

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  pool = await createPool(server);
  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'migrate', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  const arn = fn.FunctionArn!;
  await allowCognito(server, 'migrate', pool.poolId);
  await idp(server).send(
    new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { UserMigration: arn, PreAuthentication: arn, PostAuthentication: arn } }),
  );
});
afterAll(() => closeAll(server, smtp));

describe('UserMigration', () => {
  it('migrates a user on first sign-in with the old password', async () => {
    const session = await passwordLogin('legacy', 'Old-Passw0rd!');
    expect(session.getIdToken().decodePayload().email).toBe('legacy@old.example');
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'legacy' }));
    expect(user.UserStatus).toBe('CONFIRMED');
    // The second time the pool knows the user itself.
    const again = await passwordLogin('legacy', 'Old-Passw0rd!');
    expect(again.isValid()).toBe(true);
    expect(server.logs().filter((l) => l.event === 'cognito-idp.user-migrated')).toHaveLength(1);
    expect(server.logs().some((l) => l.event === 'lambda.invoke' && String(l.output).includes('post-auth legacy false'))).toBe(true);
  });

  it('refuses a wrong old password with the trigger\'s error and creates no user', async () => {
    const err = await passwordLogin('legacy2', 'nope').catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'UserLambdaValidationException', message: 'UserMigration failed with error Bad password.' });
    expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'legacy2' })))).name).toBe('UserNotFoundException');
  });

  it('migrates on a password reset and the code sets the first password', async () => {
    const r = await anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'resetme' }));
    expect(r.CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
    const mail = await smtp.waitFor('resetme@old.example');
    await anonymous(server).send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'resetme', ConfirmationCode: codeIn(mail.text), Password: PASSWORD }));
    const t = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'resetme', PASSWORD } }));
    expect(t.AuthenticationResult?.AccessToken).toBeDefined();
  });
});

describe('PreAuthentication', () => {
  it('refuses a sign-in the trigger rejects', async () => {
    const { AdminCreateUserCommand, AdminSetUserPasswordCommand } = await import('@aws-sdk/client-cognito-identity-provider');
    await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'banned', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'banned@example.com' }] }));
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'banned', Password: PASSWORD, Permanent: true }));
    const err = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'banned', PASSWORD } })));
    expect([err.name, err.message]).toEqual(['UserLambdaValidationException', 'PreAuthentication failed with error Sign-in paused.']);
  });
});
