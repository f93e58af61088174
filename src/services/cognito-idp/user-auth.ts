/**
 * Choice-based sign-in (AuthFlow USER_AUTH, clients with ALLOW_USER_AUTH): the first factors
 * the pool allows (SignInPolicy.AllowedFirstAuthFactors) that this user can use. With a
 * PREFERRED_CHALLENGE the user can use, that challenge starts at once (PASSWORD and
 * PASSWORD_SRP with their parameters, EMAIL_OTP / SMS_OTP by sending a code, WEB_AUTHN with
 * CREDENTIAL_REQUEST_OPTIONS for the user's passkeys); otherwise
 * SELECT_CHALLENGE lists AvailableChallenges and its ANSWER starts one. A password is
 * followed by MFA as in any sign-in; a one-time code is a sign-in of its own.
 *
 * With PreventUserExistenceErrors an unknown user gets the pool's challenges and a plausible
 * code challenge whose answers all fail, so the answers do not tell who exists.
 * @module
 */
import { createHmac } from 'node:crypto';
import type { ChallengeNameType, InitiateAuthResponse } from './api.generated.js';
import type { IdpContext } from './context.js';
import { maskEmail, maskPhone } from './domain/messages.js';
import { parseA } from './domain/srp.js';
import { assertionCredentialId, authenticationOptions, relyingPartyId, userVerification, verifyAssertion } from './domain/webauthn.js';
import { expiredSession, incorrectCredentials, invalidParameter, invalidSession, passwordResetRequired, userDisabled, userNotConfirmed, userNotFound } from './errors.js';
import { codeMismatchMfa, type MfaChallenges } from './mfa-challenges.js';
import type { SignUpSession } from './operations/sign-up.js';
import type { SignIn, SignInCall } from './sign-in.js';
import type { AppClient } from './store/pools.js';
import type { User } from './store/users.js';

type Params = Readonly<Record<string, string>>;

/** A SELECT_CHALLENGE Session (or an unknown user's code challenge): who, by the name they gave. */
interface SelectState {
  /** The user's sub, or `fake:` for an unknown user under PreventUserExistenceErrors. */
  s: string;
  n: string;
}

/** A WEB_AUTHN Session: whose, by the name given, and the challenge the assertion must sign. */
interface WebAuthnState extends SelectState {
  ch: string;
}

