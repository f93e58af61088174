/**
 * Choice-based sign-in (USER_AUTH): SELECT_CHALLENGE with the factors the pool allows and the
 * user can use, PREFERRED_CHALLENGE, EMAIL_OTP and SMS_OTP as first factors, PASSWORD and
 * PASSWORD_SRP, clients without ALLOW_USER_AUTH, unknown users behind
 * PreventUserExistenceErrors; through SDK v3 and Amplify JS v6 (email-code sign-in).
 */
import {
  AdminUpdateUserAttributesCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { confirmSignIn, signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond as srpRespond, start as srpStart } from '../../../bench/support/srp-client.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
let hiding: string;

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  pool = await createPool(
    server,
    { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP'] } } },
    { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  );
  hiding = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'hiding', PreventUserExistenceErrors: 'ENABLED', ExplicitAuthFlows: ['ALLOW_USER_AUTH'] }))).UserPoolClient!.ClientId!;
  // Confirmed through the API: the email is verified (the sign-up code is taken here).
  for (const name of ['olive', 'pete', 'quinn']) {
    await confirmedUser(server, pool, name);
    await smtp.waitFor(`${name}@example.com`);
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: name, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
  }
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(() => closeAll(server, smtp));

const userAuth = (USERNAME: string, extra: Record<string, string> = {}, ClientId = pool.clientId) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME, ...extra } }));
const answer = (ChallengeName: 'SELECT_CHALLENGE' | 'EMAIL_OTP' | 'SMS_OTP' | 'PASSWORD_VERIFIER', Session: string | undefined, ChallengeResponses: Record<string, string>, ClientId = pool.clientId) =>
  anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId, ChallengeName, Session, ChallengeResponses }));

describe('USER_AUTH through SDK v3', () => {
  it('offers the factors the user can use, then signs in with an emailed code', async () => {
    const select = await userAuth('olive');
    expect(select).toMatchObject({ ChallengeName: 'SELECT_CHALLENGE', AvailableChallenges: ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP'] });
    // SMS_OTP is allowed by the pool, but olive has no verified phone number.
    expect(await errorOf(answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'olive', ANSWER: 'SMS_OTP' }))).toMatchObject({ name: 'InvalidParameterException' });
    const otp = await answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'olive', ANSWER: 'EMAIL_OTP' });
    expect(otp).toMatchObject({ ChallengeName: 'EMAIL_OTP', ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'o***@e***.com' } });
    const code = codeIn((await smtp.waitFor('olive@example.com')).text);
    expect(await errorOf(answer('EMAIL_OTP', otp.Session, { USERNAME: 'olive', EMAIL_OTP_CODE: code === '000000' ? '111111' : '000000' }))).toMatchObject({ name: 'CodeMismatchException' });
    const done = await answer('EMAIL_OTP', otp.Session, { USERNAME: 'olive', EMAIL_OTP_CODE: code });
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
    // The SELECT_CHALLENGE Session was used up by its answer.
    expect(await errorOf(answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'olive', ANSWER: 'EMAIL_OTP' }))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
  });

  it('takes PREFERRED_CHALLENGE PASSWORD with the password at once, and PASSWORD_SRP through SELECT_CHALLENGE', async () => {
    const direct = await userAuth('pete', { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD });
    expect(direct.AuthenticationResult?.IdToken).toBeDefined();
    expect(await errorOf(userAuth('pete', { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: 'Wr0ng-Password!' }))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });

    const select = await userAuth('pete');
    const s = srpStart();
    const verifier = await answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'pete', ANSWER: 'PASSWORD_SRP', SRP_A: s.A });
    expect(verifier.ChallengeName).toBe('PASSWORD_VERIFIER');
    const responses = srpRespond(pool.poolId.split('_')[1]!, s, verifier.ChallengeParameters as never, PASSWORD);
    expect((await answer('PASSWORD_VERIFIER', undefined, responses)).AuthenticationResult?.AccessToken).toBeDefined();
  });

  it('texts an SMS_OTP to a verified phone number when preferred', async () => {
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'quinn', UserAttributes: [{ Name: 'phone_number', Value: '+15555550199' }, { Name: 'phone_number_verified', Value: 'true' }] }));
    const otp = await userAuth('quinn', { PREFERRED_CHALLENGE: 'SMS_OTP' });
    expect(otp).toMatchObject({ ChallengeName: 'SMS_OTP', ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS', CODE_DELIVERY_DESTINATION: '+*******0199' } });
    const outbox = (await (await fetch(`${server.url}/_gatehouse/outbox?to=${encodeURIComponent('+15555550199')}`)).json()) as { messages: { text: string }[] };
    const done = await answer('SMS_OTP', otp.Session, { USERNAME: 'quinn', SMS_OTP_CODE: codeIn(outbox.messages[0]!.text) });
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
  });

  it('refuses clients without ALLOW_USER_AUTH and answers unknown users as Cognito', async () => {
    const plain = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'plain', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }))).UserPoolClient!.ClientId!;
    expect(await errorOf(userAuth('olive', {}, plain))).toEqual({ name: 'InvalidParameterException', message: 'USER_AUTH flow not enabled for this client', status: 400 });
    expect(await errorOf(userAuth('nobody'))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.', status: 400 });

    // Behind PreventUserExistenceErrors an unknown user looks like a known one until the code is wrong.
    const select: InitiateAuthCommandOutput = await userAuth('nobody@example.com', {}, hiding);
    expect(select).toMatchObject({ ChallengeName: 'SELECT_CHALLENGE', AvailableChallenges: ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'SMS_OTP'] });
    const otp = await answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'nobody@example.com', ANSWER: 'EMAIL_OTP' }, hiding);
    expect(otp).toMatchObject({ ChallengeName: 'EMAIL_OTP', ChallengeParameters: { CODE_DELIVERY_DESTINATION: 'n***@e***.com' } });
    expect(await errorOf(answer('EMAIL_OTP', otp.Session, { USERNAME: 'nobody@example.com', EMAIL_OTP_CODE: '123456' }, hiding))).toEqual({
      name: 'CodeMismatchException',
      message: 'Invalid code or auth state for the user.',
      status: 400,
    });
    expect(await errorOf(userAuth('nobody@example.com', { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD }, hiding))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });
});

describe('USER_AUTH on a pool that requires MFA', () => {
  it('offers only the password, which is followed by the MFA challenge', async () => {
    const strict = await createPool(
      server,
      { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } } },
      { ExplicitAuthFlows: ['ALLOW_USER_AUTH'] },
    );
    await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: strict.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    await confirmedUser(server, strict, 'sol');
    const select = await userAuth('sol', {}, strict.clientId);
    expect(select.AvailableChallenges).toEqual(['PASSWORD', 'PASSWORD_SRP']);
    expect(await errorOf(answer('SELECT_CHALLENGE', select.Session, { USERNAME: 'sol', ANSWER: 'EMAIL_OTP' }, strict.clientId))).toMatchObject({ name: 'InvalidParameterException' });
    const withPassword = await userAuth('sol', { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD }, strict.clientId);
    expect(withPassword.ChallengeName).toBe('MFA_SETUP');
    expect(withPassword.AuthenticationResult).toBeUndefined();
  });
});

describe('USER_AUTH through Amplify JS v6', () => {
  it('signs in with an emailed code (CONFIRM_SIGN_IN_WITH_EMAIL_CODE)', async () => {
    const started = await signIn({ username: 'pete', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
    expect(started.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
    const code = codeIn((await smtp.waitFor('pete@example.com')).text);
    const done = await confirmSignIn({ challengeResponse: code });
    expect(done).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    await signOut();
  });
});
