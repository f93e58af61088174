/**
 * Amplify JS v6 with a pool that requires TOTP: set-up at first sign-in
 * (CONTINUE_SIGN_IN_WITH_TOTP_SETUP, codes computed with otpauth), the preference through
 * updateMFAPreference / fetchMFAPreference, and the next sign-in with
 * CONFIRM_SIGN_IN_WITH_TOTP_CODE.
 */
import { SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchMFAPreference, signIn, signOut, updateMFAPreference } from 'aws-amplify/auth';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { confirmedUser, createPool, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  await confirmedUser(server, pool, 'amy');
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(async () => {
  await server?.close();
});

const code = (secret: string, steps = 0): string => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() + steps * 30_000 });

describe('Amplify JS v6 and TOTP', () => {
  it('sets TOTP up at first sign-in, keeps it preferred, and asks for it at the next', async () => {
    server.gatehouse.clock.freeze();
    try {
      const first = await signIn({ username: 'amy', password: PASSWORD });
      expect(first.nextStep.signInStep).toBe('CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
      const secret = first.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP' ? first.nextStep.totpSetupDetails.sharedSecret : '';
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await confirmSignIn({ challengeResponse: code(secret) })).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });

      await updateMFAPreference({ totp: 'PREFERRED' });
      expect(await fetchMFAPreference()).toMatchObject({ enabled: ['TOTP'], preferred: 'TOTP' });
      await signOut();

      const second = await signIn({ username: 'amy', password: PASSWORD });
      expect(second.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
      expect(await confirmSignIn({ challengeResponse: code(secret, 1) })).toMatchObject({ isSignedIn: true });
      await signOut();
    } finally {
      server.gatehouse.clock.reset();
    }
  });
});
