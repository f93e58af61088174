/**
 * The hosted UI's NEW_PASSWORD_REQUIRED step. A correct temporary password does not sign in:
 * it shows "Change Password" with a sealed, expiring, single-use session bound to the pool,
 * the app client, the user and this authorization request (its query), so the form cannot be
 * answered for another user, client or redirect. The answer goes through the same code as
 * RespondToAuthChallenge (policy, required attributes, WriteAttributes), then signs in.
 * @module
 */
import { createHash } from 'node:crypto';
import type { IdpContext } from '../context.js';
import { missingRequired } from '../domain/attributes.js';
import { expiredSession, invalidParameter, invalidSession, notAuthorized } from '../errors.js';
import { setNewPassword } from '../new-password.js';
import type { User } from '../store/users.js';
import type { AuthorizeRequest } from './authorize.js';
import type { DomainRequest } from './routes.js';

/** How long the Change Password form stays answerable (Cognito's default AuthSessionValidity is 3 minutes; a form needs longer). */
const FORM_MS = 15 * 60_000;
const MAX_REQUIRED = 50;

interface Sealed {
  s: string;
  /** SHA-256 of the authorization request's query. */
  q: string;
}

const queryHash = (a: AuthorizeRequest): string => createHash('sha256').update(a.query).digest('base64url');

/** The sealed session and the fields a FORCE_CHANGE_PASSWORD user is asked for, or the error AWS gives instead. */
export function startNewPassword(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, user: User, now: number): { session: string; required: string[] } {
  if (user.passwordExpiresAt !== undefined && now > user.passwordExpiresAt) {
    throw notAuthorized('Temporary password has expired and must be reset by an administrator.');
  }
  const session = idp.sealer.seal<Sealed>('new-password', d.pool.id, a.client.clientId, { s: user.sub, q: queryHash(a) }, now + FORM_MS);
  return { session, required: missingRequired(d.pool.config.SchemaAttributes, user.attributes) };
}

/** Answers the form: the user whose password was changed, or a ServiceError to show on the form. */
export async function answerNewPassword(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): Promise<User> {
  const sealed = form.get('session') ?? '';
  if (sealed.length > 4096) throw invalidSession();
  const opened = idp.sealer.open<Sealed>('new-password', d.pool.id, a.client.clientId, sealed, now);
  if (opened === 'expired') throw expiredSession();
  if (opened === 'invalid' || opened.data.q !== queryHash(a)) throw invalidSession();
  const user = await idp.users.bySub(d.pool.id, opened.data.s);
  if (user === undefined || user.status !== 'FORCE_CHANGE_PASSWORD' || !user.enabled) throw invalidSession();
  const password = form.get('password') ?? '';
  if (password.length > 256) throw invalidParameter('The password is too long.');
  // The hosted page's own check (the API has no second field); the policy check follows in setNewPassword.
  if (form.get('confirmPassword') !== password) throw invalidParameter('Passwords do not match.');
  const updates: { Name: string; Value: string }[] = [];
  for (const [k, v] of form) {
    const m = /^requiredAttributes\[(.{1,64})\]$/.exec(k);
    if (m !== null && v !== '') updates.push({ Name: m[1]!, Value: v.slice(0, 2048) });
    if (updates.length > MAX_REQUIRED) throw invalidSession();
  }
  await setNewPassword(idp, { pool: d.pool, client: a.client, now, hidden: idp.hidesUsers(a.client) }, user, password, updates, (tx) =>
    idp.sealer.consume(opened.nonce, opened.expiresAt, now, tx),
  );
  return user;
}
