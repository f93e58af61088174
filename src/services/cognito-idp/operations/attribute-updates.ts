/**
 * Attribute changes on an existing user, shared by AdminUpdateUserAttributes and the
 * attributes a user supplies when answering NEW_PASSWORD_REQUIRED: a new email or phone number
 * is unverified unless the same call verifies it, and the values other users sign in with
 * (email / phone number as username, preferred_username as alias) stay unique.
 * @module
 */
import type { Sql } from '../../../store/database.js';
import type { IdpContext } from '../context.js';
import type { Attributes } from '../domain/attributes.js';
import { caseSensitive } from '../domain/pool-config.js';
import { aliasExists } from '../errors.js';
import type { UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';

/**
 * Applies validated `writes` to `user` in memory, after checking inside `tx` that no other
 * user holds a value that must be unique (AliasExistsException). The caller saves the user.
 */
export async function applyAttributeWrites(idp: IdpContext, pool: UserPool, user: User, writes: Attributes, tx: Sql): Promise<void> {
  const usernameAttrs = pool.config.UsernameAttributes ?? [];
  const cs = caseSensitive(pool.config);
  const takenByOther = (holders: readonly User[]): boolean => holders.some((h) => h.sub !== user.sub);
  for (const [k, v] of writes) {
    if ((k === 'email' || k === 'phone_number') && user.attributes.get(k) !== v) {
      if (usernameAttrs.includes(k) && takenByOther(await idp.users.byAlias(pool.id, k === 'email' ? 'email_key' : 'phone_key', k === 'email' ? v.toLowerCase() : v, tx))) {
        throw aliasExists(k);
      }
      if (!writes.has(`${k}_verified`)) user.attributes.set(`${k}_verified`, 'false');
    }
    if (k === 'preferred_username' && v !== '' && (pool.config.AliasAttributes ?? []).includes('preferred_username')) {
      const other = await idp.users.byUsername(pool.id, v, cs, tx);
      if (takenByOther(await idp.users.byAlias(pool.id, 'preferred_key', cs ? v : v.toLowerCase(), tx)) || (other !== undefined && other.sub !== user.sub)) {
        throw aliasExists('preferred_username');
      }
    }
    user.attributes.set(k, v);
  }
}
