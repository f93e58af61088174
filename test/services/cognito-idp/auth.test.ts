/**
 * Sign-in and tokens: USER_SRP_AUTH through amazon-cognito-identity-js, USER_PASSWORD_AUTH and
 * REFRESH_TOKEN_AUTH through SDK v3, NEW_PASSWORD_REQUIRED, account states, the errors AWS
 * gives for each bad case, raw SRP with forged values, and tokens judged by aws-jwt-verify.
 */
import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  ChangePasswordCommand,
  CreateUserPoolClientCommand,
  DeleteUserCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, start } from '../../../bench/support/srp-client.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, jwtVerifier, PASSWORD, raw, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let hiding: Pool;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  const hidden = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'hiding', PreventUserExistenceErrors: 'ENABLED', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
  hiding = { poolId: pool.poolId, clientId: hidden.ClientId! };
  await confirmedUser(server, pool, 'alice');
});
afterAll(async () => {
  await server.close();
});

type Outcome = { session: CognitoUserSession } | { newPassword: CognitoUser } | { error: { code?: string; name: string; message: string } };

function srpLogin(p: Pool, username: string, password: string): Promise<Outcome> {
  const user = new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint: server.url }) });
  return new Promise((resolve) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ session }),
      onFailure: (error: { code?: string; name: string; message: string }) => resolve({ error }),
      newPasswordRequired: () => resolve({ newPassword: user }),
    }),
  );
}

const passwordAuth = (p: Pool, USERNAME: string, PASSWORD_: string) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD: PASSWORD_ } }));

async function tokens(username = 'alice'): Promise<AuthenticationResultType> {
  return (await passwordAuth(pool, username, PASSWORD)).AuthenticationResult!;
}

