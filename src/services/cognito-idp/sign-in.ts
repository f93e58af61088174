/**
 * Sign-in: the password checks behind USER_SRP_AUTH (PASSWORD_VERIFIER) and
 * USER_PASSWORD_AUTH, and what follows a correct password (account state checks, the
 * NEW_PASSWORD_REQUIRED challenge, an MFA challenge (mfa-challenges.ts), or tokens). Unknown users with PreventUserExistenceErrors
 * get a plausible SRP challenge (stable salt and user id per username) and then the same
 * NotAuthorizedException as a wrong password. Repeated wrong passwords lock the user out
 * for a while (domain/lockout.ts); with PreventUserExistenceErrors an unknown name is locked
 * out the same way (by the name given), and the password is checked before the account's
 * state, so no answer tells an existing user from an unknown one without the password.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InitiateAuthResponse } from './api.generated.js';
import type { IdpContext } from './context.js';
import { missingRequired } from './domain/attributes.js';
import { poolShortName } from './domain/ids.js';
import { Lockout } from './domain/lockout.js';
import { bigHex, claimSignature, fromBig, N, parseTimestamp, serverChallenge, sessionKey, toBig, verifierFor, padBytes } from './domain/srp.js';
import { incorrectCredentials, invalidParameter, notAuthorized, passwordResetRequired, userDisabled, userNotConfirmed, userNotFound } from './errors.js';
import { passwordMatches } from './operations/new-users.js';
import type { DeviceAuth } from './device-auth.js';
import type { MfaChallenges } from './mfa-challenges.js';
import type { AppClient, UserPool } from './store/pools.js';
import { foldUsername, type User } from './store/users.js';
import { caseSensitive } from './domain/pool-config.js';
import { migrateUser } from './migration.js';
import { preAuthentication } from './trigger-events.js';

/** What SECRET_BLOCK carries (sealed): who, and the SRP numbers the second call needs. */
interface SrpState {
  /** The user's sub, or `fake:<name>` for an unknown user under PreventUserExistenceErrors. */
  s: string;
  A: string;
  B: string;
  b: string;
}

/** TIMESTAMP may be this far from the server's clock. */
const TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

export interface SignInCall {
  pool: UserPool;
  client: AppClient;
  now: number;
  hidden: boolean;
  /** The DEVICE_KEY the client sent, if any: a known device of the user gets no new one. */
  deviceKey?: string;
}

export class SignIn {
  readonly #fakeKey: Buffer;
  readonly #fakeVerifier: Buffer;
  readonly #lockout: Lockout;

  constructor(
    private readonly idp: IdpContext,
    private readonly devices: DeviceAuth,
    readonly mfa: MfaChallenges,
  ) {
    this.#lockout = new Lockout(idp.attempts, 'password-failure');
    this.#fakeKey = idp.platform.secrets.derive('cognito-idp:fake-srp');
    // Any group element will do: B = k·v + g^b is uniformly distributed either way.
    this.#fakeVerifier = fromBig((toBig(randomBytes(384)) % (N - 3n)) + 2n);
  }

