/**
 * Answering NEW_PASSWORD_REQUIRED: the user's own attribute writes (within the client's
 * WriteAttributes, the pool's required attributes all present), the pool's password policy,
 * then password, attributes and CONFIRMED in one transaction. Shared by
 * RespondToAuthChallenge and the hosted UI's "Change Password" step.
 * @module
 */
import type { Sql } from '../../store/database.js';
import type { IdpContext } from './context.js';
import { missingRequired, requiredAttributesError, validateAttributeWrites } from './domain/attributes.js';
import { checkPasswordPolicy } from './domain/password-policy.js';
import { caseSensitive } from './domain/pool-config.js';
import { invalidSession, notAuthorized } from './errors.js';
import { applyAttributeWrites } from './operations/attribute-updates.js';
import { passwordVerifier } from './operations/new-users.js';
import type { SignInCall } from './sign-in.js';
import type { User } from './store/users.js';

/**
 * `useSession` marks the challenge's Session used inside the same transaction (false: it was
 * already, perhaps on another node): of two requests racing with one Session, one changes the
 * password, and a change that fails (AliasExistsException) leaves the Session usable.
 */
export async function setNewPassword(
  idp: IdpContext,
  c: SignInCall,
  user: User,
  password: string,
  updates: { Name: string; Value: string }[],
  useSession: (tx: Sql) => Promise<boolean>,
): Promise<void> {
  const { pool, client, now } = c;
  const writes = validateAttributeWrites(pool.config.SchemaAttributes, updates, { admin: false, creating: false });
  const allowed = client.config.WriteAttributes;
  if (allowed !== undefined && [...writes.keys()].some((k) => !allowed.includes(k))) throw notAuthorized('A client attempted to write unauthorized attribute');
  const missing = missingRequired(pool.config.SchemaAttributes, new Map([...user.attributes, ...writes]));
  if (missing.length > 0) throw requiredAttributesError(missing);
  checkPasswordPolicy(pool.config, password);
  await idp.platform.db.transaction(async (tx) => {
    if (!(await useSession(tx))) throw invalidSession();
    await applyAttributeWrites(idp, pool, user, writes, tx);
    Object.assign(user, passwordVerifier(pool, user.username, password));
    user.status = 'CONFIRMED';
    user.passwordExpiresAt = undefined;
    user.updatedAt = now;
    await idp.users.save(user, caseSensitive(pool.config), tx);
  });
}
