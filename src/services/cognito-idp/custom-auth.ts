/**
 * CUSTOM_AUTH: DefineAuthChallenge decides each step from the session so far (issue tokens,
 * fail, or ask a challenge), CreateAuthChallenge makes a CUSTOM_CHALLENGE (public parameters
 * to the client, private ones sealed in the Session), VerifyAuthChallengeResponse judges the
 * answer. With `CHALLENGE_NAME: SRP_A` the flow starts with SRP (amazon-cognito-identity-js's
 * and Amplify's CUSTOM_WITH_SRP): the session begins with SRP_A, Define may ask for
 * PASSWORD_VERIFIER, and a correct password is another step of the session. The Session
 * carries everything between calls, sealed, expiring and single use.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { InitiateAuthResponse } from './api.generated.js';
import type { IdpContext } from './context.js';
import { incorrectCredentials, invalidParameter, notAuthorized, passwordResetRequired, userDisabled, userNotConfirmed, userNotFound } from './errors.js';
import type { Sessions } from './sessions.js';
import type { SignIn, SignInCall } from './sign-in.js';
import type { User } from './store/users.js';
import { eventAttributes } from './triggers.js';
import { postAuthentication } from './trigger-events.js';
import { parseA } from './domain/srp.js';

interface Step {
  challengeName: string;
  challengeResult: boolean;
  challengeMetadata?: string | undefined;
}

/** What the Session carries between calls of one custom sign-in. */
export interface CustomState {
  /** The user's sub. */
  s: string;
  steps: Step[];
  /** Set while a CUSTOM_CHALLENGE is open: its private parameters and metadata. */
  priv?: Record<string, string>;
  meta?: string;
}

/** Define is asked at most this often in one sign-in. */
const MAX_STEPS = 10;

const garbage = (): ServiceError => new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);

const stringMap = (v: unknown): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw garbage();
  return v as Record<string, string>;
};

export class CustomAuth {
  constructor(
    private readonly idp: IdpContext,
    private readonly sessions: Sessions,
    private readonly signIn: SignIn,
  ) {}

