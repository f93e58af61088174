/**
 * The hosted sign-in page, `/login`: GET shows the form (with a CSRF token, double-submitted
 * as a cookie and a hidden field); POST checks the token first (a form without it changes
 * nothing, not even the lockout count), then the authorization request again, then the
 * password through the same code as the API (lockout, PreventUserExistenceErrors, account
 * state), with the API's triggers (UserMigration, PreAuthentication, PostAuthentication). Success opens the one-hour hosted session and redirects to the client with a code.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BodyTimeout, BodyTooLarge, readBody } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { IdpContext } from '../context.js';
import { userDisabled } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { User } from '../store/users.js';
import { migrateUser } from '../migration.js';
import { postAuthentication, preAuthentication } from '../trigger-events.js';
import { hostedRequest, cookies, finish, SESSION_COOKIE, SESSION_MS, setCookie, type AuthorizeRequest } from './authorize.js';
import { brandingFor } from './branding.js';
import type { Branding, ProviderChoice } from './pages.js';
import { startNewPassword, answerNewPassword } from './new-password.js';
import { answerMfa, sameStep, startMfa, type MfaDeps, type MfaStep } from './mfa.js';
import { errorPage, loginPage, newPasswordPage, pageHeaders } from './pages.js';
import { stepPage } from './setup-pages.js';
import type { DomainRequest } from './routes.js';

export const CSRF_COOKIE = 'XSRF-TOKEN';
const MAX_FORM = 16 * 1024;

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length === 0 || a.length > 128) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type Render = (f: { action: string; csrf: string; branding: Branding; providers: ProviderChoice[]; password: boolean }) => string;

/** Whether the client lets users sign in with a password here (COGNITO among SupportedIdentityProviders; all clients made before them do). */
export function allowsPassword(client: AuthorizeRequest['client']): boolean {
  const list = client.config.SupportedIdentityProviders;
  return list === undefined || list.length === 0 || list.includes('COGNITO');
}

/** The "Continue with <ProviderName>" choices: the client's external providers, each an authorize request naming it. */
function federationChoices(d: DomainRequest, a: AuthorizeRequest): { providers: ProviderChoice[]; password: boolean } {
  const providers = (a.client.config.SupportedIdentityProviders ?? []).filter((n) => n !== 'COGNITO').map((name) => {
    const q = new URLSearchParams(a.query);
    q.set('identity_provider', name);
    return { name, href: `${d.base}/oauth2/authorize?${q.toString()}` };
  });
  return { providers, password: allowsPassword(a.client) };
}

async function show(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, status: number, render: Render): Promise<void> {
  const csrf = randomBytes(24).toString('base64url');
  const u = await brandingFor(idp, d.pool.id, a.client.clientId);
  const id = encodeURIComponent(a.client.clientId);
  const branding = { ...(u?.css === undefined ? {} : { css: `${d.base}/ui/css?client_id=${id}` }), ...(u?.image === undefined ? {} : { logo: `${d.base}/ui/logo?client_id=${id}` }) };
  const html = render({ action: `${d.base}/login?${a.query}`, csrf, branding, ...federationChoices(d, a) });
  d.r.res.writeHead(status, { ...pageHeaders(a.redirectUri), 'set-cookie': setCookie(d, CSRF_COOKIE, csrf, 3600), 'content-length': Buffer.byteLength(html) });
  d.r.res.end(html);
}

const showForm = (idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, status: number, extra: { username?: string; error?: string } = {}): Promise<void> =>
  show(idp, d, a, status, (f) => loginPage({ ...f, ...extra }));

const showNewPassword = (idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, status: number, session: string, required: readonly string[], error?: string): Promise<void> =>
  show(idp, d, a, status, (f) => newPasswordPage({ ...f, session, required, ...(error === undefined ? {} : { error }) }));

const showMfa = (idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, status: number, step: MfaStep, error?: string): Promise<void> =>
  show(idp, d, a, status, (f) => stepPage({ ...f, ...step, ...(error === undefined ? {} : { error }) }));

/**
 * A trigger's refusal (UserLambdaValidationException, UnexpectedLambdaException,
 * InvalidLambdaResponseException): the step's session is used up by then, so the page starts over.
 */
const byTrigger = (err: ServiceError): boolean => /Lambda/.test(err.code);

