/**
 * Amplify JS v6 (its own SRP and token handling) against the user pool: sign up, confirm with
 * the mailed code, sign in over SRP, read the session, refresh it, sign out everywhere.
 */
import { Amplify } from 'aws-amplify';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { codeIn, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;

beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(() => closeAll(server, smtp));

describe('Amplify JS v6', () => {
  it('signs up, confirms, signs in over SRP, refreshes and signs out', async () => {
    const up = await signUp({ username: 'amplifier', password: PASSWORD, options: { userAttributes: { email: 'amplifier@example.com' } } });
    expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    const code = codeIn((await smtp.waitFor('amplifier@example.com')).text);
    const confirmed = await confirmSignUp({ username: 'amplifier', confirmationCode: code });
    expect(confirmed.isSignUpComplete).toBe(true);

    const signedIn = await signIn({ username: 'amplifier', password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    expect(signedIn).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const user = await getCurrentUser();
    expect(user.username).toBe('amplifier');

    const session = await fetchAuthSession();
    expect(session.tokens?.idToken?.payload).toMatchObject({ 'cognito:username': 'amplifier', email: 'amplifier@example.com', iss: `${server.url}/${pool.poolId}` });
    const refreshed = await fetchAuthSession({ forceRefresh: true });
    expect(refreshed.tokens?.idToken?.toString()).not.toBe(session.tokens?.idToken?.toString());
    expect(refreshed.tokens?.idToken?.payload.origin_jti).toBe(session.tokens?.idToken?.payload.origin_jti);

    await signOut({ global: true });
    await expect(getCurrentUser()).rejects.toThrow();
    const wrong = await signIn({ username: 'amplifier', password: 'Wrong-Passw0rd!', options: { authFlowType: 'USER_SRP_AUTH' } }).catch((e: Error) => e);
    expect(wrong).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });
});
