/**
 * TOTP: AssociateSoftwareToken and VerifySoftwareToken with an access token, the secret sealed
 * at rest, the SOFTWARE_TOKEN_MFA challenge after SRP (amazon-cognito-identity-js'
 * totpRequired) and after USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH (SDK v3), and
 * MFA_SETUP on a pool that requires MFA (identity-js' mfaSetup, and SDK v3 step by step).
 * Wrong, reused and expired codes and replayed sessions get Cognito's errors. Codes come from
 * `otpauth`, computed against the server's clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AssociateSoftwareTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let optional: Pool;
let required: Pool;

beforeAll(async () => {
  server = await startServer();
  optional = await createPool(server);
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: optional.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  required = await createPool(server);
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: required.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
});
afterAll(async () => {
  await server?.close();
});

/** The code for `secret` at the server's time, `steps` 30-second steps away. */
function code(secret: string, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: server.gatehouse.clock.now() + steps * 30_000 });
}

const passwordAuth = (p: Pool, USERNAME: string) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));

/** Signs up `username` in the optional pool and turns TOTP on for them; returns the secret. */
async function totpUser(username: string): Promise<string> {
  await confirmedUser(server, optional, username);
  const token = (await passwordAuth(optional, username)).AuthenticationResult!.AccessToken!;
  const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
  await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: code(SecretCode!), FriendlyDeviceName: 'phone' }));
  return SecretCode!;
}

/** Runs a test on a frozen clock, so 30-second steps do not turn over under it. */
async function frozen(fn: () => Promise<void>): Promise<void> {
  server.gatehouse.clock.freeze();
  try {
    await fn();
  } finally {
    server.gatehouse.clock.reset();
  }
}

describe('AssociateSoftwareToken and VerifySoftwareToken with an access token', () => {
  it('turn TOTP on after a right code, refuse a wrong one, and keep the secret sealed', async () => {
    await confirmedUser(server, optional, 'tara');
    const token = (await passwordAuth(optional, 'tara')).AuthenticationResult!.AccessToken!;
    const c = anonymous(server);
    expect(await errorOf(c.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: '123456' })))).toMatchObject({ name: 'SoftwareTokenMFANotFoundException' });
    const { SecretCode } = await c.send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    expect(SecretCode).toMatch(/^[A-Z2-7]{32}$/);
    const wrong = code(SecretCode!) === '000000' ? '111111' : '000000';
    expect(await errorOf(c.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: wrong })))).toEqual({
      name: 'EnableSoftwareTokenMFAException',
      message: 'Code mismatch and fail enable Software Token MFA',
      status: 400,
    });
    expect((await c.send(new GetUserCommand({ AccessToken: token }))).UserMFASettingList).toBeUndefined();
    expect(await c.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: code(SecretCode!), FriendlyDeviceName: 'my phone' }))).toMatchObject({ Status: 'SUCCESS' });
    expect(await c.send(new GetUserCommand({ AccessToken: token }))).toMatchObject({ UserMFASettingList: ['SOFTWARE_TOKEN_MFA'] });

    // The database holds the secret only sealed: neither it nor its bytes appear in the file.
    const files = fs.readdirSync(server.dataDir).filter((f) => f.startsWith('gatehouse.db'));
    expect(files).toContain('gatehouse.db');
    // The database and its write-ahead log.
    const db = Buffer.concat(files.map((f) => fs.readFileSync(path.join(server.dataDir, f))));
    expect(db.includes(Buffer.from(SecretCode!))).toBe(false);
    expect(db.includes(Buffer.from(SecretCode!.toLowerCase()))).toBe(false);
  });
});

