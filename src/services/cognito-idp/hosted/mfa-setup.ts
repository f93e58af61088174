/**
 * MFA_SETUP on the hosted pages, as managed login does it: a pool that requires MFA of a user
 * who has no factor yet sets one up right after the password. With TOTP, the page calls the
 * same AssociateSoftwareToken logic with the challenge's Session and shows the secret (text,
 * otpauth:// link, QR code); the code from the authenticator goes to VerifySoftwareToken with
 * the next Session, then RespondToAuthChallenge MFA_SETUP (MfaChallenges.verifySetup) ends the
 * sign-in. Where the pool has email MFA too, the user first chooses; with EMAIL the address
 * goes to MFA_SETUP's EMAIL answer, whose code is then asked as EMAIL_OTP. Every step is
 * checked by the API code (single-use Sessions, five wrong codes, MFA lockout).
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { InitiateAuthResponse } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { invalidParameter } from '../errors.js';
import type { User } from '../store/users.js';
import type { AuthorizeRequest } from './authorize.js';
import { call, codeStep, responsesFor, wrap, type MfaDeps, type MfaStep, type Wrapped } from './mfa-wrapper.js';
import type { DomainRequest } from './routes.js';

/** The factors the pages can set up: TOTP, and email where the pool has it. */
const SETUP_FACTORS = ['SOFTWARE_TOKEN_MFA', 'EMAIL_OTP'];

/** AssociateSoftwareToken with the Session: the page that shows the new secret. */
async function totpPage(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, w: Omit<Wrapped, 'q'>, now: number): Promise<MfaStep> {
  const { user, setup } = await deps.totp.sessionUser(w.m, 'associate', now);
  const out = await deps.totp.associate(user, setup, now, idp.platform.log);
  return wrap(idp, d, a, { m: out.Session!, c: 'MFA_SETUP', u: w.u, st: 'totp', k: out.SecretCode }, now);
}

/** The first set-up page for an MFA_SETUP challenge. */
export async function startSetup(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, user: { username: string; email?: string | undefined }, ch: InitiateAuthResponse, now: number): Promise<MfaStep> {
  const can = JSON.parse(ch.ChallengeParameters?.MFAS_CAN_SETUP ?? '[]') as string[];
  const offered = SETUP_FACTORS.filter((f) => can.includes(f));
  if (offered.length === 0) {
    // SMS only, and the user has no phone number: the API cannot set one up inside MFA_SETUP either.
    throw new ServiceError('NotImplementedException', 'Gatehouse does not set up SMS MFA on the hosted UI: the user needs a phone number first.', 400);
  }
  // The user's own email (if any) is offered for the email factor.
  const base = { m: ch.Session!, c: 'MFA_SETUP' as const, u: user.username, ...(user.email === undefined ? {} : { d: user.email }) };
  if (offered.length > 1) return wrap(idp, d, a, { ...base, st: 'choose', o: offered }, now);
  if (offered[0] === 'SOFTWARE_TOKEN_MFA') return totpPage(idp, deps, d, a, base, now);
  return wrap(idp, d, a, { ...base, st: 'email' }, now);
}

/** Answers a set-up page: the next page, or the user once the new factor is proved. */
export async function answerSetup(idp: IdpContext, deps: MfaDeps, d: DomainRequest, a: AuthorizeRequest, w: Wrapped, form: URLSearchParams, now: number): Promise<{ user: User } | { step: MfaStep }> {
  const base = { m: w.m, c: 'MFA_SETUP' as const, u: w.u, ...(w.d === undefined ? {} : { d: w.d }) };
  if (w.st === 'choose') {
    const answer = (form.get('answer') ?? '').slice(0, 32);
    if (!(w.o ?? []).includes(answer)) throw invalidParameter(`Invalid MFA type ${answer}`);
    if (answer === 'SOFTWARE_TOKEN_MFA') return { step: await totpPage(idp, deps, d, a, base, now) };
    return { step: await wrap(idp, d, a, { ...base, st: 'email' }, now) };
  }
  if (w.st === 'totp') {
    const { user, setup } = await deps.totp.sessionUser(w.m, 'verify', now);
    const verified = await deps.totp.verify(user, setup, (form.get('code') ?? '').trim().slice(0, 16), undefined, now, idp.platform.log);
    const out = await deps.signIn.mfa.verifySetup(call(idp, d, a, now), verified.Session, responsesFor(a, w.u));
    if ('next' in out) throw invalidParameter('User has not verified software token mfa');
    return { user: out.user };
  }
  const email = (form.get('email') ?? '').trim().slice(0, 256);
  const out = await deps.signIn.mfa.verifySetup(call(idp, d, a, now), w.m, { ...responsesFor(a, w.u), EMAIL: email });
  if ('user' in out) return { user: out.user };
  return { step: await codeStep(idp, d, a, w.u, out.next, now) };
}
