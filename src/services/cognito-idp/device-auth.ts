/**
 * Remembered devices in sign-in: which device a sign-in names (DEVICE_KEY must be a confirmed
 * device of the user, or "Device does not exist.", on which identity-js and Amplify forget the
 * key and send the same answer again without it), whether the device stands in for MFA (a
 * remembered device on a pool with ChallengeRequiredOnNewDevice), and device SRP:
 * DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER. That is the password's SRP-6a (domain/srp.ts)
 * with the device group key where the pool name goes, the device key where the username goes,
 * and the salt and verifier ConfirmDevice stored; the device's secret never leaves it.
 *
 * A sign-in that names a remembered device ends in device SRP after its last factor (or
 * instead of MFA), so tokens for that device are only issued to whoever holds its secret;
 * every other sign-in gets tokens here, for its confirmed device or for a new one.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthenticationResultType, InitiateAuthResponse } from './api.generated.js';
import type { IdpContext } from './context.js';
import { bigHex, claimSignature, fromBig, N, parseA, parseTimestamp, serverChallenge, sessionKey, toBig } from './domain/srp.js';
import { expiredSession, incorrectCredentials, invalidParameter, invalidSession, resourceNotFound } from './errors.js';
import type { Sessions } from './sessions.js';
import { postAuthentication } from './trigger-events.js';
import type { SignInCall } from './sign-in.js';
import type { Device } from './store/devices.js';
import type { AppClient, UserPool } from './store/pools.js';
import type { User } from './store/users.js';

type Params = Readonly<Record<string, string>>;

/** DEVICE_SRP_AUTH's Session: whose sign-in, for which device. */
interface DeviceSession {
  s: string;
  d: string;
}

/** DEVICE_PASSWORD_VERIFIER's SECRET_BLOCK (also its Session): the SRP numbers of the second step. */
interface DeviceSrpState extends DeviceSession {
  A: string;
  B: string;
  b: string;
}

/** TIMESTAMP may be this far from the server's clock, as for the password's SRP. */
const TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

export const deviceNotFound = () => resourceNotFound('Device does not exist.');

