/**
 * A password reset signs out whoever knew the old password (issue 10, item 6):
 * ConfirmForgotPassword, AdminResetUserPassword and AdminSetUserPassword revoke the user's
 * sessions (refresh tokens and the tokens minted from them); ChangePassword keeps the user's
 * other sessions, as AWS does. Through SDK v3, codes read from mail delivered over SMTP.
 */
import {
  AdminResetUserPasswordCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  InitiateAuthCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, errorOf, idp, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
});
afterAll(() => closeAll(server, smtp));

const NEW_PASSWORD = 'Fresh-Passw0rd!';

async function signIn(username: string, password = PASSWORD): Promise<AuthenticationResultType> {
  const r = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  return r.AuthenticationResult!;
}

const refresh = (tokens: AuthenticationResultType) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }));
const getUser = (tokens: AuthenticationResultType) => anonymous(server).send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));

async function expectSignedOut(tokens: AuthenticationResultType): Promise<void> {
  expect(await errorOf(refresh(tokens))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked', status: 400 });
  expect(await errorOf(getUser(tokens))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has been revoked', status: 400 });
}

describe('a password reset ends the sessions of the old password', () => {
  it('ConfirmForgotPassword', async () => {
    await confirmedUser(server, pool, 'stolen');
    await smtp.waitFor('stolen@example.com'); // the sign-up code
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'stolen', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const intruder = await signIn('stolen');
    await anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'stolen' }));
    const code = codeIn((await smtp.waitFor('stolen@example.com')).text);
    await anonymous(server).send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'stolen', ConfirmationCode: code, Password: NEW_PASSWORD }));
    await expectSignedOut(intruder);
    // The owner signs in afresh, and that session works.
    const owner = await signIn('stolen', NEW_PASSWORD);
    expect((await getUser(owner)).Username).toBe('stolen');
    expect((await refresh(owner)).AuthenticationResult?.AccessToken).toBeDefined();
  });

  it('AdminResetUserPassword: signed out, and refresh is refused until the reset is done', async () => {
    await confirmedUser(server, pool, 'flagged');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'flagged', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const before = await signIn('flagged');
    await idp(server).send(new AdminResetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'flagged' }));
    await expectSignedOut(before);
    expect(await errorOf(signIn('flagged'))).toMatchObject({ name: 'PasswordResetRequiredException', message: 'Password reset required for the user' });
  });

  it('AdminSetUserPassword, permanent or temporary', async () => {
    await confirmedUser(server, pool, 'managed');
    const first = await signIn('managed');
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'managed', Password: NEW_PASSWORD, Permanent: true }));
    await expectSignedOut(first);
    const second = await signIn('managed', NEW_PASSWORD);
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'managed', Password: 'Temp-Passw0rd!1', Permanent: false }));
    await expectSignedOut(second);
  });

  it('ChangePassword keeps the other sessions, as on AWS', async () => {
    await confirmedUser(server, pool, 'changer');
    const phone = await signIn('changer');
    const laptop = await signIn('changer');
    await anonymous(server).send(new ChangePasswordCommand({ AccessToken: laptop.AccessToken!, PreviousPassword: PASSWORD, ProposedPassword: NEW_PASSWORD }));
    expect((await refresh(phone)).AuthenticationResult?.AccessToken).toBeDefined();
    expect((await getUser(laptop)).Username).toBe('changer');
    expect((await signIn('changer', NEW_PASSWORD)).AccessToken).toBeDefined();
  });
});