describe('wrong passwords, unknown and unconfirmed users', () => {
  it('over SRP with amazon-cognito-identity-js', async () => {
    expect(await srpLogin(pool, 'alice', 'Wr0ng-Password!')).toEqual({ error: expect.objectContaining({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' }) });
    expect(await srpLogin(pool, 'nobody', PASSWORD)).toEqual({ error: expect.objectContaining({ code: 'UserNotFoundException', message: 'User does not exist.' }) });
    expect(await srpLogin(hiding, 'nobody', PASSWORD)).toEqual({ error: expect.objectContaining({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' }) });
    await anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'pending', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'pending@example.com' }] }));
    expect(await srpLogin(pool, 'pending', PASSWORD)).toEqual({ error: expect.objectContaining({ code: 'UserNotConfirmedException', message: 'User is not confirmed.' }) });
    expect(await srpLogin(pool, 'pending', 'Wr0ng-Password!')).toEqual({ error: expect.objectContaining({ code: 'NotAuthorizedException' }) });
  });

  it('over USER_PASSWORD_AUTH with SDK v3', async () => {
    expect(await errorOf(passwordAuth(pool, 'alice', 'Wr0ng-Password!'))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(await errorOf(passwordAuth(pool, 'nobody', PASSWORD))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.', status: 400 });
    expect(await errorOf(passwordAuth(hiding, 'nobody', PASSWORD))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    await anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'pending2', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'pending2@example.com' }] }));
    expect(await errorOf(passwordAuth(pool, 'pending2', PASSWORD))).toMatchObject({ name: 'UserNotConfirmedException', message: 'User is not confirmed.' });
  });

  it('refuses disabled users until they are enabled again', async () => {
    await confirmedUser(server, pool, 'dora');
    const before = await tokens('dora');
    await idp(server).send(new AdminDisableUserCommand({ UserPoolId: pool.poolId, Username: 'dora' }));
    expect(await errorOf(passwordAuth(pool, 'dora', PASSWORD))).toMatchObject({ name: 'NotAuthorizedException', message: 'User is disabled.' });
    expect(await srpLogin(pool, 'dora', PASSWORD)).toEqual({ error: expect.objectContaining({ code: 'NotAuthorizedException', message: 'User is disabled.' }) });
    expect(await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: before.AccessToken })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    await idp(server).send(new AdminEnableUserCommand({ UserPoolId: pool.poolId, Username: 'dora' }));
    expect('session' in (await srpLogin(pool, 'dora', PASSWORD))).toBe(true);
  });

  it('locks a user out after five wrong passwords, for a time that doubles with each further one', async () => {
    await confirmedUser(server, pool, 'guessed');
    // Lockouts last seconds: the steps below must not race the wall clock on a busy machine.
    server.gatehouse.clock.freeze();
    const wrong = { error: expect.objectContaining({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' }) };
    const locked = { name: 'NotAuthorizedException', message: 'Password attempts exceeded' };
    try {
      for (let i = 0; i < 5; i++) expect(await srpLogin(pool, 'guessed', `Guess-${i}-Passw0rd!`)).toEqual(wrong);
      // Locked for 2^0 s: even the right password is refused, on every flow, and does not count.
      expect(await srpLogin(pool, 'guessed', PASSWORD)).toEqual({ error: expect.objectContaining({ code: locked.name, message: locked.message }) });
      expect(await errorOf(passwordAuth(pool, 'guessed', PASSWORD))).toMatchObject(locked);
      server.gatehouse.clock.advance(1000);
      expect(await errorOf(passwordAuth(pool, 'guessed', 'Guess-5-Passw0rd!'))).toMatchObject({ message: 'Incorrect username or password.' });
      server.gatehouse.clock.advance(1000);
      expect(await errorOf(passwordAuth(pool, 'guessed', PASSWORD))).toMatchObject(locked);
      server.gatehouse.clock.advance(1000);
      expect((await passwordAuth(pool, 'guessed', PASSWORD)).AuthenticationResult?.IdToken).toBeDefined();
      // A success starts over: five more wrong guesses before the next lockout.
      for (let i = 0; i < 5; i++) expect(await errorOf(passwordAuth(pool, 'guessed', `Guess-${i}-Passw0rd!`))).toMatchObject({ message: 'Incorrect username or password.' });
      expect(await errorOf(passwordAuth(pool, 'guessed', PASSWORD))).toMatchObject(locked);
      // Other users are not affected.
      expect((await passwordAuth(pool, 'alice', PASSWORD)).AuthenticationResult?.IdToken).toBeDefined();
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('checks the client allows the flow and the parameters are there', async () => {
    const srpOnly = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'srp-only' }))).UserPoolClient!.ClientId!;
    expect(await errorOf(passwordAuth({ poolId: pool.poolId, clientId: srpOnly }, 'alice', PASSWORD))).toMatchObject({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    expect('session' in (await srpLogin({ poolId: pool.poolId, clientId: srpOnly }, 'alice', PASSWORD))).toBe(true);
    let e = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice' } })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Missing required parameter PASSWORD' });
    e = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Initiate Auth method not supported.' });
    const r = await raw(server, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'MAGIC', AuthParameters: {} });
    expect(r.json.__type).toBe('InvalidParameterException');
  });

  it('signs in over SRP with the email when the pool uses it as username (USER_ID_FOR_SRP is the UUID)', async () => {
    const p = await createPool(server, { UsernameAttributes: ['email'], Schema: undefined });
    const sub = (await anonymous(server).send(new SignUpCommand({ ClientId: p.clientId, Username: 'eve@example.com', Password: PASSWORD }))).UserSub!;
    await idp(server).send(new AdminConfirmSignUpCommand({ UserPoolId: p.poolId, Username: 'eve@example.com' }));
    const outcome = await srpLogin(p, 'eve@example.com', PASSWORD);
    if (!('session' in outcome)) throw new Error(JSON.stringify(outcome));
    expect(outcome.session.getIdToken().payload).toMatchObject({ sub, 'cognito:username': sub, email: 'eve@example.com' });
    expect(await srpLogin(p, 'eve@example.com', 'Wr0ng-Password!')).toEqual({ error: expect.objectContaining({ code: 'NotAuthorizedException' }) });
  });

  it('AdminInitiateAuth signs in with ADMIN_USER_PASSWORD_AUTH', async () => {
    const out = await idp(server).send(new AdminInitiateAuthCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } }));
    expect(out.AuthenticationResult?.IdToken).toBeDefined();
    const e = await errorOf(idp(server).send(new AdminInitiateAuthCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'nope-Nope-1' } })));
    expect(e.name).toBe('NotAuthorizedException');
  });
});