export async function loginEndpoint(idp: IdpContext, deps: MfaDeps, sessions: Sessions, d: DomainRequest): Promise<void> {
  const { signIn } = deps;
  const hosted = await hostedRequest(idp, d, ['GET', 'POST']);
  if (hosted === undefined) return;
  const { r } = d;
  const { a } = hosted;
  if (r.method === 'GET') return showForm(idp, d, a, 200);

  let body: Buffer;
  try {
    body = await readBody(r.req, MAX_FORM, 30_000);
  } catch (err) {
    if (err instanceof BodyTooLarge || err instanceof BodyTimeout) return errorPage(d, 400, 'invalid_request', 'The form is too large.');
    throw err;
  }
  if (!allowsPassword(a.client)) return errorPage(d, 400, 'invalid_request', 'Login option is not available. Please try another one');
  const form = new URLSearchParams(body.toString('utf8'));
  if (!sameToken(form.get('_csrf') ?? undefined, cookies(d).get(CSRF_COOKIE))) {
    return errorPage(d, 403, 'invalid_request', 'The form has expired or did not come from this page. Go back and sign in again.');
  }
  const now = idp.platform.clock.now();
  const pool = d.pool;
  if (form.get('step') === 'new-password') {
    try {
      const user = await answerNewPassword(idp, d, a, form, now);
      return await signedIn(idp, deps, sessions, d, a, user, now);
    } catch (err) {
      if (!(err instanceof ServiceError) || err.status >= 500) throw err;
      // The same sealed session stays answerable until it expires, so a typo can be corrected.
      const session = form.get('session') ?? '';
      if ((err.code === 'NotAuthorizedException' && /session/.test(err.message)) || byTrigger(err)) return showForm(idp, d, a, 400, { error: err.message });
      return showNewPassword(idp, d, a, 400, session, requiredFor(form), err.message);
    }
  }
  if (form.get('step') === 'mfa') {
    try {
      const answered = await answerMfa(idp, deps, d, a, form, now);
      if ('step' in answered) return await showMfa(idp, d, a, 200, answered.step);
      return await signedIn(idp, deps, sessions, d, a, answered.user, now, true);
    } catch (err) {
      if (!(err instanceof ServiceError) || err.status >= 500) throw err;
      // A wrong code may be corrected while the Session lasts; a used-up or foreign one starts over.
      const again = err.code === 'NotAuthorizedException' || byTrigger(err) ? undefined : await sameStep(idp, d, a, form, now);
      return again === undefined ? showForm(idp, d, a, 400, { error: err.message }) : showMfa(idp, d, a, 400, again, err.message);
    }
  }
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  if (username === '' || password === '' || username.length > 128 || password.length > 256) {
    return showForm(idp, d, a, 400, { username: username.slice(0, 128), error: 'Incorrect username or password.' });
  }
  try {
    // As at AWS, the page runs the API's triggers: UserMigration for a name the pool does not
    // know, PreAuthentication once the password is right, PostAuthentication in signedIn.
    const known = (await idp.resolveUser(pool, username)) ?? (await migrateUser(idp, pool, a.client, username, password, now));
    const user = await signIn.checkPassword({ pool, client: a.client, now, hidden: idp.hidesUsers(a.client) }, username, known, password);
    await preAuthentication(idp, pool, a.client.clientId, user);
    // As the API's afterPassword: a disabled user is told so, only once the password is right.
    if (!user.enabled) throw userDisabled();
    if (user.status === 'UNCONFIRMED') throw new ServiceError('UserNotConfirmedException', 'User is not confirmed.', 400);
    if (user.status === 'RESET_REQUIRED') throw new ServiceError('PasswordResetRequiredException', 'Password reset required for the user', 400);
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      const { session, required } = startNewPassword(idp, d, a, user, now);
      return await showNewPassword(idp, d, a, 200, session, required);
    }
    return await signedIn(idp, deps, sessions, d, a, user, now);
  } catch (err) {
    if (err instanceof ServiceError && err.status < 500) return showForm(idp, d, a, 400, { username, error: err.message });
    throw err;
  }
}

/** The password (or the new one) was right: MFA if the pool demands it, else the hosted session and the redirect to the client. */
async function signedIn(idp: IdpContext, deps: MfaDeps, sessions: Sessions, d: DomainRequest, a: AuthorizeRequest, user: User, now: number, mfaDone = false): Promise<void> {
  const pool = d.pool;
  // Never skip a second factor the API would ask for: the MFA step comes first.
  if (!mfaDone) {
    const step = await startMfa(idp, deps, d, a, user, now);
    if (step !== undefined) return showMfa(idp, d, a, 200, step);
  }
  // After the last step, whichever it was; a refusal is shown on the page and opens no session.
  await postAuthentication(idp, pool, a.client.clientId, user, false);
  const sessionId = randomBytes(32).toString('base64url');
  const authTime = Math.floor(now / 1000);
  await idp.oauth.putSession(sessionId, { poolId: pool.id, sub: user.sub, authTime, expiresAt: now + SESSION_MS }, now);
  idp.platform.log.info({ event: 'cognito-idp.hosted.sign-in', userPoolId: pool.id, clientId: a.client.clientId, sub: user.sub }, 'user signed in through the hosted UI');
  return finish(idp, sessions, d, a, user.sub, authTime, { 'set-cookie': [setCookie(d, SESSION_COOKIE, sessionId, SESSION_MS / 1000), setCookie(d, CSRF_COOKIE, '', 0)] });
}

/** The required-attribute fields the form had, to show them again with an error. */
function requiredFor(form: URLSearchParams): string[] {
  const out: string[] = [];
  for (const k of form.keys()) {
    const m = /^requiredAttributes\[(.{1,64})\]$/.exec(k);
    if (m !== null && out.length < 50) out.push(m[1]!);
  }
  return out;
}