describe('the SOFTWARE_TOKEN_MFA challenge', () => {
  it('follows SRP in amazon-cognito-identity-js (totpRequired → sendMFACode)', async () => {
    const secret = await totpUser('uma');
    await frozen(async () => {
      const user = new CognitoUser({ Username: 'uma', Pool: new CognitoUserPool({ UserPoolId: optional.poolId, ClientId: optional.clientId, endpoint: server.url }) });
      const session = await new Promise<CognitoUserSession>((resolve, reject) =>
        user.authenticateUser(new AuthenticationDetails({ Username: 'uma', Password: PASSWORD }), {
          onSuccess: () => reject(new Error('signed in without MFA')),
          onFailure: reject,
          totpRequired: (name: string) => {
            expect(name).toBe('SOFTWARE_TOKEN_MFA');
            user.sendMFACode(code(secret, 1), { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
          },
        }),
      );
      expect(session.isValid()).toBe(true);
      expect(session.getAccessToken().decodePayload()).toMatchObject({ username: 'uma', token_use: 'access' });
    });
  });

  it('answers wrong, reused and expired codes and replayed sessions as Cognito (SDK v3)', async () => {
    const secret = await totpUser('vic');
    await frozen(async () => {
      const c = anonymous(server);
      const first = await passwordAuth(optional, 'vic');
      expect(first).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA', ChallengeParameters: {} });
      expect(first.AuthenticationResult).toBeUndefined();
      const respond = (Session: string | undefined, SOFTWARE_TOKEN_MFA_CODE: string) =>
        c.send(new RespondToAuthChallengeCommand({ ClientId: optional.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session, ChallengeResponses: { USERNAME: 'vic', SOFTWARE_TOKEN_MFA_CODE } }));

      const wrong = [code(secret, -1), code(secret), code(secret, 1)].includes('000000') ? '111111' : '000000';
      expect(await errorOf(respond(first.Session, wrong))).toEqual({ name: 'CodeMismatchException', message: 'Invalid code received for user', status: 400 });
      // Verification used the current step: that code cannot sign in.
      expect(await errorOf(respond(first.Session, code(secret)))).toEqual({ name: 'ExpiredCodeException', message: 'Your software token has already been used once.', status: 400 });
      const ok = await respond(first.Session, code(secret, 1));
      expect(ok.AuthenticationResult?.AccessToken).toBeDefined();
      expect(await errorOf(respond(first.Session, code(secret, 1)))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user.', status: 400 });

      // The next sign-in cannot reuse that step either; a step later it can.
      const second = await passwordAuth(optional, 'vic');
      expect(await errorOf(respond(second.Session, code(secret, 1)))).toMatchObject({ name: 'ExpiredCodeException' });
      server.gatehouse.clock.advance(60_000);
      expect((await respond(second.Session, code(secret))).AuthenticationResult?.IdToken).toBeDefined();

      // Sessions last three minutes.
      const third = await passwordAuth(optional, 'vic');
      server.gatehouse.clock.advance(3 * 60_000 + 1000);
      expect(await errorOf(respond(third.Session, code(secret)))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.', status: 400 });
      expect(await errorOf(respond('bm90IGEgc2Vzc2lvbg==', code(secret)))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user.', status: 400 });
    });
  });

  it('follows ADMIN_USER_PASSWORD_AUTH, answered with AdminRespondToAuthChallenge; another user cannot answer', async () => {
    const secret = await totpUser('wes');
    await totpUser('xena');
    await frozen(async () => {
      const c = idp(server);
      const started = await c.send(new AdminInitiateAuthCommand({ UserPoolId: optional.poolId, ClientId: optional.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'wes', PASSWORD } }));
      expect(started.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
      const answer = (USERNAME: string) =>
        c.send(new AdminRespondToAuthChallengeCommand({ UserPoolId: optional.poolId, ClientId: optional.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: started.Session, ChallengeResponses: { USERNAME, SOFTWARE_TOKEN_MFA_CODE: code(secret, 1) } }));
      expect(await errorOf(answer('xena'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
      expect((await answer('wes')).AuthenticationResult?.RefreshToken).toBeDefined();
    });
  });
});

describe('MFA_SETUP on a pool that requires MFA', () => {
  it('runs through amazon-cognito-identity-js (mfaSetup → associateSoftwareToken → verifySoftwareToken)', async () => {
    await confirmedUser(server, required, 'yara');
    const user = new CognitoUser({ Username: 'yara', Pool: new CognitoUserPool({ UserPoolId: required.poolId, ClientId: required.clientId, endpoint: server.url }) });
    let secret = '';
    const session = await new Promise<CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: 'yara', Password: PASSWORD }), {
        onSuccess: () => reject(new Error('signed in without MFA')),
        onFailure: reject,
        mfaSetup: (name: string, params: Record<string, string>) => {
          expect(name).toBe('MFA_SETUP');
          expect(JSON.parse(params.MFAS_CAN_SETUP!)).toEqual(['SOFTWARE_TOKEN_MFA']);
          user.associateSoftwareToken({
            onFailure: reject,
            associateSecretCode: (s: string) => {
              secret = s;
              user.verifySoftwareToken(code(s), 'yara phone', { onSuccess: resolve, onFailure: reject });
            },
          });
        },
      }),
    );
    expect(session.isValid()).toBe(true);
    // From now on the pool asks for the code.
    expect((await passwordAuth(required, 'yara')).ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('runs step by step through SDK v3, each Session good for its own step only', async () => {
    await confirmedUser(server, required, 'zeke');
    const c = anonymous(server);
    const started = await passwordAuth(required, 'zeke');
    expect(started).toMatchObject({ ChallengeName: 'MFA_SETUP', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } });
    // Not a session for RespondToAuthChallenge yet: nothing has been verified.
    expect(await errorOf(c.send(new RespondToAuthChallengeCommand({ ClientId: required.clientId, ChallengeName: 'MFA_SETUP', Session: started.Session, ChallengeResponses: { USERNAME: 'zeke' } })))).toMatchObject({
      name: 'InvalidParameterException',
    });
    const assoc = await c.send(new AssociateSoftwareTokenCommand({ Session: started.Session }));
    expect(assoc.Session).toBeDefined();
    expect(await errorOf(c.send(new AssociateSoftwareTokenCommand({ Session: started.Session })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
    const wrong = code(assoc.SecretCode!) === '000000' ? '111111' : '000000';
    expect(await errorOf(c.send(new VerifySoftwareTokenCommand({ Session: assoc.Session, UserCode: wrong })))).toMatchObject({ name: 'EnableSoftwareTokenMFAException' });
    const verified = await c.send(new VerifySoftwareTokenCommand({ Session: assoc.Session, UserCode: code(assoc.SecretCode!) }));
    expect(verified).toMatchObject({ Status: 'SUCCESS' });
    const done = await c.send(new RespondToAuthChallengeCommand({ ClientId: required.clientId, ChallengeName: 'MFA_SETUP', Session: verified.Session, ChallengeResponses: { USERNAME: 'zeke' } }));
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
    expect(await errorOf(c.send(new RespondToAuthChallengeCommand({ ClientId: required.clientId, ChallengeName: 'MFA_SETUP', Session: verified.Session, ChallengeResponses: { USERNAME: 'zeke' } })))).toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Invalid session for the user.',
    });
  });
});
