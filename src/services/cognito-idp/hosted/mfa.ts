/**
 * The hosted UI's MFA steps: after a correct password (or new password), the second factor the
 * API would ask for — SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, or SELECT_MFA_TYPE first — asked
 * on a page and answered through the same MfaChallenges as RespondToAuthChallenge (its
 * Session single use, five wrong codes, the user's MFA lockout, a TOTP code once). The API's
 * Session travels inside a sealed wrapper bound to the pool, client and this authorization
 * request, so the form cannot be answered for another client or redirect. MFA_SETUP (a pool
 * that requires MFA of a user who has none) is not offered on the pages yet.
 * @module
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../../../errors.js';
import type { InitiateAuthResponse } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { secretHash } from '../domain/client-config.js';
import { expiredSession, invalidSession } from '../errors.js';
import type { CodeChallenge } from '../mfa-challenges.js';
import type { SignIn, SignInCall } from '../sign-in.js';
import type { User } from '../store/users.js';
import type { AuthorizeRequest } from './authorize.js';
import type { DomainRequest } from './routes.js';

/** How long the wrapper opens; the API Session inside keeps its own (shorter) AuthSessionValidity. */
const FORM_MS = 15 * 60_000;

export type MfaChallenge = CodeChallenge | 'SELECT_MFA_TYPE';

interface Wrapped {
  /** The API's Session. */
  m: string;
  c: MfaChallenge;
  u: string;
  /** SHA-256 of the authorization request's query. */
  q: string;
  /** Where the code went (masked), or the factors to choose from. */
  d?: string;
  o?: string[];
}

/** What the MFA page shows. */
export interface MfaStep {
  session: string;
  challenge: MfaChallenge;
  destination?: string;
  choices?: string[];
}

const queryHash = (a: AuthorizeRequest): string => createHash('sha256').update(a.query).digest('base64url');

function call(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, now: number): SignInCall {
  return { pool: d.pool, client: a.client, now, hidden: idp.hidesUsers(a.client) };
}

function step(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, username: string, ch: InitiateAuthResponse, now: number): MfaStep {
  const name = ch.ChallengeName;
  if (name !== 'SOFTWARE_TOKEN_MFA' && name !== 'SMS_MFA' && name !== 'EMAIL_OTP' && name !== 'SELECT_MFA_TYPE') {
    throw new ServiceError('NotImplementedException', 'Gatehouse does not implement MFA setup on the hosted UI yet.', 400);
  }
  const p = ch.ChallengeParameters ?? {};
  const choices = name === 'SELECT_MFA_TYPE' ? (JSON.parse(p.MFAS_CAN_CHOOSE ?? '[]') as string[]) : undefined;
  const w: Wrapped = { m: ch.Session!, c: name, u: username, q: queryHash(a), ...(p.CODE_DELIVERY_DESTINATION === undefined ? {} : { d: p.CODE_DELIVERY_DESTINATION }), ...(choices === undefined ? {} : { o: choices }) };
  const session = idp.sealer.seal<Wrapped>('hosted-mfa', d.pool.id, a.client.clientId, w, now + FORM_MS);
  return { session, challenge: name, ...(w.d === undefined ? {} : { destination: w.d }), ...(choices === undefined ? {} : { choices }) };
}

/** The MFA step this user must pass after the password, or undefined when the API would ask for none. */
export async function startMfa(idp: IdpContext, signIn: SignIn, d: DomainRequest, a: AuthorizeRequest, user: User, now: number): Promise<MfaStep | undefined> {
  const ch = await signIn.mfa.challenge(call(idp, d, a, now), user);
  return ch === undefined ? undefined : step(idp, d, a, user.username, ch, now);
}

function open(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): { w: Wrapped; session: string } {
  const session = form.get('session') ?? '';
  if (session.length > 8192) throw invalidSession();
  const opened = idp.sealer.open<Wrapped>('hosted-mfa', d.pool.id, a.client.clientId, session, now);
  if (opened === 'expired') throw expiredSession();
  if (opened === 'invalid' || opened.data.q !== queryHash(a)) throw invalidSession();
  return { w: opened.data, session };
}

/** The step a form was for, to show again with an error (undefined when its session is no good). */
export function sameStep(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): MfaStep | undefined {
  try {
    const { w, session } = open(idp, d, a, form, now);
    return { session, challenge: w.c, ...(w.d === undefined ? {} : { destination: w.d }), ...(w.o === undefined ? {} : { choices: w.o }) };
  } catch {
    return undefined;
  }
}

/** Answers the MFA form: the user once the last factor is proved, or the next step (after SELECT_MFA_TYPE). */
export async function answerMfa(idp: IdpContext, signIn: SignIn, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): Promise<{ user: User } | { step: MfaStep }> {
  const { w } = open(idp, d, a, form, now);
  const responses: Record<string, string> = { USERNAME: w.u };
  // The page is the client here: it adds the SECRET_HASH an app would send.
  if (a.client.secret !== undefined) responses.SECRET_HASH = secretHash(a.client.secret, w.u, a.client.clientId);
  if (w.c === 'SELECT_MFA_TYPE') responses.ANSWER = (form.get('answer') ?? '').slice(0, 32);
  else responses[w.c === 'SOFTWARE_TOKEN_MFA' ? 'SOFTWARE_TOKEN_MFA_CODE' : `${w.c}_CODE`] = (form.get('code') ?? '').trim().slice(0, 16);
  const out = await signIn.mfa.verify(call(idp, d, a, now), w.c, w.m, responses);
  return 'next' in out ? { step: step(idp, d, a, w.u, out.next, now) } : { user: out.user };
}
