/**
 * The hosted UI's MFA steps: after a correct password (or new password), the second factor the
 * API would ask for — SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, or SELECT_MFA_TYPE first — asked
 * on a page and answered through the same MfaChallenges as RespondToAuthChallenge (its
 * Session single use, five wrong codes, the user's MFA lockout, a TOTP code once); MFA_SETUP
 * (a pool that requires MFA of a user who has none) through hosted/mfa-setup.ts. The API's
 * Session travels inside the sealed wrapper of hosted/mfa-wrapper.ts.
 * @module
 */
import type { InitiateAuthResponse } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import type { User } from '../store/users.js';
import type { AuthorizeRequest } from './authorize.js';
import { answerSetup, startSetup } from './mfa-setup.js';
import { call, codeStep, responsesFor, unwrap, view, type MfaDeps, type MfaStep } from './mfa-wrapper.js';
import type { DomainRequest } from './routes.js';

export type { MfaDeps, MfaStep } from './mfa-wrapper.js';

/** The page for a challenge the API answered with. */
export async function step(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, user: { username: string; email?: string | undefined }, ch: InitiateAuthResponse, now: number): Promise<MfaStep> {
  return ch.ChallengeName === 'MFA_SETUP' ? startSetup(idp, deps, d, a, user, ch, now) : codeStep(idp, d, a, user.username, ch, now);
}

/** The MFA step this user must pass after the password, or undefined when the API would ask for none. */
export async function startMfa(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, user: User, now: number): Promise<MfaStep | undefined> {
  const ch = await deps.signIn.mfa.challenge(call(idp, d, a, now), user);
  return ch === undefined ? undefined : step(idp, deps, d, a, { username: user.username, email: user.attributes.get('email') }, ch, now);
}

/** The step a form was for, to show again with an error (undefined when its session is no good). */
export async function sameStep(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): Promise<MfaStep | undefined> {
  let opened;
  try {
    opened = unwrap(idp, d, a, form, now);
  } catch {
    return undefined;
  }
  return view(d, opened.w, opened.session);
}

/** Answers the MFA form: the user once the last factor is proved, or the next step (after SELECT_MFA_TYPE, or in MFA_SETUP). */
export async function answerMfa(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): Promise<{ user: User } | { step: MfaStep }> {
  const { w } = unwrap(idp, d, a, form, now);
  if (w.c === 'MFA_SETUP') return answerSetup(idp, deps, d, a, w, form, now);
  const responses = responsesFor(a, w.u);
  if (w.c === 'SELECT_MFA_TYPE') responses.ANSWER = (form.get('answer') ?? '').slice(0, 32);
  else responses[w.c === 'SOFTWARE_TOKEN_MFA' ? 'SOFTWARE_TOKEN_MFA_CODE' : `${w.c}_CODE`] = (form.get('code') ?? '').trim().slice(0, 16);
  const out = await deps.signIn.mfa.verify(call(idp, d, a, now), w.c, w.m, responses);
  return 'next' in out ? { step: await step(idp, deps, d, a, { username: w.u }, out.next, now) } : { user: out.user };
}
