/**
 * The seed app's first half, end to end, through the unmodified amazon-cognito-identity-js:
 * register with an email attribute, confirm with the code from the email (delivered to a real
 * SMTP server), log in over SRP, restore the session from storage, refresh it, sign out; the
 * administrator's side through SDK v3; the tokens checked by aws-jwt-verify.
 */
import { AdminGetUserCommand, GetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, CognitoUserSession, type ISignUpResult } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, errorOf, idp, jwtVerifier, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;

beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
});
afterAll(() => closeAll(server, smtp));

function userPool(): CognitoUserPool {
  return new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url });
}

function signUp(p: CognitoUserPool, username: string, password: string, email: string): Promise<ISignUpResult> {
  return new Promise((resolve, reject) =>
    // As the seed calls it: no validation data (null on the wire).
    p.signUp(username, password, [new CognitoUserAttribute({ Name: 'email', Value: email })], null as never, (err, result) => (err ? reject(err) : resolve(result!))),
  );
}

function confirm(user: CognitoUser, code: string): Promise<unknown> {
  return new Promise((resolve, reject) => user.confirmRegistration(code, true, (err: Error | undefined, result: unknown) => (err ? reject(err) : resolve(result))));
}

function login(user: CognitoUser, password: string): Promise<CognitoUserSession> {
  return new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
    }),
  );
}

function getSession(user: CognitoUser): Promise<CognitoUserSession> {
  return new Promise((resolve, reject) => user.getSession((err: Error | null, s: CognitoUserSession | null) => (err ? reject(err) : resolve(s!))));
}

function refresh(user: CognitoUser, session: CognitoUserSession): Promise<CognitoUserSession> {
  return new Promise((resolve, reject) => user.refreshSession(session.getRefreshToken(), (err: unknown, s: CognitoUserSession) => (err ? reject(err as Error) : resolve(s))));
}

describe("the seed's registration, verification and login", () => {
  it('signs up, confirms with the emailed code, logs in over SRP, restores, refreshes and signs out', async () => {
    const p = userPool();
    const result = await signUp(p, 'seeduser', PASSWORD, 'seed.user@example.com');
    expect(result.userConfirmed).toBe(false);
    expect(result.userSub).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.codeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 's***@e***.com' });

    const mail = await smtp.waitFor('seed.user@example.com');
    expect(mail.subject).toBe('Your verification code');
    expect(mail.text).toMatch(/^Your verification code is \d{6}\.$/);
    await confirm(result.user, codeIn(mail.text));

    const admin = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'seeduser' }));
    expect(admin.UserStatus).toBe('CONFIRMED');
    expect(admin.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'sub', Value: result.userSub },
        { Name: 'email', Value: 'seed.user@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ]),
    );

    // Log in as the seed does: a fresh CognitoUser on the pool, SRP.
    const cognitoUser = new CognitoUser({ Username: 'seeduser', Pool: p });
    const session = await login(cognitoUser, PASSWORD);
    expect(session.isValid()).toBe(true);
    const idToken = session.getIdToken();
    expect(idToken.payload).toMatchObject({
      sub: result.userSub,
      'cognito:username': 'seeduser',
      email: 'seed.user@example.com',
      email_verified: true,
      aud: pool.clientId,
      token_use: 'id',
      iss: `${server.url}/${pool.poolId}`,
    });
    const access = session.getAccessToken().payload;
    expect(access).toMatchObject({ sub: result.userSub, client_id: pool.clientId, token_use: 'access', scope: 'aws.cognito.signin.user.admin', username: 'seeduser' });
    expect(access.origin_jti).toBe(idToken.payload.origin_jti);
    for (const claim of ['jti', 'event_id', 'auth_time', 'iat', 'exp']) expect(access[claim]).toBeDefined();

    // The official verifier accepts the tokens against Gatehouse's JWKS and issuer.
    const verifier = jwtVerifier(server, pool.poolId, pool.clientId);
    await expect(verifier.verify(idToken.getJwtToken())).resolves.toMatchObject({ sub: result.userSub });

    // The seed's page load: a new pool object finds the user and session in storage.
    const restoredUser = userPool().getCurrentUser();
    expect(restoredUser?.getUsername()).toBe('seeduser');
    const restored = await getSession(restoredUser!);
    expect(restored.getIdToken().getJwtToken()).toBe(idToken.getJwtToken());

    // The access token works for the user's own calls.
    const me = await anonymous(server).send(new GetUserCommand({ AccessToken: restored.getAccessToken().getJwtToken() }));
    expect(me.Username).toBe('seeduser');

    // Refresh: new ID and access tokens in the same session.
    const refreshed = await refresh(restoredUser!, restored);
    expect(refreshed.getIdToken().getJwtToken()).not.toBe(idToken.getJwtToken());
    expect(refreshed.getIdToken().payload.origin_jti).toBe(idToken.payload.origin_jti);
    expect(refreshed.getIdToken().payload.auth_time).toBe(idToken.payload.auth_time);
    await expect(verifier.verify(refreshed.getIdToken().getJwtToken())).resolves.toMatchObject({ token_use: 'id' });

    // signOut with a callback revokes the refresh token: its session's tokens die with it.
    await new Promise<void>((resolve, reject) => restoredUser!.signOut((err?: Error) => (err ? reject(err) : resolve())));
    expect(userPool().getCurrentUser()).toBeNull();
    const e = await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: refreshed.getAccessToken().getJwtToken() })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked', status: 400 });
  });

  it('globalSignOut ends every session of the user, refresh tokens included', async () => {
    const p = userPool();
    const result = await signUp(p, 'globaluser', PASSWORD, 'global.user@example.com');
    await confirm(result.user, codeIn((await smtp.waitFor('global.user@example.com')).text));
    const first = new CognitoUser({ Username: 'globaluser', Pool: p });
    const other = await login(new CognitoUser({ Username: 'globaluser', Pool: userPool() }), PASSWORD);
    await login(first, PASSWORD);
    await new Promise<void>((resolve, reject) => first.globalSignOut({ onSuccess: () => resolve(), onFailure: reject }));

    for (const s of [other]) {
      const e = await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: s.getAccessToken().getJwtToken() })));
      expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    }
    const again = new CognitoUser({ Username: 'globaluser', Pool: userPool() });
    const err = await new Promise<Error>((resolve) => again.refreshSession(other.getRefreshToken(), (e: Error) => resolve(e)));
    expect(err).toMatchObject({ code: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
  });

  it('lists the users with a filter, as an administrator', async () => {
    const out = await idp(server).send(new ListUsersCommand({ UserPoolId: pool.poolId, Filter: 'email ^= "seed."' }));
    expect(out.Users?.map((u) => u.Username)).toEqual(['seeduser']);
  });
});
