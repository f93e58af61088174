/**
 * Remembered devices in sign-in: DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER as
 * amazon-cognito-identity-js answers it (authenticateUser with TOTP on, the new device
 * confirmed, setDeviceStatusRemembered, then a sign-in that skips MFA by device SRP;
 * forgetDevice, then MFA again), and step by step through SDK v3 with identity-js' own
 * AuthenticationHelper doing the device's SRP. Refresh tokens are bound to their device.
 * Attacks: another user's device key, a wrong device proof (M1), a forgotten device, a
 * replayed answer or Session, an unconfirmed device, a switched device key.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  AdminForgetDeviceCommand,
  AdminUpdateDeviceStatusCommand,
  AssociateSoftwareTokenCommand,
  ConfirmDeviceCommand,
  CreateUserPoolDomainCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import * as identity from 'amazon-cognito-identity-js';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

/** identity-js' SRP helper and big integers (exported untyped; the library's own math). */
interface BigInt16 {
  toString(radix: number): string;
}
interface Helper {
  getLargeAValue(cb: (err: unknown, A: BigInt16) => void): void;
  getPasswordAuthenticationKey(username: string, password: string, B: BigInt16, salt: BigInt16, cb: (err: unknown, hkdf: Buffer) => void): void;
  generateHashDevice(groupKey: string, deviceKey: string, cb: (err: unknown) => void): void;
  getSaltDevices(): string;
  getVerifierDevices(): string;
  getRandomPassword(): string;
}
const AuthenticationHelper = (identity as unknown as { AuthenticationHelper: new (poolName: string) => Helper }).AuthenticationHelper;
const BigInteger = (createRequire(import.meta.url)('amazon-cognito-identity-js/lib/BigInteger.js') as { default: new (hex: string, radix: number) => BigInt16 }).default;

let server: TestServer;
/** MFA optional with TOTP; remembered devices replace it; the user is asked to remember. */
let skipping: Pool;
/** Remembered devices, but MFA is still asked before the device proves itself. */
let strict: Pool;

beforeAll(async () => {
  server = await startServer();
  skipping = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } });
  strict = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false } });
  for (const p of [skipping, strict]) {
    await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: p.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  }
});
afterAll(async () => {
  await server?.close();
});
// Each TOTP answer moves the server's clock a step on; identity-js stamps its SRP answers with
// the real time, so every test starts from it again (each has its own users).
beforeEach(() => server.gatehouse.clock.reset());

/** The current TOTP code at the server's time, after moving the clock to a step not used yet. */
function freshCode(secret: string): string {
  server.gatehouse.clock.advance(30_000);
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() });
}

const passwordAuth = (p: Pool, USERNAME: string, DEVICE_KEY?: string): Promise<InitiateAuthCommandOutput> =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD, ...(DEVICE_KEY === undefined ? {} : { DEVICE_KEY }) } }));

const respond = (p: Pool, ChallengeName: string, Session: string | undefined, ChallengeResponses: Record<string, string>) =>
  anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: p.clientId, ChallengeName: ChallengeName as 'SMS_MFA', Session, ChallengeResponses }));

const totpSecrets = new Map<string, string>();

/** A confirmed user of `p` with TOTP on; returns (and keeps) the TOTP secret. */
async function totpUser(p: Pool, username: string): Promise<string> {
  await confirmedUser(server, p, username);
  const token = (await passwordAuth(p, username)).AuthenticationResult!.AccessToken!;
  const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
  await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: freshCode(SecretCode!) }));
  totpSecrets.set(username, SecretCode!);
  return SecretCode!;
}

/** Java's Date.toString in UTC at the server's time, as TIMESTAMP is written. */
function timestamp(): string {
  const d = new Date(server.gatehouse.clock.now());
  const [day, date, mon, year] = d.toUTCString().replace(',', '').split(' ');
  return `${day} ${mon} ${Number(date)} ${d.toISOString().slice(11, 19)} UTC ${year}`;
}

interface DeviceSecret {
  key: string;
  group: string;
  password: string;
}

