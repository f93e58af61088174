/**
 * With PreventUserExistenceErrors ENABLED no answer tells an existing user from an unknown
 * name (issue 10, item 5): each test asks the same thing for an existing user and for a name
 * nobody has, through SDK v3, and expects the very same answer (code and message, or delivery
 * details). The names share a first letter, from which AWS builds a simulated destination.
 */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminUpdateUserAttributesCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, confirmedUser, errorOf, idp, PASSWORD, startPoolServer, type CaughtError } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let poolId: string;
let clientId: string;
let c: CognitoIdentityProviderClient;
beforeAll(async () => {
  const started = await startPoolServer();
  ({ server, smtp } = started);
  poolId = started.pool.poolId;
  const client = await idp(server).send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'hiding', PreventUserExistenceErrors: 'ENABLED', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
  );
  clientId = client.UserPoolClient!.ClientId!;
  c = anonymous(server);
});
afterAll(() => closeAll(server, smtp));

const signIn = (username: string, password: string) => c.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
const forgot = (username: string) => c.send(new ForgotPasswordCommand({ ClientId: clientId, Username: username }));
const answer = async (p: Promise<unknown>): Promise<unknown> => p.then((r) => ({ ok: (r as { CodeDeliveryDetails?: unknown }).CodeDeliveryDetails }), (e: unknown) => errorOf(Promise.reject(e)));

async function verifiedUser(username: string): Promise<void> {
  await confirmedUser(server, { poolId, clientId }, username);
  await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
}

describe('PreventUserExistenceErrors ENABLED: an existing user is answered as an unknown name', () => {
  it('a wrong password for a disabled user: "Incorrect username or password.", not "User is disabled."', async () => {
    await verifiedUser('dora');
    await idp(server).send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'dora' }));
    const known = await errorOf(signIn('dora', 'Wrong-Passw0rd!'));
    expect(known).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(await errorOf(signIn('dolly', 'Wrong-Passw0rd!'))).toEqual(known);
    // SRP's first step answers both with a challenge.
    const srp = (u: string) => c.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: u, SRP_A: 'ab'.repeat(192) } }));
    expect((await srp('dora')).ChallengeName).toBe('PASSWORD_VERIFIER');
    expect((await srp('dolly')).ChallengeName).toBe('PASSWORD_VERIFIER');
    // The right password is told the truth.
    expect(await errorOf(signIn('dora', PASSWORD))).toMatchObject({ name: 'NotAuthorizedException', message: 'User is disabled.' });
  });

  it('five wrong passwords lock out an unknown name just as an existing user', async () => {
    await verifiedUser('lena');
    // Lockouts last seconds: the steps must not race the wall clock on a busy machine.
    server.gatehouse.clock.freeze();
    try {
      for (let i = 0; i < 5; i++) {
        expect(await errorOf(signIn('lena', `Wrong-${i}-Passw0rd!`))).toMatchObject({ message: 'Incorrect username or password.' });
        expect(await errorOf(signIn('lou', `Wrong-${i}-Passw0rd!`))).toMatchObject({ message: 'Incorrect username or password.' });
      }
      const known = await errorOf(signIn('lena', 'Wrong-9-Passw0rd!'));
      expect(known).toEqual({ name: 'NotAuthorizedException', message: 'Password attempts exceeded', status: 400 });
      expect(await errorOf(signIn('lou', 'Wrong-9-Passw0rd!'))).toEqual(known);
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('the hourly limit on ForgotPassword applies to unknown names too', async () => {
    await verifiedUser('fern');
    for (let i = 0; i < 5; i++) {
      await forgot('fern');
      await forgot('finn');
    }
    const known = await errorOf(forgot('fern'));
    expect(known).toEqual({ name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.', status: 400 });
    expect(await errorOf(forgot('finn'))).toEqual(known);
  });

  it('ForgotPassword for an invited user (FORCE_CHANGE_PASSWORD) gets the simulated delivery', async () => {
    await idp(server).send(
      new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ivy', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'ivy@example.com' }, { Name: 'email_verified', Value: 'true' }] }),
    );
    const known = await answer(forgot('ivy'));
    expect(known).toEqual({ ok: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'i***@e***.com' } });
    expect(await answer(forgot('iggy'))).toEqual(known);
  });

  it('ResendConfirmationCode for a confirmed user gets the simulated delivery, not "User is already confirmed."', async () => {
    await verifiedUser('cora');
    const resend = (u: string) => answer(c.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: u })));
    const known = await resend('cora');
    expect(known).toEqual({ ok: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'c***@e***.com' } });
    expect(await resend('cliff')).toEqual(known);
  });

  it('ConfirmSignUp for a confirmed user is a wrong code, not "Current status is CONFIRMED"', async () => {
    await verifiedUser('bea');
    const confirm = (u: string) => errorOf(c.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: u, ConfirmationCode: '123456' })));
    const known: CaughtError = await confirm('bea');
    expect(known).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.', status: 400 });
    expect(await confirm('bob')).toEqual(known);
  });

  it('ConfirmForgotPassword for a disabled user is a wrong code', async () => {
    await verifiedUser('gus');
    await forgot('gus');
    await idp(server).send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'gus' }));
    const reset = (u: string) => errorOf(c.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: u, ConfirmationCode: '123456', Password: 'N3w-Passw0rd!' })));
    const known = await reset('gus');
    expect(known).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.', status: 400 });
    expect(await reset('gwen')).toEqual(known);
  });
});