function param(params: Params, name: string): string {
  const v = Object.hasOwn(params, name) ? params[name] : undefined;
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

/** The stored verifier as a group element, or undefined for one no honest device makes (0, 1, -1 or ≥ N). */
function verifierOf(d: Device): Buffer | undefined {
  const v = toBig(Buffer.from(d.verifier ?? '', 'base64'));
  return v <= 1n || v >= N - 1n ? undefined : fromBig(v);
}

export class DeviceAuth {
  constructor(
    private readonly idp: IdpContext,
    private readonly sessions: Sessions,
  ) {}

  #sessionMs(client: AppClient): number {
    return (client.config.AuthSessionValidity ?? 3) * 60_000;
  }

  /**
   * The device a password sign-in names: undefined when the pool tracks no devices or no key
   * was sent; "Device does not exist." for a key that is not a confirmed device of this user
   * (another user's, a forgotten one, one never confirmed).
   */
  async named(call: SignInCall, user: User): Promise<Device | undefined> {
    if (call.pool.config.DeviceConfiguration === undefined || call.deviceKey === undefined) return undefined;
    const d = await this.idp.devices.get(call.pool.id, user.sub, call.deviceKey);
    if (d === undefined || d.verifier === undefined) throw deviceNotFound();
    return d;
  }

  /** Whether the device replaces the second factor: remembered, on a pool that lets it. */
  skipsMfa(pool: UserPool, d: Device | undefined): d is Device {
    return d !== undefined && d.remembered && pool.config.DeviceConfiguration?.ChallengeRequiredOnNewDevice === true;
  }

  /** DEVICE_SRP_AUTH: the client proves it holds the remembered device's secret. */
  challenge(call: SignInCall, user: User, d: Device): InitiateAuthResponse {
    const { pool, client, now } = call;
    const Session = this.idp.sealer.seal<DeviceSession>('device', pool.id, client.clientId, { s: user.sub, d: d.deviceKey }, now + this.#sessionMs(client));
    return { ChallengeName: 'DEVICE_SRP_AUTH', Session, ChallengeParameters: {} };
  }

  /**
   * The last step of a sign-in whose factors are proved: device SRP when it names a remembered
   * device, else tokens (a key that is no confirmed device of the user by now gets a new device).
   */
  async finish(call: SignInCall, user: User, mfa: boolean): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    const d = call.pool.config.DeviceConfiguration === undefined || call.deviceKey === undefined ? undefined : await this.idp.devices.get(pool.id, user.sub, call.deviceKey);
    const confirmed = d?.verifier === undefined ? undefined : d;
    if (confirmed?.remembered === true) return this.challenge(call, user, confirmed);
    this.idp.platform.log.info({ event: 'cognito-idp.sign-in', userPoolId: pool.id, clientId: client.clientId, sub: user.sub, ...(mfa ? { mfa: true } : {}) }, 'user signed in');
    return this.#signedIn(call, user, await this.sessions.start(pool, client, user, now, confirmed?.deviceKey));
  }

  /** After every step of the sign-in (password or one-time code, MFA, device SRP): PostAuthentication. */
  async #signedIn(call: SignInCall, user: User, result: AuthenticationResultType): Promise<InitiateAuthResponse> {
    await postAuthentication(this.idp, call.pool, call.client.clientId, user, result.NewDeviceMetadata !== undefined);
    return { ChallengeParameters: {}, AuthenticationResult: result };
  }

  /** The user a device step names, once its USERNAME and the client secret check out. */
  async #user(call: SignInCall, sub: string, responses: Params): Promise<User | undefined> {
    const name = param(responses, 'USERNAME');
    const user = await this.idp.users.bySub(call.pool.id, sub);
    this.idp.checkSecret(call.client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined || !user.enabled) return undefined;
    if (name !== user.username && (await this.idp.resolveUser(call.pool, name))?.sub !== user.sub) return undefined;
    return user;
  }

  /** The device of this sign-in, still confirmed and remembered. */
  async #device(call: SignInCall, user: User, bound: string, responses: Params): Promise<Device> {
    // The key sent must be the one this sign-in was for: no switching to another device.
    if (param(responses, 'DEVICE_KEY') !== bound) throw deviceNotFound();
    const d = await this.idp.devices.get(call.pool.id, user.sub, bound);
    if (d === undefined || d.verifier === undefined || d.salt === undefined || !d.remembered) throw deviceNotFound();
    return d;
  }

  /** RespondToAuthChallenge DEVICE_SRP_AUTH: B, the device's salt and SECRET_BLOCK. */
  async srpAuth(call: SignInCall, session: string | undefined, responses: Params): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = this.idp.sealer.open<DeviceSession>('device', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw invalidSession();
    const A = parseA(param(responses, 'SRP_A'));
    if (A === undefined) throw invalidParameter('SRP_A is not a valid SRP public value.');
    const user = await this.#user(call, opened.data.s, responses);
    if (user === undefined) throw invalidSession();
    const d = await this.#device(call, user, opened.data.d, responses);
    const verifier = verifierOf(d);
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    // A verifier no device computes cannot be proved; a challenge as any other keeps that unseen.
    const { b, B } = serverChallenge(verifier ?? fromBig(2n));
    const state: DeviceSrpState = { s: user.sub, d: d.deviceKey, A: A.toString('base64'), B: B.toString('base64'), b: b.toString('base64') };
    const block = this.idp.sealer.seal<DeviceSrpState>('device-srp', pool.id, client.clientId, state, now + this.#sessionMs(client));
    return {
      ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
      Session: block,
      ChallengeParameters: { DEVICE_KEY: d.deviceKey, SALT: bigHex(Buffer.from(d.salt!, 'base64')), SECRET_BLOCK: block, SRP_B: bigHex(B), USERNAME: user.username },
    };
  }

  /** RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER: the device's proof, then tokens for that device. */
  async passwordVerifier(call: SignInCall, responses: Params): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    const blockText = param(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
    const signature = param(responses, 'PASSWORD_CLAIM_SIGNATURE');
    const timestamp = param(responses, 'TIMESTAMP');
    const ts = parseTimestamp(timestamp);
    if (ts === undefined) throw invalidParameter('TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.');
    const opened = this.idp.sealer.open<DeviceSrpState>('device-srp', pool.id, client.clientId, blockText, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw incorrectCredentials();
    // One proof per challenge, right or wrong: a replayed answer is refused.
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw incorrectCredentials();
    const state = opened.data;
    const user = await this.#user(call, state.s, responses);
    if (user === undefined) throw incorrectCredentials();
    const d = await this.#device(call, user, state.d, responses);
    if (Math.abs(ts - now) > TIMESTAMP_SKEW_MS) throw incorrectCredentials();
    const verifier = verifierOf(d);
    const key = verifier === undefined ? undefined : sessionKey(Buffer.from(state.A, 'base64'), Buffer.from(state.B, 'base64'), Buffer.from(state.b, 'base64'), verifier);
    const want = key === undefined ? undefined : claimSignature(key, d.groupKey, d.deviceKey, Buffer.from(blockText, 'base64'), timestamp);
    const got = Buffer.from(signature, 'base64');
    if (want === undefined || got.length !== want.length || !timingSafeEqual(got, want)) throw incorrectCredentials();
    this.idp.platform.log.info({ event: 'cognito-idp.sign-in', userPoolId: pool.id, clientId: client.clientId, sub: user.sub, device: true }, 'user signed in');
    return this.#signedIn(call, user, await this.sessions.start(pool, client, user, now, d.deviceKey));
  }
}