/** What identity-js does after a sign-in with NewDeviceMetadata: a device secret and ConfirmDevice. */
async function confirmDevice(result: { AccessToken?: string; NewDeviceMetadata?: { DeviceKey?: string; DeviceGroupKey?: string } }): Promise<DeviceSecret> {
  const { DeviceKey, DeviceGroupKey } = result.NewDeviceMetadata!;
  const helper = new AuthenticationHelper(DeviceGroupKey!);
  await new Promise<void>((resolve, reject) => helper.generateHashDevice(DeviceGroupKey!, DeviceKey!, (e) => (e ? reject(e) : resolve())));
  await anonymous(server).send(
    new ConfirmDeviceCommand({
      AccessToken: result.AccessToken!,
      DeviceKey: DeviceKey!,
      DeviceName: 'test device',
      DeviceSecretVerifierConfig: { Salt: Buffer.from(helper.getSaltDevices(), 'hex').toString('base64'), PasswordVerifier: Buffer.from(helper.getVerifierDevices(), 'hex').toString('base64') },
    }),
  );
  return { key: DeviceKey!, group: DeviceGroupKey!, password: helper.getRandomPassword() };
}

/** DEVICE_SRP_AUTH's answer and the DEVICE_PASSWORD_VERIFIER answer identity-js would compute for it. */
async function deviceProof(p: Pool, username: string, session: string, device: DeviceSecret, password = device.password) {
  const helper = new AuthenticationHelper(device.group);
  const A = await new Promise<BigInt16>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a))));
  const challenge = await respond(p, 'DEVICE_SRP_AUTH', session, { USERNAME: username, DEVICE_KEY: device.key, SRP_A: A.toString(16) });
  const params = challenge.ChallengeParameters!;
  const hkdf = await new Promise<Buffer>((resolve, reject) =>
    helper.getPasswordAuthenticationKey(device.key, password, new BigInteger(params.SRP_B!, 16), new BigInteger(params.SALT!, 16), (e, k) => (e ? reject(e) : resolve(k))),
  );
  const TIMESTAMP = timestamp();
  const PASSWORD_CLAIM_SIGNATURE = createHmac('sha256', hkdf)
    .update(Buffer.concat([Buffer.from(device.group), Buffer.from(device.key), Buffer.from(params.SECRET_BLOCK!, 'base64'), Buffer.from(TIMESTAMP)]))
    .digest('base64');
  return {
    challenge,
    answer: { USERNAME: params.USERNAME ?? username, PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK!, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE, DEVICE_KEY: device.key },
  };
}

