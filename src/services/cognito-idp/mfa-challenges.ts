/**
 * The second factor after a correct password: which challenge Cognito asks for (SMS_MFA,
 * SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE when several are on and none is preferred,
 * MFA_SETUP when the pool requires MFA and the user has none), the answers to them, and the
 * MFA_SETUP Sessions that AssociateSoftwareToken and VerifySoftwareToken pass along.
 *
 * Every Session is sealed (domain/sealed.ts), lives for the client's AuthSessionValidity
 * (3 minutes by default), is bound to its pool, client and user, and is used up by a correct
 * answer or by five wrong ones. A TOTP code is accepted once (the store keeps the last
 * accepted time step).
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { InitiateAuthResponse } from './api.generated.js';
import type { IdpContext } from './context.js';
import { isEmail } from './domain/attributes.js';
import { maskEmail, maskPhone, type Medium } from './domain/messages.js';
import { caseSensitive } from './domain/pool-config.js';
import { poolFactors, type MfaType } from './domain/mfa-config.js';
import { Lockout } from './domain/lockout.js';
import { totpStep } from './domain/totp.js';
import { expiredSession, invalidParameter, invalidSession } from './errors.js';
import type { DeviceAuth } from './device-auth.js';
import { applyAttributeWrites } from './operations/attribute-updates.js';
import type { SignInCall } from './sign-in.js';
import type { AppClient, UserPool } from './store/pools.js';
import type { UserMfa } from './store/mfa.js';
import type { User } from './store/users.js';
import { customMessage } from './trigger-events.js';

type Params = Readonly<Record<string, string>>;

/** What an MFA challenge's Session holds: whose it is and what it asks for. */
interface ChallengeState {
  s: string;
  c: CodeChallenge | 'SELECT_MFA_TYPE';
  /** An email given in MFA_SETUP: the right code makes it the user's verified email and turns email MFA on. */
  e?: string;
}

/** What a code is asked for with: the MFA factors, and SMS_OTP (passwordless, first factor). */
export type CodeChallenge = MfaType | 'SMS_OTP';

/** An MFA_SETUP Session: it travels through calls that name no client, so it says which. */
export interface SetupState {
  p: string;
  c: string;
  s: string;
  /** The call it is good for next. */
  st: 'associate' | 'verify' | 'respond';
}

/** Wrong codes one Session allows. */
const MAX_WRONG = 5;

export const codeMismatchMfa = (): ServiceError => new ServiceError('CodeMismatchException', 'Invalid code or auth state for the user.', 400);
export const totpMismatch = (): ServiceError => new ServiceError('CodeMismatchException', 'Invalid code received for user', 400);
export const totpReused = (): ServiceError => new ServiceError('ExpiredCodeException', 'Your software token has already been used once.', 400);
export const totpNotFound = (): ServiceError => new ServiceError('SoftwareTokenMFANotFoundException', 'Software Token MFA has not been enabled by the user.', 400);