  #sessionMs(call: SignInCall): number {
    return (call.client.config.AuthSessionValidity ?? 3) * 60_000;
  }

  #require(call: SignInCall): void {
    for (const t of ['DefineAuthChallenge', 'CreateAuthChallenge', 'VerifyAuthChallengeResponse'] as const) {
      if (this.idp.triggers.arnOf(call.pool, t) === undefined) throw invalidParameter('Custom auth lambda trigger is not configured for the user pool.');
    }
  }

  /** InitiateAuth with AuthFlow CUSTOM_AUTH. */
  async initiate(call: SignInCall, params: Readonly<Record<string, string>>): Promise<InitiateAuthResponse> {
    this.#require(call);
    const name = params.USERNAME;
    if (name === undefined || name === '') throw invalidParameter('Missing required parameter USERNAME');
    const user = await this.idp.resolveUser(call.pool, name);
    this.idp.checkSecret(call.client, params.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined) {
      if (!call.hidden) throw userNotFound();
      throw incorrectCredentials();
    }
    if (params.CHALLENGE_NAME === 'SRP_A') {
      const A = parseA(params.SRP_A ?? '');
      if (A === undefined) throw invalidParameter('SRP_A is not a valid SRP public value.');
      const steps: Step[] = [{ challengeName: 'SRP_A', challengeResult: true }];
      const d = await this.#define(call, user, steps);
      if (d.next === 'PASSWORD_VERIFIER') {
        const challenge = this.signIn.srpChallenge(call, name, user, A);
        return { ...challenge, Session: this.#seal(call, { s: user.sub, steps }) };
      }
      return this.#continue(call, user, steps, d);
    }
    const steps: Step[] = [];
    return this.#continue(call, user, steps, await this.#define(call, user, steps));
  }

  /** PASSWORD_VERIFIER inside a custom flow (its Session is ours): the password is a step. */
  async passwordVerifier(call: SignInCall, session: string, responses: Readonly<Record<string, string>>): Promise<InitiateAuthResponse> {
    const state = await this.#open(call, session);
    return this.signIn.passwordVerifier(call, responses, async (user) => {
      if (user.sub !== state.s) throw incorrectCredentials();
      const steps = [...state.steps, { challengeName: 'PASSWORD_VERIFIER', challengeResult: true }];
      return this.#continue(call, user, steps, await this.#define(call, user, steps));
    });
  }

  /** Whether a Session belongs to a custom flow (PASSWORD_VERIFIER is answered either way). */
  isCustomSession(call: SignInCall, session: string | undefined): boolean {
    return session !== undefined && this.idp.sealer.open('custom-auth', call.pool.id, call.client.clientId, session, call.now) !== 'invalid';
  }

  /** RespondToAuthChallenge with CUSTOM_CHALLENGE: Verify judges ANSWER, then Define decides. */
  async respond(call: SignInCall, session: string | undefined, responses: Readonly<Record<string, string>>): Promise<InitiateAuthResponse> {
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const state = await this.#open(call, session);
    const name = responses.USERNAME;
    if (name === undefined || name === '') throw invalidParameter('Missing required parameter USERNAME');
    const answer = responses.ANSWER;
    if (answer === undefined) throw invalidParameter('Missing required parameter ANSWER');
    const user = await this.idp.users.bySub(call.pool.id, state.s);
    this.idp.checkSecret(call.client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined || state.priv === undefined) throw notAuthorized('Invalid session for the user.');
    if (name !== user.username && (await this.idp.resolveUser(call.pool, name))?.sub !== user.sub) throw notAuthorized('Invalid session for the user.');
    const r = await this.idp.triggers.call(
      call.pool,
      'VerifyAuthChallengeResponse',
      'VerifyAuthChallengeResponse_Authentication',
      user.username,
      { clientId: call.client.clientId },
      { userAttributes: eventAttributes(user), privateChallengeParameters: state.priv, challengeAnswer: answer, userNotFound: false },
      { answerCorrect: null },
    );
    const correct = r?.answerCorrect;
    if (correct !== undefined && correct !== null && typeof correct !== 'boolean') throw garbage();
    const steps = [...state.steps, { challengeName: 'CUSTOM_CHALLENGE', challengeResult: correct === true, challengeMetadata: state.meta }];
    return this.#continue(call, user, steps, await this.#define(call, user, steps));
  }

  async #open(call: SignInCall, session: string): Promise<CustomState> {
    const opened = this.idp.sealer.open<CustomState>('custom-auth', call.pool.id, call.client.clientId, session, call.now);
    if (opened === 'expired') throw notAuthorized('Invalid session for the user, session is expired.');
    if (opened === 'invalid') throw notAuthorized('Invalid session for the user.');
    if (!(await this.idp.sealer.consume(opened.nonce, opened.expiresAt, call.now))) throw notAuthorized('Invalid session for the user, session can only be used once.');
    return opened.data;
  }

  #seal(call: SignInCall, state: CustomState): string {
    return this.idp.sealer.seal('custom-auth', call.pool.id, call.client.clientId, state, call.now + this.#sessionMs(call));
  }

  async #define(call: SignInCall, user: User, steps: Step[]): Promise<{ next: string | undefined; issue: boolean; fail: boolean }> {
    if (steps.length > MAX_STEPS) throw incorrectCredentials();
    const r = await this.idp.triggers.call(
      call.pool,
      'DefineAuthChallenge',
      'DefineAuthChallenge_Authentication',
      user.username,
      { clientId: call.client.clientId },
      { userAttributes: eventAttributes(user), session: steps.map((s) => ({ ...s, challengeMetadata: s.challengeMetadata ?? null })), userNotFound: false },
      { challengeName: null, issueTokens: null, failAuthentication: null },
    );
    const next = r?.challengeName;
    const issue = r?.issueTokens;
    const fail = r?.failAuthentication;
    if ((next !== undefined && next !== null && typeof next !== 'string') || (issue != null && typeof issue !== 'boolean') || (fail != null && typeof fail !== 'boolean')) throw garbage();
    return { next: typeof next === 'string' ? next : undefined, issue: issue === true, fail: fail === true };
  }

  async #continue(call: SignInCall, user: User, steps: Step[], d: { next: string | undefined; issue: boolean; fail: boolean }): Promise<InitiateAuthResponse> {
    if (d.fail) throw incorrectCredentials();
    if (d.issue) {
      if (!user.enabled) throw userDisabled();
      if (user.status === 'UNCONFIRMED') throw userNotConfirmed();
      if (user.status === 'RESET_REQUIRED') throw passwordResetRequired();
      this.idp.platform.log.info({ event: 'cognito-idp.sign-in', userPoolId: call.pool.id, clientId: call.client.clientId, sub: user.sub, flow: 'CUSTOM_AUTH' }, 'user signed in');
      const result = await this.sessions.start(call.pool, call.client, user, call.now, call.deviceKey);
      await postAuthentication(this.idp, call.pool, call.client.clientId, user, result.NewDeviceMetadata !== undefined);
      return { ChallengeParameters: {}, AuthenticationResult: result };
    }
    if (d.next !== 'CUSTOM_CHALLENGE') throw garbage();
    const r = await this.idp.triggers.call(
      call.pool,
      'CreateAuthChallenge',
      'CreateAuthChallenge_Authentication',
      user.username,
      { clientId: call.client.clientId },
      { userAttributes: eventAttributes(user), challengeName: 'CUSTOM_CHALLENGE', session: steps.map((s) => ({ ...s, challengeMetadata: s.challengeMetadata ?? null })), userNotFound: false },
      { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
    );
    const pub = stringMap(r?.publicChallengeParameters);
    const priv = stringMap(r?.privateChallengeParameters);
    const meta = r?.challengeMetadata;
    if (meta !== undefined && meta !== null && typeof meta !== 'string') throw garbage();
    const state: CustomState = { s: user.sub, steps, priv, ...(typeof meta === 'string' ? { meta } : {}) };
    return { ChallengeName: 'CUSTOM_CHALLENGE', Session: this.#seal(call, state), ChallengeParameters: { ...pub, USERNAME: user.username } };
  }
}