const claims = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A user of `p` with TOTP on and a confirmed, remembered device; returns both secrets. */
async function rememberedUser(p: Pool, username: string): Promise<{ totp: string; device: DeviceSecret }> {
  const totp = await totpUser(p, username);
  const first = await passwordAuth(p, username);
  expect(first.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
  const tokens = (await respond(p, 'SOFTWARE_TOKEN_MFA', first.Session, { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: freshCode(totp) })).AuthenticationResult!;
  const device = await confirmDevice(tokens);
  await idp(server).send(new AdminUpdateDeviceStatusCommand({ UserPoolId: p.poolId, Username: username, DeviceKey: device.key, DeviceRememberedStatus: 'remembered' }));
  return { totp, device };
}

describe('amazon-cognito-identity-js with a remembered device', () => {
  const pool = (): CognitoUserPool => new CognitoUserPool({ UserPoolId: skipping.poolId, ClientId: skipping.clientId, endpoint: server.url });
  /** authenticateUser, answering TOTP when asked; resolves with the session and whether MFA was asked. */
  const authenticate = (user: CognitoUser, secret: string) =>
    new Promise<{ session: CognitoUserSession; mfa: boolean }>((resolve, reject) => {
      let mfa = false;
      user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: PASSWORD }), {
        onSuccess: (session) => resolve({ session, mfa }),
        onFailure: reject,
        totpRequired: () => {
          mfa = true;
          user.sendMFACode(freshCode(secret), { onSuccess: (session) => resolve({ session, mfa }), onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
        },
      });
    });
  const cached = (user: CognitoUser) => {
    user.getCachedDeviceKeyAndPassword();
    return user as unknown as { deviceKey: string | null; randomPassword: string | null; deviceGroupKey: string | null };
  };

  it('skips MFA by device SRP once the device is remembered, and asks again once it is forgotten', async () => {
    const secret = await totpUser(skipping, 'remy');
    const first = new CognitoUser({ Username: 'remy', Pool: pool() });
    expect((await authenticate(first, secret)).mfa).toBe(true);
    const device = cached(first);
    expect(device.deviceKey).toMatch(/^[a-z]{2}-[a-z]+-\d_[0-9a-f-]{36}$/);
    expect(device.randomPassword).toEqual(expect.any(String));
    expect(device.deviceGroupKey).toEqual(expect.any(String));
    await new Promise((resolve, reject) => first.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));

    // A new CognitoUser on the same storage: PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, no TOTP.
    const second = new CognitoUser({ Username: 'remy', Pool: pool() });
    const signedIn = await authenticate(second, secret);
    expect(signedIn.mfa).toBe(false);
    expect(claims(signedIn.session.getAccessToken().getJwtToken())).toMatchObject({ username: 'remy', device_key: device.deviceKey });
    expect(cached(second).deviceKey).toBe(device.deviceKey);
    // identity-js refreshes with DEVICE_KEY: the session's device.
    const refreshed = await new Promise<CognitoUserSession>((resolve, reject) => second.refreshSession(signedIn.session.getRefreshToken(), (e: Error | null, s: CognitoUserSession) => (e ? reject(e) : resolve(s))));
    expect(claims(refreshed.getAccessToken().getJwtToken()).device_key).toBe(device.deviceKey);

    // A wrong device secret in storage: the device proof fails, and nothing is signed in.
    const secretKey = `CognitoIdentityServiceProvider.${skipping.clientId}.remy.randomPasswordKey`;
    const storage = (second as unknown as { storage: { getItem(k: string): string; setItem(k: string, v: string): void } }).storage;
    const right = storage.getItem(secretKey);
    storage.setItem(secretKey, `${right}x`);
    expect(await errorOf(authenticate(new CognitoUser({ Username: 'remy', Pool: pool() }), secret))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    storage.setItem(secretKey, right);

    // forgetDevice: the old refresh token stops working, and the next sign-in asks for TOTP and meets a new device.
    await new Promise((resolve, reject) => second.forgetDevice({ onSuccess: resolve, onFailure: reject }));
    expect(await errorOf(anonymous(server).send(new InitiateAuthCommand({
      ClientId: skipping.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn.session.getRefreshToken().getToken(), DEVICE_KEY: device.deviceKey! },
    })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    const third = new CognitoUser({ Username: 'remy', Pool: pool() });
    expect((await authenticate(third, secret)).mfa).toBe(true);
    expect(cached(third).deviceKey).not.toBe(device.deviceKey);
  });

  it('drops a device forgotten elsewhere ("Device does not exist.") and signs in with MFA', async () => {
    const secret = await totpUser(skipping, 'rita');
    const first = new CognitoUser({ Username: 'rita', Pool: pool() });
    await authenticate(first, secret);
    const stale = cached(first).deviceKey!;
    await new Promise((resolve, reject) => first.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
    // An administrator forgets it; identity-js still has the key and sends it with PASSWORD_VERIFIER.
    await idp(server).send(new AdminForgetDeviceCommand({ UserPoolId: skipping.poolId, Username: 'rita', DeviceKey: stale }));
    const again = new CognitoUser({ Username: 'rita', Pool: pool() });
    expect((await authenticate(again, secret)).mfa).toBe(true);
    expect(cached(again).deviceKey).not.toBe(stale);
  });
});

describe('device SRP step by step (SDK v3)', () => {
  it('signs a remembered device in without MFA and refuses replays and wrong proofs', async () => {
    const { device } = await rememberedUser(skipping, 'sam');
    const start = await passwordAuth(skipping, 'sam', device.key);
    expect(start).toMatchObject({ ChallengeName: 'DEVICE_SRP_AUTH', ChallengeParameters: {} });

    // A wrong device secret (M1): refused, and that challenge is used up.
    const wrong = await deviceProof(skipping, 'sam', start.Session!, device, `${device.password}x`);
    expect(wrong.challenge).toMatchObject({ ChallengeName: 'DEVICE_PASSWORD_VERIFIER', ChallengeParameters: { USERNAME: 'sam', DEVICE_KEY: device.key } });
    const incorrect = { name: 'NotAuthorizedException', message: 'Incorrect username or password.' };
    expect(await errorOf(respond(skipping, 'DEVICE_PASSWORD_VERIFIER', wrong.challenge.Session, wrong.answer))).toMatchObject(incorrect);
    // DEVICE_SRP_AUTH's Session is single use.
    expect(await errorOf(deviceProof(skipping, 'sam', start.Session!, device))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });

    const next = await passwordAuth(skipping, 'sam', device.key);
    const right = await deviceProof(skipping, 'sam', next.Session!, device);
    const ok = await respond(skipping, 'DEVICE_PASSWORD_VERIFIER', right.challenge.Session, right.answer);
    expect(ok.AuthenticationResult!.NewDeviceMetadata).toBeUndefined();
    expect(claims(ok.AuthenticationResult!.AccessToken!).device_key).toBe(device.key);
    // The same right answer again: refused.
    expect(await errorOf(respond(skipping, 'DEVICE_PASSWORD_VERIFIER', right.challenge.Session, right.answer))).toMatchObject(incorrect);

    // The refresh token is the device's: no key or another key is refused, the right one works.
    const REFRESH_TOKEN = ok.AuthenticationResult!.RefreshToken!;
    const refresh = (DEVICE_KEY?: string) =>
      anonymous(server).send(new InitiateAuthCommand({ ClientId: skipping.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN, ...(DEVICE_KEY === undefined ? {} : { DEVICE_KEY }) } }));
    const invalid = { name: 'NotAuthorizedException', message: 'Invalid Refresh Token' };
    expect(await errorOf(refresh())).toMatchObject(invalid);
    expect(await errorOf(refresh(`${device.key.slice(0, -1)}${device.key.endsWith('0') ? '1' : '0'}`))).toMatchObject(invalid);
    expect(claims((await refresh(device.key)).AuthenticationResult!.AccessToken!).device_key).toBe(device.key);
    const v3 = await anonymous(server).send(new GetTokensFromRefreshTokenCommand({ ClientId: skipping.clientId, RefreshToken: REFRESH_TOKEN, DeviceKey: device.key }));
    expect(v3.AuthenticationResult!.AccessToken).toEqual(expect.any(String));
    expect(await errorOf(anonymous(server).send(new GetTokensFromRefreshTokenCommand({ ClientId: skipping.clientId, RefreshToken: REFRESH_TOKEN })))).toMatchObject(invalid);
    // The token endpoint of the pool's domain: `device_key` as Cognito takes it there.
    await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: skipping.poolId, Domain: 'device-srp-test' }));
    const token = (extra: string) =>
      fetch(`${server.url}/_auth/device-srp-test/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&client_id=${skipping.clientId}&refresh_token=${encodeURIComponent(REFRESH_TOKEN)}${extra}`,
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    expect(await token('')).toEqual({ status: 400, json: { error: 'invalid_grant' } });
    const viaDomain = await token(`&device_key=${encodeURIComponent(device.key)}`);
    expect(viaDomain.status).toBe(200);
    expect(claims(viaDomain.json.access_token as string).device_key).toBe(device.key);
  });

  it("refuses another user's device key, a switched key, an unconfirmed device and a forgotten one", async () => {
    const { device } = await rememberedUser(skipping, 'tess');
    await totpUser(skipping, 'ivan');
    const gone = { name: 'ResourceNotFoundException', message: 'Device does not exist.' };
    // Ivan has the password of his own account only; Tess's device is not his.
    expect(await errorOf(passwordAuth(skipping, 'ivan', device.key))).toMatchObject(gone);

    // Tess's sign-in cannot be finished with another device than the one it was for.
    const start = await passwordAuth(skipping, 'tess', device.key);
    const ivanFirst = await passwordAuth(skipping, 'ivan');
    const ivanTokens = (await respond(skipping, 'SOFTWARE_TOKEN_MFA', ivanFirst.Session, { USERNAME: 'ivan', SOFTWARE_TOKEN_MFA_CODE: freshCode(totpSecrets.get('ivan')!) })).AuthenticationResult!;
    const ivanDevice = await confirmDevice(ivanTokens);
    expect(await errorOf(deviceProof(skipping, 'tess', start.Session!, { ...ivanDevice }))).toMatchObject(gone);

    // A device key handed out but never confirmed is no device to sign in with, nor to refresh from.
    const fresh = (await respond(skipping, 'SOFTWARE_TOKEN_MFA', (await passwordAuth(skipping, 'ivan')).Session, { USERNAME: 'ivan', SOFTWARE_TOKEN_MFA_CODE: freshCode(totpSecrets.get('ivan')!) })).AuthenticationResult!;
    expect(await errorOf(passwordAuth(skipping, 'ivan', fresh.NewDeviceMetadata!.DeviceKey))).toMatchObject(gone);
    expect(await errorOf(anonymous(server).send(new InitiateAuthCommand({
      ClientId: skipping.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: fresh.RefreshToken!, DEVICE_KEY: fresh.NewDeviceMetadata!.DeviceKey! },
    })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });

    // Forgotten between the password and the device proof: the device proves nothing any more.
    const pending = await passwordAuth(skipping, 'tess', device.key);
    await idp(server).send(new AdminForgetDeviceCommand({ UserPoolId: skipping.poolId, Username: 'tess', DeviceKey: device.key }));
    expect(await errorOf(deviceProof(skipping, 'tess', pending.Session!, device))).toMatchObject(gone);
    expect(await errorOf(passwordAuth(skipping, 'tess', device.key))).toMatchObject(gone);
  });

  it('asks for MFA from a device that is not remembered, and before the device proof where the pool says so', async () => {
    const { totp, device } = await rememberedUser(skipping, 'nora');
    await idp(server).send(new AdminUpdateDeviceStatusCommand({ UserPoolId: skipping.poolId, Username: 'nora', DeviceKey: device.key, DeviceRememberedStatus: 'not_remembered' }));
    const mfa = await passwordAuth(skipping, 'nora', device.key);
    expect(mfa.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    const tokens = await respond(skipping, 'SOFTWARE_TOKEN_MFA', mfa.Session, { USERNAME: 'nora', SOFTWARE_TOKEN_MFA_CODE: freshCode(totp), DEVICE_KEY: device.key });
    // A tracked device that is not remembered is only recorded: tokens for it, no new device.
    expect(tokens.AuthenticationResult!.NewDeviceMetadata).toBeUndefined();
    expect(claims(tokens.AuthenticationResult!.AccessToken!).device_key).toBe(device.key);

    // ChallengeRequiredOnNewDevice false: the remembered device proves itself after MFA, not instead of it.
    const other = await rememberedUser(strict, 'olga');
    const first = await passwordAuth(strict, 'olga', other.device.key);
    expect(first.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    const then = await respond(strict, 'SOFTWARE_TOKEN_MFA', first.Session, { USERNAME: 'olga', SOFTWARE_TOKEN_MFA_CODE: freshCode(other.totp), DEVICE_KEY: other.device.key });
    expect(then.ChallengeName).toBe('DEVICE_SRP_AUTH');
    const proof = await deviceProof(strict, 'olga', then.Session!, other.device);
    expect(claims((await respond(strict, 'DEVICE_PASSWORD_VERIFIER', proof.challenge.Session, proof.answer)).AuthenticationResult!.AccessToken!).device_key).toBe(other.device.key);
  });
});