  /** What lockout counts for a name no user (with a password) has: the name as given. */
  #unknown(pool: UserPool, name: string): string {
    return `name:${foldUsername(name, caseSensitive(pool.config))}`;
  }

  /** A wrong password for a name no user has: locked out and answered as a real user would be. */
  async #failUnknown(call: SignInCall, name: string): Promise<never> {
    const key = this.#unknown(call.pool, name);
    await this.#lockout.check(call.pool.id, key, call.now);
    await this.#lockout.failed(call.pool.id, key, call.now);
    throw incorrectCredentials();
  }

  #sessionMs(client: AppClient): number {
    return (client.config.AuthSessionValidity ?? 3) * 60_000;
  }

  /** USER_SRP_AUTH, first step: B, the salt and SECRET_BLOCK. */
  srpChallenge(call: SignInCall, name: string, user: User | undefined, A: Buffer): InitiateAuthResponse {
    const { pool, client, now } = call;
    let state: SrpState;
    let salt: Buffer;
    let id: string;
    if (user === undefined || user.verifier === undefined || user.salt === undefined) {
      if (user === undefined && !call.hidden) throw userNotFound();
      // Stable per username, as AWS documents, so probing twice reveals nothing.
      const mac = createHmac('sha256', this.#fakeKey).update(`${pool.id}\0${name}`).digest();
      salt = padBytes(mac.subarray(0, 16));
      const h = mac.subarray(16).toString('hex');
      id = user?.username ?? `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
      const { b, B } = serverChallenge(this.#fakeVerifier);
      state = { s: `fake:${name}`, A: A.toString('base64'), B: B.toString('base64'), b: b.toString('base64') };
    } else {
      // A disabled user is told so only after a correct password (afterPassword).
      const { b, B } = serverChallenge(user.verifier);
      salt = user.salt;
      id = user.username;
      state = { s: user.sub, A: A.toString('base64'), B: B.toString('base64'), b: b.toString('base64') };
    }
    const secretBlock = this.idp.sealer.seal('srp', pool.id, client.clientId, state, now + this.#sessionMs(client));
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: {
        SALT: bigHex(salt),
        SECRET_BLOCK: secretBlock,
        SRP_B: bigHex(Buffer.from(state.B, 'base64')),
        USERNAME: id,
        USER_ID_FOR_SRP: id,
      },
    };
  }

  /** USER_SRP_AUTH, second step: checks PASSWORD_CLAIM_SIGNATURE, then finishes the sign-in. */
  async passwordVerifier(
    call: SignInCall,
    responses: Readonly<Record<string, string>>,
    /** What follows a correct password: the usual sign-in, or the next step of a custom flow. */
    then: (user: User) => Promise<InitiateAuthResponse> = (user) => this.afterPassword(call, user),
  ): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    const get = (k: string): string => {
      const v = Object.hasOwn(responses, k) ? responses[k] : undefined;
      if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${k}`);
      return v;
    };
    const username = get('USERNAME');
    const blockText = get('PASSWORD_CLAIM_SECRET_BLOCK');
    const signature = get('PASSWORD_CLAIM_SIGNATURE');
    const timestamp = get('TIMESTAMP');
    const ts = parseTimestamp(timestamp);
    if (ts === undefined) throw invalidParameter('TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.');
    const opened = this.idp.sealer.open<SrpState>('srp', pool.id, client.clientId, blockText, now);
    if (opened === 'expired') throw notAuthorized('Invalid session for the user, session is expired.');
    if (opened === 'invalid') throw incorrectCredentials();
    const consume = (): Promise<boolean> => this.idp.sealer.consume(opened.nonce, opened.expiresAt, now);
    const state = opened.data;
    const fake = state.s.startsWith('fake:');
    const user = fake ? undefined : await this.idp.users.bySub(pool.id, state.s);
    this.idp.checkSecret(client, responses.SECRET_HASH, [username, user?.username], 'auth');
    if (user === undefined || user.verifier === undefined) {
      if (!(await consume())) throw incorrectCredentials();
      // The same work as checking a real proof, so timing does not tell whether the user exists.
      sessionKey(Buffer.from(state.A, 'base64'), Buffer.from(state.B, 'base64'), Buffer.from(state.b, 'base64'), this.#fakeVerifier);
      if (Math.abs(ts - now) > TIMESTAMP_SKEW_MS || !fake) throw incorrectCredentials();
      return this.#failUnknown(call, state.s.slice('fake:'.length));
    }
    // Clients answer with USER_ID_FOR_SRP; anything else must name the same user.
    if (username !== user.username && (await this.idp.resolveUser(pool, username))?.sub !== user.sub) throw incorrectCredentials();
    if (Math.abs(ts - now) > TIMESTAMP_SKEW_MS) throw incorrectCredentials();
    const onRecord = await this.#lockout.check(pool.id, user.sub, now);
    const key = sessionKey(Buffer.from(state.A, 'base64'), Buffer.from(state.B, 'base64'), Buffer.from(state.b, 'base64'), user.verifier);
    const want = key === undefined ? undefined : claimSignature(key, poolShortName(pool.id), user.username, Buffer.from(blockText, 'base64'), timestamp);
    const got = Buffer.from(signature, 'base64');
    if (want === undefined || got.length !== want.length || !timingSafeEqual(got, want)) {
      // A wrong proof uses the block up too: one guess per challenge.
      await consume();
      await this.#lockout.failed(pool.id, user.sub, now);
      throw incorrectCredentials();
    }
    // Before the block is used: on "Device does not exist." identity-js and Amplify drop the
    // key and send this same answer again, which must then still work.
    await this.devices.named(call, user);
    if (!(await consume())) throw incorrectCredentials();
    await this.#lockout.succeeded(pool.id, user.sub, onRecord);
    return then(user);
  }

  /** USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH: the password against the same verifier. */
  async password(call: SignInCall, name: string, user: User | undefined, password: string): Promise<InitiateAuthResponse> {
    // A name the pool does not know may be one the UserMigration trigger brings over.
    const known = user ?? (await migrateUser(this.idp, call.pool, call.client, name, password, call.now));
    return this.afterPassword(call, await this.checkPassword(call, name, known, password));
  }

  /**
   * The password check alone (timing-equal for unknown users, lockout, AWS's errors), for
   * callers that go on their own way after it: the API's sign-in, and the hosted UI's.
   */
  async checkPassword(call: SignInCall, name: string, user: User | undefined, password: string): Promise<User> {
    if (user === undefined || user.verifier === undefined || user.salt === undefined) {
      // The same work as a real check, so timing does not tell whether the user exists.
      verifierFor(poolShortName(call.pool.id), name, password, this.#fakeVerifier.subarray(0, 16));
      if (user === undefined && !call.hidden) throw userNotFound();
      return this.#failUnknown(call, name);
    }
    // The password first: "User is disabled." only for a correct one (afterPassword).
    const onRecord = await this.#lockout.check(call.pool.id, user.sub, call.now);
    if (!passwordMatches(call.pool, user, password)) {
      await this.#lockout.failed(call.pool.id, user.sub, call.now);
      throw incorrectCredentials();
    }
    await this.#lockout.succeeded(call.pool.id, user.sub, onRecord);
    return user;
  }

  /** The password was right: account state decides between an error, a challenge and tokens. */
  async afterPassword(call: SignInCall, user: User): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    await preAuthentication(this.idp, pool, client.clientId, user);
    if (!user.enabled) throw userDisabled();
    if (user.status === 'UNCONFIRMED') throw userNotConfirmed();
    if (user.status === 'RESET_REQUIRED') throw passwordResetRequired();
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      if (user.passwordExpiresAt !== undefined && now > user.passwordExpiresAt) {
        throw notAuthorized('Temporary password has expired and must be reset by an administrator.');
      }
      const attrs: Record<string, string> = {};
      for (const [k, v] of user.attributes) if (k !== 'sub') attrs[k] = v;
      return {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: this.idp.sealer.seal('new-password', pool.id, client.clientId, { s: user.sub }, now + this.#sessionMs(client)),
        ChallengeParameters: {
          USER_ID_FOR_SRP: user.username,
          requiredAttributes: JSON.stringify(missingRequired(pool.config.SchemaAttributes, user.attributes).map((a) => `userAttributes.${a}`)),
          userAttributes: JSON.stringify(attrs),
        },
      };
    }
    // A remembered device stands in for MFA where the pool says so (ChallengeRequiredOnNewDevice).
    const device = await this.devices.named(call, user);
    if (this.devices.skipsMfa(pool, device)) return this.devices.challenge(call, user, device);
    const challenge = await this.mfa.challenge(call, user);
    if (challenge !== undefined) return challenge;
    // PostAuthentication runs there, after the last step whichever it is.
    return this.devices.finish(call, user, false);
  }
}