function param(params: Params, name: string): string {
  const v = Object.hasOwn(params, name) ? params[name] : undefined;
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

/** The factors this user can be challenged with now, in Cognito's order. */
function usable(factors: readonly MfaType[], user: User, mfa: UserMfa): MfaType[] {
  return factors.filter(
    (f) =>
      (f === 'SMS_MFA' && mfa.sms && Boolean(user.attributes.get('phone_number'))) ||
      (f === 'SOFTWARE_TOKEN_MFA' && mfa.totp && mfa.totpSecret !== undefined) ||
      (f === 'EMAIL_OTP' && mfa.email && Boolean(user.attributes.get('email'))),
  );
}

export class MfaChallenges {
  /**
   * Wrong second-factor codes per user, across Sessions (a holder of the password could
   * otherwise start sign-in after sign-in and guess on): AWS's lockout, as for passwords.
   */
  readonly lockout: Lockout;

  constructor(
    private readonly idp: IdpContext,
    private readonly devices: DeviceAuth,
  ) {
    this.lockout = new Lockout(idp.attempts, 'mfa-failure');
  }

  #sessionMs(client: AppClient): number {
    return (client.config.AuthSessionValidity ?? 3) * 60_000;
  }

  /** After the password: the challenge to answer, or undefined when the user needs none. */
  async challenge(call: SignInCall, user: User): Promise<InitiateAuthResponse | undefined> {
    const { pool } = call;
    const factors = poolFactors(pool.config);
    if (factors.length === 0) return undefined;
    const mfa = await this.idp.mfa.get(pool.id, user.sub);
    const on = usable(factors, user, mfa);
    if (on.length === 0) {
      if (pool.config.MfaConfiguration !== 'ON') return undefined;
      // MFA required and none chosen: Cognito texts a phone number it has, else asks to set one up.
      if (factors.includes('SMS_MFA') && user.attributes.get('phone_number')) return this.ask(call, user, 'SMS_MFA');
      return {
        ChallengeName: 'MFA_SETUP',
        Session: this.sealSetup(call.client, { p: pool.id, c: call.client.clientId, s: user.sub, st: 'associate' }, call.now),
        ChallengeParameters: { MFAS_CAN_SETUP: JSON.stringify(factors) },
      };
    }
    if (on.length === 1) return this.ask(call, user, on[0]!);
    if (mfa.preferred !== undefined && on.includes(mfa.preferred)) return this.ask(call, user, mfa.preferred);
    return {
      ChallengeName: 'SELECT_MFA_TYPE',
      Session: this.idp.sealer.seal<ChallengeState>('mfa', pool.id, call.client.clientId, { s: user.sub, c: 'SELECT_MFA_TYPE' }, call.now + this.#sessionMs(call.client)),
      ChallengeParameters: { MFAS_CAN_CHOOSE: JSON.stringify(on) },
    };
  }

  /** Whether `challenge` would ask this user for a second factor (without sending anything). */
  async wouldChallenge(pool: UserPool, user: User): Promise<boolean> {
    const factors = poolFactors(pool.config);
    if (factors.length === 0) return false;
    if (pool.config.MfaConfiguration === 'ON') return true;
    return usable(factors, user, await this.idp.mfa.get(pool.id, user.sub)).length > 0;
  }

  /**
   * Sends the code (SMS, email) and asks for it; TOTP codes come from the user's app. Also the
   * first factor of USER_AUTH (EMAIL_OTP, SMS_OTP), answered the same way.
   */
  async ask(call: SignInCall, user: User, type: CodeChallenge): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    const Session = this.idp.sealer.seal<ChallengeState>('mfa', pool.id, client.clientId, { s: user.sub, c: type }, now + this.#sessionMs(client));
    if (type === 'SOFTWARE_TOKEN_MFA') return { ChallengeName: type, Session, ChallengeParameters: {} };
    const medium: Medium = type === 'EMAIL_OTP' ? 'EMAIL' : 'SMS';
    const to = user.attributes.get(medium === 'SMS' ? 'phone_number' : 'email')!;
    // Bound to the address it went to: a code sent before the address changed proves nothing.
    const attribute = medium === 'SMS' ? 'phone_number' : 'email';
    const custom = await customMessage(this.idp, pool, 'CustomMessage_Authentication', user, { clientId: client.clientId }, [medium]);
    const code = await this.idp.codes.issue(pool.id, user.sub, medium === 'SMS' ? 'MFA:SMS' : 'MFA:EMAIL', now, { attribute, value: to });
    await this.idp.messages.sendMfaCode(pool.config, { medium, to }, code, custom);
    return {
      ChallengeName: type,
      Session,
      ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: medium, CODE_DELIVERY_DESTINATION: medium === 'SMS' ? maskPhone(to) : maskEmail(to) },
    };
  }

  /** The user a challenge Session and its USERNAME name, once both agree and the client secret checks out. */
  async #user(call: SignInCall, sub: string, responses: Params): Promise<User> {
    const name = param(responses, 'USERNAME');
    const user = await this.idp.users.bySub(call.pool.id, sub);
    this.idp.checkSecret(call.client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined || !user.enabled) throw invalidSession();
    if (name !== user.username && (await this.idp.resolveUser(call.pool, name))?.sub !== user.sub) throw invalidSession();
    return user;
  }

  /** RespondToAuthChallenge for SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP and SELECT_MFA_TYPE. */
  async respond(call: SignInCall, name: CodeChallenge | 'SELECT_MFA_TYPE', session: string | undefined, responses: Params): Promise<InitiateAuthResponse> {
    const out = await this.verify(call, name, session, responses);
    return 'next' in out ? out.next : this.finish(call, out.user);
  }

  /** Checks an answer (the hosted pages' too): the user once the factor is proved, or the next challenge after SELECT_MFA_TYPE. */
  async verify(call: SignInCall, name: CodeChallenge | 'SELECT_MFA_TYPE', session: string | undefined, responses: Params): Promise<{ user: User } | { next: InitiateAuthResponse }> {
    const { pool, client, now } = call;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = this.idp.sealer.open<ChallengeState>('mfa', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid' || opened.data.c !== name) throw invalidSession();
    const user = await this.#user(call, opened.data.s, responses);
    const wrong = async (err: ServiceError): Promise<never> => {
      await this.idp.sealer.failed(opened.nonce, opened.expiresAt, now, MAX_WRONG);
      await this.lockout.failed(pool.id, user.sub, now);
      throw err;
    };
    const onRecord = name !== 'SELECT_MFA_TYPE' && (await this.lockout.check(pool.id, user.sub, now));
    if (name === 'SELECT_MFA_TYPE') {
      const answer = param(responses, 'ANSWER');
      const on = usable(poolFactors(pool.config), user, await this.idp.mfa.get(pool.id, user.sub));
      if (!on.includes(answer as MfaType)) throw invalidParameter(`Invalid MFA type ${answer.slice(0, 32)}`);
      if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
      return { next: await this.ask(call, user, answer as MfaType) };
    }
    if (name === 'SOFTWARE_TOKEN_MFA') {
      const code = param(responses, 'SOFTWARE_TOKEN_MFA_CODE');
      const mfa = await this.idp.mfa.get(pool.id, user.sub);
      if (mfa.totpSecret === undefined) throw totpNotFound();
      const step = totpStep(mfa.totpSecret, code, now);
      if (step === undefined) await wrong(totpMismatch());
      else if (!(await this.idp.mfa.takeTotpStep(pool.id, user.sub, step))) await wrong(totpReused());
    } else {
      const purpose = name === 'EMAIL_OTP' ? 'MFA:EMAIL' : 'MFA:SMS';
      const code = param(responses, `${name}_CODE`);
      try {
        await this.idp.codes.check(user, purpose, code, now);
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'CodeMismatchException') await wrong(codeMismatchMfa());
        throw err;
      }
      await this.idp.tokens.deleteCode(pool.id, user.sub, purpose);
      if (opened.data.e !== undefined) await this.#enableEmail(call, user, opened.data.e);
    }
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    await this.lockout.succeeded(pool.id, user.sub, onRecord);
    return { user };
  }

  /**
   * MFA_SETUP answered: after VerifySoftwareToken the TOTP factor is on, so tokens; with EMAIL
   * (Amplify's CONTINUE_SIGN_IN_WITH_EMAIL_SETUP, on pools with email MFA) a code goes to that
   * address and the EMAIL_OTP challenge asks for it.
   */
  async respondSetup(call: SignInCall, session: string | undefined, responses: Params): Promise<InitiateAuthResponse> {
    const out = await this.verifySetup(call, session, responses);
    return 'next' in out ? out.next : this.finish(call, out.user);
  }

  /** MFA_SETUP's answer checked (the hosted pages' too): the user once TOTP is verified, or EMAIL_OTP next. */
  async verifySetup(call: SignInCall, session: string | undefined, responses: Params): Promise<{ user: User } | { next: InitiateAuthResponse }> {
    const { pool, client, now } = call;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = this.openSetup(session, now);
    if (opened.data.p !== pool.id || opened.data.c !== client.clientId) throw invalidSession();
    if (Object.hasOwn(responses, 'EMAIL') && opened.data.st === 'associate') return { next: await this.#setupEmail(call, opened, responses) };
    if (opened.data.st !== 'respond') throw invalidParameter('User has not verified software token mfa');
    const user = await this.#user(call, opened.data.s, responses);
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    return { user };
  }

  /** MFA_SETUP with EMAIL: the code goes to the address given, bound to it (a held change until answered). */
  async #setupEmail(call: SignInCall, opened: { data: SetupState; nonce: string; expiresAt: number }, responses: Params): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    if (!poolFactors(pool.config).includes('EMAIL_OTP')) throw invalidParameter('Email MFA is not enabled for this user pool.');
    const email = param(responses, 'EMAIL');
    if (!isEmail(email)) throw invalidParameter('Invalid email address format.');
    const user = await this.#user(call, opened.data.s, responses);
    await this.idp.codes.mayIssue(pool.id, { sub: user.sub }, 'MFA:EMAIL', email, now);
    const custom = await customMessage(this.idp, pool, 'CustomMessage_Authentication', user, { clientId: client.clientId }, ['EMAIL']);
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    const code = await this.idp.codes.issue(pool.id, user.sub, 'MFA:EMAIL', now, { attribute: 'email', value: email }, email);
    await this.idp.messages.sendMfaCode(pool.config, { medium: 'EMAIL', to: email }, code, custom);
    return {
      ChallengeName: 'EMAIL_OTP',
      Session: this.idp.sealer.seal<ChallengeState>('mfa', pool.id, client.clientId, { s: user.sub, c: 'EMAIL_OTP', e: email }, now + this.#sessionMs(client)),
      ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: maskEmail(email) },
    };
  }

  /** The email set up in MFA_SETUP is proved: the user's verified email, and email MFA on. */
  async #enableEmail(call: SignInCall, user: User, email: string): Promise<void> {
    const { pool, now } = call;
    await this.idp.platform.db.transaction(async (tx) => {
      await applyAttributeWrites(this.idp, pool, user, new Map([['email', email], ['email_verified', 'true']]), tx);
      user.updatedAt = now;
      await this.idp.users.save(user, caseSensitive(pool.config), tx);
      await this.idp.mfa.put(pool.id, user.sub, { ...(await this.idp.mfa.get(pool.id, user.sub, tx)), email: true }, now, {}, tx);
    });
  }

  /** A sign-in whose last factor was just proved: tokens, or device SRP for a remembered device. */
  async finish(call: SignInCall, user: User): Promise<InitiateAuthResponse> {
    return this.devices.finish(call, user, true);
  }

  sealSetup(client: AppClient, state: SetupState, now: number): string {
    return this.idp.sealer.seal<SetupState>('mfa-setup', '', '', state, now + this.#sessionMs(client));
  }

  /** Opens an MFA_SETUP Session with Cognito's errors; the caller consumes it once it is used. */
  openSetup(session: string, now: number): { data: SetupState; nonce: string; expiresAt: number } {
    const opened = this.idp.sealer.open<SetupState>('mfa-setup', '', '', session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw invalidSession();
    return opened;
  }
}
