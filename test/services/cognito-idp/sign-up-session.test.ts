/**
 * Sign-in right after ConfirmSignUp with its Session (InitiateAuth USER_AUTH): Amplify JS v6's
 * autoSignIn after confirmSignUp, and step by step through SDK v3. Attacks: the Session used
 * twice, for another user, through another client, after it expired, and a client without
 * USER_AUTH (which gets no Session).
 */
import { ConfirmSignUpCommand, CreateUserPoolClientCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { autoSignIn, confirmSignUp, fetchAuthSession, signOut, signUp } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
/** A second USER_AUTH client of the same pool, and one without USER_AUTH. */
let other: string;
let plain: string;

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  pool = await createPool(
    server,
    { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } } },
    { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  );
  const client = (ClientName: string, flows: ('ALLOW_USER_AUTH' | 'ALLOW_USER_SRP_AUTH')[]) =>
    idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName, ExplicitAuthFlows: flows }));
  other = (await client('other', ['ALLOW_USER_AUTH'])).UserPoolClient!.ClientId!;
  plain = (await client('plain', ['ALLOW_USER_SRP_AUTH'])).UserPoolClient!.ClientId!;
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(() => closeAll(server, smtp));

/** Signs `name` up through `ClientId` and confirms with the mailed code; returns ConfirmSignUp's answer. */
async function signUpAndConfirm(name: string, ClientId = pool.clientId) {
  const c = anonymous(server);
  await c.send(new SignUpCommand({ ClientId, Username: name, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: `${name}@example.com` }] }));
  const code = codeIn((await smtp.waitFor(`${name}@example.com`)).text);
  return c.send(new ConfirmSignUpCommand({ ClientId, Username: name, ConfirmationCode: code }));
}

const withSession = (USERNAME: string, Session: string | undefined, ClientId = pool.clientId) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME }, Session }));

describe('Amplify JS v6 autoSignIn', () => {
  it('signs in right after confirmSignUp with USER_AUTH', async () => {
    const up = await signUp({ username: 'auto', password: PASSWORD, options: { userAttributes: { email: 'auto@example.com' }, autoSignIn: { authFlowType: 'USER_AUTH' } } });
    expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    const code = codeIn((await smtp.waitFor('auto@example.com')).text);
    const confirmed = await confirmSignUp({ username: 'auto', confirmationCode: code });
    expect(confirmed).toMatchObject({ isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' } });
    expect(await autoSignIn()).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect((await fetchAuthSession()).tokens?.idToken?.payload).toMatchObject({ 'cognito:username': 'auto', email_verified: true });
    await signOut();
  });
});

describe("ConfirmSignUp's Session through SDK v3", () => {
  it('signs the user in once, and only the user it confirmed through the client it came from', async () => {
    const { Session } = await signUpAndConfirm('sid');
    expect(Session).toEqual(expect.any(String));
    await signUpAndConfirm('mallory');
    const invalid = { name: 'NotAuthorizedException', message: 'Invalid session for the user.' };
    // Another user's name, another client of the pool: refused, and the Session still works after.
    expect(await errorOf(withSession('mallory', Session))).toMatchObject(invalid);
    expect(await errorOf(withSession('sid', Session, other))).toMatchObject(invalid);
    const tokens = (await withSession('sid', Session)).AuthenticationResult!;
    expect(tokens.IdToken).toEqual(expect.any(String));
    expect(tokens.RefreshToken).toEqual(expect.any(String));
    // Single use.
    expect(await errorOf(withSession('sid', Session))).toMatchObject(invalid);
    expect(await errorOf(withSession('sid', 'bm90IGEgc2Vzc2lvbg=='))).toMatchObject(invalid);
  });

  it('expires with the client\'s AuthSessionValidity, and a client without USER_AUTH gets none', async () => {
    const { Session } = await signUpAndConfirm('late');
    server.gatehouse.clock.advance(3 * 60_000 + 1_000);
    try {
      expect(await errorOf(withSession('late', Session))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
    } finally {
      server.gatehouse.clock.reset();
    }
    expect((await signUpAndConfirm('srp-only', plain)).Session).toBeUndefined();
  });
});
