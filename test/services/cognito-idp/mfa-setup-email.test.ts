/**
 * EMAIL_OTP as a choice in MFA_SETUP (pool MFA ON with TOTP and email): Amplify JS v6's
 * CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION → EMAIL → CONTINUE_SIGN_IN_WITH_EMAIL_SETUP →
 * CONFIRM_SIGN_IN_WITH_EMAIL_CODE, after which the address is the user's verified email and
 * email MFA asks at the next sign-in; step by step through SDK v3 with a wrong code, a bad
 * address, a reused Session and a pool without email MFA.
 */
import {
  AdminGetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { confirmSignIn, signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
let totpOnly: Pool;

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  pool = await createPool(server);
  totpOnly = await createPool(server);
  await idp(server).send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: pool.poolId,
      MfaConfiguration: 'ON',
      EmailMfaConfiguration: { Message: 'Your code {####}', Subject: 'Sign-in code' },
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: totpOnly.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(() => closeAll(server, smtp));

const passwordAuth = (p: Pool, USERNAME: string): Promise<InitiateAuthCommandOutput> =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));
const respond = (p: Pool, ChallengeName: 'MFA_SETUP' | 'EMAIL_OTP', Session: string | undefined, ChallengeResponses: Record<string, string>) =>
  anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: p.clientId, ChallengeName, Session, ChallengeResponses }));

describe('Amplify JS v6', () => {
  it('sets email MFA up at the first sign-in, then asks for an emailed code', async () => {
    await confirmedUser(server, pool, 'emma');
    await smtp.waitFor('emma@example.com');
    const first = await signIn({ username: 'emma', password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    expect(first.nextStep).toMatchObject({ signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', allowedMFATypes: expect.arrayContaining(['EMAIL', 'TOTP']) });
    expect((await confirmSignIn({ challengeResponse: 'EMAIL' })).nextStep.signInStep).toBe('CONTINUE_SIGN_IN_WITH_EMAIL_SETUP');
    const sent = await confirmSignIn({ challengeResponse: 'emma.mfa@example.com' });
    expect(sent.nextStep).toMatchObject({ signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL' } });
    const mail = await smtp.waitFor('emma.mfa@example.com');
    expect(mail.subject).toBe('Sign-in code');
    expect(await confirmSignIn({ challengeResponse: codeIn(mail.text) })).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const attrs = (await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'emma' })));
    expect(attrs.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'emma.mfa@example.com' }, { Name: 'email_verified', Value: 'true' }]));
    expect(attrs.UserMFASettingList).toEqual(['EMAIL_OTP']);
    await signOut();

    const again = await signIn({ username: 'emma', password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    expect(again.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
    const code = codeIn((await smtp.waitFor('emma.mfa@example.com')).text);
    expect((await confirmSignIn({ challengeResponse: code })).isSignedIn).toBe(true);
    await signOut();
  });
});

describe('MFA_SETUP with EMAIL through SDK v3', () => {
  it('refuses a bad address, a wrong code and a reused Session, and a pool without email MFA', async () => {
    await confirmedUser(server, pool, 'ezra');
    await smtp.waitFor('ezra@example.com');
    const setup = await passwordAuth(pool, 'ezra');
    expect(setup).toMatchObject({ ChallengeName: 'MFA_SETUP' });
    expect(JSON.parse(setup.ChallengeParameters!.MFAS_CAN_SETUP!)).toEqual(expect.arrayContaining(['EMAIL_OTP', 'SOFTWARE_TOKEN_MFA']));
    expect(await errorOf(respond(pool, 'MFA_SETUP', setup.Session, { USERNAME: 'ezra', EMAIL: 'not an address' }))).toMatchObject({ name: 'InvalidParameterException' });
    const asked = await respond(pool, 'MFA_SETUP', setup.Session, { USERNAME: 'ezra', EMAIL: 'ezra.new@example.com' });
    expect(asked).toMatchObject({ ChallengeName: 'EMAIL_OTP', ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'e***@e***.com' } });
    // The MFA_SETUP Session is used up by the email step.
    expect(await errorOf(respond(pool, 'MFA_SETUP', setup.Session, { USERNAME: 'ezra', EMAIL: 'ezra.other@example.com' }))).toMatchObject({ name: 'NotAuthorizedException' });
    const code = codeIn((await smtp.waitFor('ezra.new@example.com')).text);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await errorOf(respond(pool, 'EMAIL_OTP', asked.Session, { USERNAME: 'ezra', EMAIL_OTP_CODE: wrong }))).toMatchObject({ name: 'CodeMismatchException' });
    // Until the right code, the address is not the user's.
    const before = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'ezra' }));
    expect(before.UserAttributes).toContainEqual({ Name: 'email', Value: 'ezra@example.com' });
    expect(before.UserMFASettingList).toBeUndefined();
    expect((await respond(pool, 'EMAIL_OTP', asked.Session, { USERNAME: 'ezra', EMAIL_OTP_CODE: code })).AuthenticationResult!.AccessToken).toEqual(expect.any(String));
    expect(await errorOf(respond(pool, 'EMAIL_OTP', asked.Session, { USERNAME: 'ezra', EMAIL_OTP_CODE: code }))).toMatchObject({ name: 'NotAuthorizedException' });

    await confirmedUser(server, totpOnly, 'tomas');
    const totp = await passwordAuth(totpOnly, 'tomas');
    expect(JSON.parse(totp.ChallengeParameters!.MFAS_CAN_SETUP!)).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(await errorOf(respond(totpOnly, 'MFA_SETUP', totp.Session, { USERNAME: 'tomas', EMAIL: 'tomas@example.com' }))).toMatchObject({ name: 'InvalidParameterException' });
  });
});