describe('SRP with forged or replayed values', () => {
  const poolName = () => pool.poolId.split('_')[1]!;
  const initiate = async (username = 'alice', A?: string) => {
    const s = start();
    const r = await raw(server, 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: pool.clientId, AuthParameters: { USERNAME: username, SRP_A: A ?? s.A } });
    return { s, r };
  };
  const answer = (responses: Record<string, string>) => raw(server, 'RespondToAuthChallenge', { ChallengeName: 'PASSWORD_VERIFIER', ClientId: pool.clientId, ChallengeResponses: responses });

  it('accepts a correct proof once, and never again', async () => {
    const { s, r } = await initiate();
    const responses = respond(poolName(), s, r.json.ChallengeParameters as never, PASSWORD);
    const ok = await answer(responses);
    expect(ok.status).toBe(200);
    expect((ok.json.AuthenticationResult as Record<string, string>).IdToken).toBeDefined();
    const replay = await answer(responses);
    expect(replay).toMatchObject({ status: 400, json: { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
  });

  it('refuses bad SRP_A, tampered SECRET_BLOCK, bad signature, bad and stale TIMESTAMP, expired blocks', async () => {
    const N = 'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
    for (const A of ['not-hex', '0', N]) {
      expect((await initiate('alice', A)).r.json.__type, A.slice(0, 10)).toBe('InvalidParameterException');
    }

    let { s, r } = await initiate();
    let responses = respond(poolName(), s, r.json.ChallengeParameters as never, PASSWORD);
    const block = Buffer.from(responses.PASSWORD_CLAIM_SECRET_BLOCK!, 'base64');
    block[40] = block[40]! ^ 1;
    expect((await answer({ ...responses, PASSWORD_CLAIM_SECRET_BLOCK: block.toString('base64') })).json).toMatchObject({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    ({ s, r } = await initiate());
    responses = respond(poolName(), s, r.json.ChallengeParameters as never, 'Not-The-Passw0rd');
    expect((await answer(responses)).json).toMatchObject({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    ({ s, r } = await initiate());
    responses = respond(poolName(), s, r.json.ChallengeParameters as never, PASSWORD);
    expect((await answer({ ...responses, TIMESTAMP: '2024-01-01T00:00:00Z' })).json).toMatchObject({
      __type: 'InvalidParameterException',
      message: 'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.',
    });
    expect((await answer({ ...responses, TIMESTAMP: 'Mon Jan 1 00:00:00 UTC 2024' })).json.__type).toBe('NotAuthorizedException');
    expect((await answer({ ...responses, USERNAME: 'someone-else' })).json.__type).toBe('NotAuthorizedException');
    expect((await answer({ ...responses, PASSWORD_CLAIM_SIGNATURE: undefined as never })).json).toMatchObject({ __type: 'InvalidParameterException', message: 'Missing required parameter PASSWORD_CLAIM_SIGNATURE' });

    ({ s, r } = await initiate());
    server.gatehouse.clock.advance(4 * 60_000);
    try {
      responses = respond(poolName(), s, r.json.ChallengeParameters as never, PASSWORD);
      expect((await answer(responses)).json).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('gives unknown users a stable salt and user id when existence is hidden', async () => {
    const ask = () => raw(server, 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: hiding.clientId, AuthParameters: { USERNAME: 'phantom', SRP_A: start().A } });
    const [a, b] = [await ask(), await ask()];
    const pa = a.json.ChallengeParameters as Record<string, string>;
    const pb = b.json.ChallengeParameters as Record<string, string>;
    expect(a.json.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(pa.SALT).toBe(pb.SALT);
    expect(pa.USER_ID_FOR_SRP).toBe(pb.USER_ID_FOR_SRP);
    expect(pa.USER_ID_FOR_SRP).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pa.SRP_B).not.toBe(pb.SRP_B);
  });
});

describe('temporary passwords and NEW_PASSWORD_REQUIRED', () => {
  it('completes the challenge through amazon-cognito-identity-js', async () => {
    await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'newbie', TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'newbie@example.com' }] }));
    const outcome = await srpLogin(pool, 'newbie', 'Temp-Passw0rd!');
    if (!('newPassword' in outcome)) throw new Error(`expected NEW_PASSWORD_REQUIRED, got ${JSON.stringify(outcome)}`);
    const weak = await new Promise<{ code?: string }>((resolve) => outcome.newPassword.completeNewPasswordChallenge('weak', {}, { onSuccess: () => resolve({}), onFailure: resolve }));
    expect(weak.code).toBe('InvalidPasswordException');
    // The first failed attempt did not use up the session.
    const session = await new Promise<CognitoUserSession>((resolve, reject) => outcome.newPassword.completeNewPasswordChallenge('Final-Passw0rd!', {}, { onSuccess: resolve, onFailure: reject }));
    expect(session.getIdToken().payload['cognito:username']).toBe('newbie');
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'newbie' }));
    expect(user.UserStatus).toBe('CONFIRMED');
    expect('session' in (await srpLogin(pool, 'newbie', 'Final-Passw0rd!'))).toBe(true);
  });

  it('expires temporary passwords, and AdminSetUserPassword sets permanent or temporary ones', async () => {
    await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'tardy', TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'tardy@example.com' }] }));
    server.gatehouse.clock.advance(8 * 86_400_000);
    try {
      expect(await errorOf(passwordAuth(pool, 'tardy', 'Temp-Passw0rd!'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Temporary password has expired and must be reset by an administrator.' });
    } finally {
      server.gatehouse.clock.reset();
    }
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'tardy', Password: 'Perm-Passw0rd!', Permanent: true }));
    expect((await passwordAuth(pool, 'tardy', 'Perm-Passw0rd!')).AuthenticationResult?.IdToken).toBeDefined();
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'tardy', Password: 'Temp2-Passw0rd!', Permanent: false }));
    const out = await passwordAuth(pool, 'tardy', 'Temp2-Passw0rd!');
    expect(out.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(JSON.parse(out.ChallengeParameters!.userAttributes!)).toMatchObject({ email: 'tardy@example.com' });
    expect(JSON.parse(out.ChallengeParameters!.requiredAttributes!)).toEqual([]);
    const bad = await raw(server, 'RespondToAuthChallenge', { ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: pool.clientId, Session: 'x'.repeat(40), ChallengeResponses: { USERNAME: 'tardy', NEW_PASSWORD: 'Whatever-Passw0rd!' } });
    expect(bad.json).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid session for the user.' });
    const e = await errorOf(idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'tardy', Password: 'short', Permanent: true })));
    expect(e.name).toBe('InvalidPasswordException');
  });
  it('treats attributes given with the new password as updates: the client may write them, a new email is unverified, sign-in names stay unique', async () => {
    const emailPool = await createPool(server, { UsernameAttributes: ['email'] }, { WriteAttributes: ['email'] });
    for (const email of ['first@example.com', 'second@example.com']) {
      await idp(server).send(new AdminCreateUserCommand({ UserPoolId: emailPool.poolId, Username: email, TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    }
    const challenge = await passwordAuth(emailPool, 'second@example.com', 'Temp-Passw0rd!');
    expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const answer = (email: string, more: Record<string, string> = {}) =>
      anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: emailPool.clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session!, ChallengeResponses: { USERNAME: 'second@example.com', NEW_PASSWORD: 'Final-Passw0rd!', 'userAttributes.email': email, ...more } }));
    expect(await errorOf(answer('third@example.com', { 'userAttributes.given_name': 'Sly' }))).toMatchObject({ name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' });
    expect(await errorOf(answer('first@example.com'))).toMatchObject({ name: 'AliasExistsException', message: 'An account with the given email already exists.' });
    expect((await answer('third@example.com')).AuthenticationResult?.IdToken).toBeDefined();
    const moved = await idp(server).send(new AdminGetUserCommand({ UserPoolId: emailPool.poolId, Username: 'third@example.com' }));
    expect(moved.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'third@example.com' }, { Name: 'email_verified', Value: 'false' }]));
    // The first user still signs in with their own email.
    expect((await passwordAuth(emailPool, 'first@example.com', 'Temp-Passw0rd!')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
  });

  it('keeps preferred_username unique when an administrator changes it', async () => {
    const aliasPool = await createPool(server, { AliasAttributes: ['preferred_username'] });
    await confirmedUser(server, aliasPool, 'pam');
    await confirmedUser(server, aliasPool, 'quinn');
    const set = (Username: string, Value: string) =>
      idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: aliasPool.poolId, Username, UserAttributes: [{ Name: 'preferred_username', Value }] }));
    await set('pam', 'captain');
    expect(await errorOf(set('quinn', 'captain'))).toMatchObject({ name: 'AliasExistsException', message: 'An account with the given preferred_username already exists.' });
    expect(await errorOf(set('quinn', 'pam'))).toMatchObject({ name: 'AliasExistsException' });
    await set('pam', 'captain');
    expect((await passwordAuth(aliasPool, 'captain', PASSWORD)).AuthenticationResult?.IdToken).toBeDefined();
  });
});