function param(params: Params, name: string): string {
  const v = Object.hasOwn(params, name) ? params[name] : undefined;
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

export class UserAuth {
  constructor(
    private readonly idp: IdpContext,
    private readonly signIn: SignIn,
    private readonly mfa: MfaChallenges,
  ) {}

  #sessionMs(client: AppClient): number {
    return (client.config.AuthSessionValidity ?? 3) * 60_000;
  }

  /** The first factors the pool allows and the user can use, in the pool's order. */
  async #available(call: SignInCall, user: User | undefined): Promise<ChallengeNameType[]> {
    const factors = call.pool.config.Policies.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD'];
    const verified = (a: string): boolean => user === undefined || (Boolean(user.attributes.get(a)) && user.attributes.get(`${a}_verified`) === 'true');
    const out: ChallengeNameType[] = [];
    // A one-time code or passkey is a whole sign-in, with no second factor after it, so a pool
    // that requires MFA offers only the password (AWS does not let the two be combined).
    const mfaRequired = call.pool.config.MfaConfiguration === 'ON';
    for (const f of factors) {
      if (mfaRequired && f !== 'PASSWORD') continue;
      if (f === 'PASSWORD' && (user === undefined || user.verifier !== undefined)) out.push('PASSWORD', 'PASSWORD_SRP');
      if (f === 'EMAIL_OTP' && verified('email')) out.push('EMAIL_OTP');
      if (f === 'SMS_OTP' && verified('phone_number')) out.push('SMS_OTP');
      if (f === 'WEB_AUTHN' && (user === undefined || (await this.idp.webauthn.forUser(call.pool.id, user.sub)).length > 0)) out.push('WEB_AUTHN');
    }
    return out;
  }

  async initiate(call: SignInCall, params: Params, session?: string): Promise<InitiateAuthResponse> {
    const name = param(params, 'USERNAME');
    const user = await this.idp.resolveUser(call.pool, name);
    this.idp.checkSecret(call.client, params.SECRET_HASH, [name, user?.username], 'auth');
    if (session !== undefined) return this.#afterSignUp(call, user, session);
    if (user === undefined && !call.hidden) throw userNotFound();
    const available = await this.#available(call, user);
    const preferred = Object.hasOwn(params, 'PREFERRED_CHALLENGE') ? params.PREFERRED_CHALLENGE : undefined;
    if (preferred !== undefined && available.includes(preferred as ChallengeNameType)) return this.#start(call, name, user, preferred as ChallengeNameType, params);
    return {
      ChallengeName: 'SELECT_CHALLENGE',
      Session: this.idp.sealer.seal<SelectState>('user-auth', call.pool.id, call.client.clientId, { s: user?.sub ?? 'fake:', n: name }, call.now + this.#sessionMs(call.client)),
      ChallengeParameters: {},
      AvailableChallenges: available,
    };
  }

  /**
   * InitiateAuth with ConfirmSignUp's Session: the confirmation code was the first factor, so
   * the user is signed in (or asked for MFA where the pool requires it). The Session is bound
   * to its pool, client and user, lives for the client's AuthSessionValidity, and works once.
   */
  async #afterSignUp(call: SignInCall, user: User | undefined, session: string): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    const opened = this.idp.sealer.open<SignUpSession>('sign-up', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid' || user === undefined || user.sub !== opened.data.s) throw invalidSession();
    if (!user.enabled) throw userDisabled();
    if (user.status !== 'CONFIRMED') throw invalidSession();
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    return (await this.mfa.challenge(call, user)) ?? this.mfa.finish(call, user);
  }

  /** RespondToAuthChallenge SELECT_CHALLENGE: ANSWER names the factor, with its parameters. */
  async select(call: SignInCall, session: string | undefined, responses: Params): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = this.idp.sealer.open<SelectState>('user-auth', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw invalidSession();
    const name = param(responses, 'USERNAME');
    const answer = param(responses, 'ANSWER');
    const user = opened.data.s === 'fake:' ? undefined : await this.idp.users.bySub(pool.id, opened.data.s);
    this.idp.checkSecret(client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (opened.data.s !== 'fake:' && user === undefined) throw invalidSession();
    if (user !== undefined && name !== user.username && (await this.idp.resolveUser(pool, name))?.sub !== user.sub) throw invalidSession();
    if (!(await this.#available(call, user)).includes(answer as ChallengeNameType)) throw invalidParameter(`The challenge ${answer.slice(0, 32)} is not available for this user.`);
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    return this.#start(call, opened.data.n, user, answer as ChallengeNameType, responses);
  }

  async #start(call: SignInCall, name: string, user: User | undefined, challenge: ChallengeNameType, params: Params): Promise<InitiateAuthResponse> {
    switch (challenge) {
      case 'PASSWORD':
        return this.signIn.password(call, name, user, param(params, 'PASSWORD'));
      case 'PASSWORD_SRP': {
        const A = parseA(param(params, 'SRP_A'));
        if (A === undefined) throw invalidParameter('SRP_A is not a valid SRP public value.');
        return this.signIn.srpChallenge(call, name, user, A);
      }
      case 'EMAIL_OTP':
      case 'SMS_OTP': {
        if (user === undefined) return this.#fakeCode(call, name, challenge);
        if (!user.enabled) throw userDisabled();
        if (user.status === 'UNCONFIRMED') throw userNotConfirmed();
        if (user.status === 'RESET_REQUIRED') throw passwordResetRequired();
        return this.mfa.ask(call, user, challenge);
      }
      case 'WEB_AUTHN': {
        if (user !== undefined && !user.enabled) throw userDisabled();
        const credentials = user === undefined ? [] : await this.idp.webauthn.forUser(call.pool.id, user.sub);
        const options = await authenticationOptions(relyingPartyId(call.pool.config, this.idp.platform.config.publicUrl), credentials, userVerification(call.pool.config));
        const state: WebAuthnState = { s: user?.sub ?? 'fake:', n: name, ch: String(options.challenge) };
        return {
          ChallengeName: 'WEB_AUTHN',
          Session: this.idp.sealer.seal<WebAuthnState>('webauthn', call.pool.id, call.client.clientId, state, call.now + this.#sessionMs(call.client)),
          ChallengeParameters: { CREDENTIAL_REQUEST_OPTIONS: JSON.stringify(options) },
        };
      }
      default:
        throw invalidParameter(`The challenge ${challenge} is not available for this user.`);
    }
  }

  /**
   * RespondToAuthChallenge WEB_AUTHN: CREDENTIAL is the authenticator's assertion (JSON). It
   * must name one of this user's passkeys and pass every check of domain/webauthn.ts; the
   * signature counter only moves forward.
   */
  async webAuthn(call: SignInCall, session: string | undefined, responses: Params): Promise<InitiateAuthResponse> {
    const { pool, client, now } = call;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = this.idp.sealer.open<WebAuthnState>('webauthn', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw invalidSession();
    const name = param(responses, 'USERNAME');
    let credential: unknown;
    try {
      credential = JSON.parse(param(responses, 'CREDENTIAL'));
    } catch {
      throw invalidParameter('CREDENTIAL is not JSON.');
    }
    const user = opened.data.s === 'fake:' ? undefined : await this.idp.users.bySub(pool.id, opened.data.s);
    this.idp.checkSecret(client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined || !user.enabled) throw incorrectCredentials();
    if (name !== user.username && (await this.idp.resolveUser(pool, name))?.sub !== user.sub) throw invalidSession();
    const stored = await this.idp.webauthn.get(pool.id, assertionCredentialId(credential));
    // A passkey of someone else proves nothing about this user.
    if (stored === undefined || stored.sub !== user.sub) throw incorrectCredentials();
    const counter = await verifyAssertion(credential, opened.data.ch, stored, userVerification(pool.config));
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, now))) throw invalidSession();
    if (!(await this.idp.webauthn.advanceCounter(pool.id, stored.credentialId, stored.counter, counter))) throw incorrectCredentials();
    return this.mfa.finish(call, user);
  }

  /** An unknown user's code challenge under PreventUserExistenceErrors: shaped like a real one. */
  #fakeCode(call: SignInCall, name: string, challenge: 'EMAIL_OTP' | 'SMS_OTP'): InitiateAuthResponse {
    const h = createHmac('sha256', this.idp.platform.secrets.derive('cognito-idp:fake-otp')).update(`${call.pool.id}\0${name}`).digest('hex');
    const digits = String(parseInt(h.slice(0, 8), 16) % 10_000_000).padStart(7, '0');
    const destination = challenge === 'EMAIL_OTP' ? maskEmail(name.includes('@') ? name : `${h.slice(0, 1)}@${h.slice(1, 2)}.com`) : maskPhone(`+1555${digits}`);
    return {
      ChallengeName: challenge,
      Session: this.idp.sealer.seal<SelectState>('user-auth-fake', call.pool.id, call.client.clientId, { s: 'fake:', n: name }, call.now + this.#sessionMs(call.client)),
      ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: challenge === 'EMAIL_OTP' ? 'EMAIL' : 'SMS', CODE_DELIVERY_DESTINATION: destination },
    };
  }

  /** Whether a Session is an unknown user's code challenge; its every answer is wrong. */
  answerFake(call: SignInCall, session: string | undefined): void {
    if (session === undefined) return;
    const opened = this.idp.sealer.open<SelectState>('user-auth-fake', call.pool.id, call.client.clientId, session, call.now);
    if (opened === 'expired') throw expiredSession();
    if (opened !== 'invalid') throw codeMismatchMfa();
  }
}