describe('tokens, refresh and revocation', () => {
  it('are accepted by aws-jwt-verify, which rejects tampered, expired and wrong-audience ones', async () => {
    const t = await tokens();
    const idVerifier = jwtVerifier(server, pool.poolId, pool.clientId, 'id');
    await expect(idVerifier.verify(t.IdToken!)).resolves.toMatchObject({ 'cognito:username': 'alice' });
    await expect(jwtVerifier(server, pool.poolId, null, 'access').verify(t.AccessToken!)).resolves.toMatchObject({ client_id: pool.clientId });

    const [h, p, s] = t.IdToken!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:username': 'mallory' })).toString('base64url')}.${s}`;
    await expect(idVerifier.verify(tampered)).rejects.toThrow(/signature/i);
    await expect(jwtVerifier(server, pool.poolId, 'someotherclientid', 'id').verify(t.IdToken!)).rejects.toThrow(/audience/i);

    server.gatehouse.clock.advance(-2 * 3600_000);
    let old: AuthenticationResultType;
    try {
      old = await tokens();
    } finally {
      server.gatehouse.clock.reset();
    }
    await expect(idVerifier.verify(old.IdToken!)).rejects.toThrow(/expired/i);
    expect(await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: old.AccessToken! })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has expired' });
  });

  it('GetUser refuses forged tokens and ID tokens', async () => {
    const t = await tokens();
    const [h, p] = t.AccessToken!.split('.') as [string, string];
    for (const bad of [`${h}.${p}.AAAA`, 'not.a.jwt', t.IdToken!, `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`]) {
      expect(await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: bad })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
    }
    const me = await anonymous(server).send(new GetUserCommand({ AccessToken: t.AccessToken! }));
    expect(me.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'alice@example.com' }]));
  });

  it('refreshes, and refuses unknown, revoked, foreign and expired refresh tokens', async () => {
    const t = await tokens();
    const refresh = (token: string, clientId = pool.clientId) =>
      anonymous(server).send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token } }));
    const r = await refresh(t.RefreshToken!);
    expect(r.AuthenticationResult).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600 });
    expect(r.AuthenticationResult?.RefreshToken).toBeUndefined();
    expect(await errorOf(refresh('bm90LWEtcmVmcmVzaC10b2tlbg'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect(await errorOf(refresh(t.RefreshToken!, hiding.clientId))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });

    server.gatehouse.clock.advance(31 * 86_400_000);
    try {
      expect(await errorOf(refresh(t.RefreshToken!))).toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has expired' });
    } finally {
      server.gatehouse.clock.reset();
    }

    expect(await errorOf(anonymous(server).send(new RevokeTokenCommand({ ClientId: pool.clientId, Token: t.AccessToken! })))).toMatchObject({ name: 'UnsupportedTokenTypeException' });
    await anonymous(server).send(new RevokeTokenCommand({ ClientId: pool.clientId, Token: t.RefreshToken! }));
    expect(await errorOf(refresh(t.RefreshToken!))).toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: r.AuthenticationResult!.AccessToken! })))).toMatchObject({ message: 'Access Token has been revoked' });
    // Other sessions of the same user live on.
    const other = await tokens();
    expect((await anonymous(server).send(new GetUserCommand({ AccessToken: other.AccessToken! }))).Username).toBe('alice');
  });

  it('ChangePassword checks the old password; DeleteUser removes the account', async () => {
    await confirmedUser(server, pool, 'changer');
    const t = await tokens('changer');
    let e = await errorOf(anonymous(server).send(new ChangePasswordCommand({ AccessToken: t.AccessToken!, PreviousPassword: 'Wr0ng-Password!', ProposedPassword: 'Next-Passw0rd!' })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    e = await errorOf(anonymous(server).send(new ChangePasswordCommand({ AccessToken: t.AccessToken!, PreviousPassword: PASSWORD, ProposedPassword: 'weak' })));
    expect(e.name).toBe('InvalidPasswordException');
    await anonymous(server).send(new ChangePasswordCommand({ AccessToken: t.AccessToken!, PreviousPassword: PASSWORD, ProposedPassword: 'Next-Passw0rd!' }));
    expect('session' in (await srpLogin(pool, 'changer', 'Next-Passw0rd!'))).toBe(true);
    expect(await errorOf(passwordAuth(pool, 'changer', PASSWORD))).toMatchObject({ name: 'NotAuthorizedException' });

    // Guessing the previous password with a stolen access token is limited.
    const guess = (PreviousPassword: string, AccessToken = t.AccessToken!) => anonymous(server).send(new ChangePasswordCommand({ AccessToken, PreviousPassword, ProposedPassword: 'Other-Passw0rd!' }));
    // The first wrong password above counts: four more, then even the right one is refused.
    for (let i = 0; i < 4; i++) expect(await errorOf(guess(`Guess-${i}-Passw0rd!`))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(await errorOf(guess('Next-Passw0rd!'))).toMatchObject({ name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.' });
    server.gatehouse.clock.advance(3600_000 + 1000);
    try {
      const later = (await passwordAuth(pool, 'changer', 'Next-Passw0rd!')).AuthenticationResult!;
      await guess('Next-Passw0rd!', later.AccessToken!);
    } finally {
      server.gatehouse.clock.reset();
    }

    await anonymous(server).send(new DeleteUserCommand({ AccessToken: t.AccessToken! }));
    expect(await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'changer' })))).toMatchObject({ name: 'UserNotFoundException', message: 'User does not exist.' });
    expect(await errorOf(anonymous(server).send(new GetUserCommand({ AccessToken: t.AccessToken! })))).toMatchObject({ name: 'UserNotFoundException', message: 'User does not exist.' });
  });
});
