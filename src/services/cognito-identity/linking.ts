/**
 * Identity linking: one identity per (pool, provider, subject). A login seen for the first
 * time creates an identity (GetId) or is linked to the identity the caller names (a guest
 * identity that logs in becomes authenticated: the same IdentityId, now with a login); a
 * login already linked elsewhere, or an authenticated identity reached without one of its
 * logins, is refused with AWS's "Logins don't match". Runs inside a transaction.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Database, Sql } from '../../store/database.js';
import { requirePool } from './context.js';
import { identityForbidden, identityNotFound, loginsDontMatch, resourceConflict } from './errors.js';
import type { VerifiedLogin } from './logins.js';
import { findLinkedIdentity, getIdentity, insertIdentity, linkLogin, loginsOf, touchIdentity, type IdentityRecord, type PoolRecord } from './repository.js';

/** AWS ids: `<region>:<uuid>`; an identity carries its pool's region. */
export function newIdentityId(poolId: string): string {
  return `${poolId.slice(0, poolId.indexOf(':'))}:${randomUUID()}`;
}

export async function createIdentity(tx: Sql, pool: PoolRecord, now: number): Promise<IdentityRecord> {
  // The pool may have been deleted since the caller read it (while its logins were verified).
  await requirePool(tx, pool.id);
  const identity: IdentityRecord = { id: newIdentityId(pool.id), poolId: pool.id, createdAt: now, modifiedAt: now, disabled: false };
  await insertIdentity(tx, identity);
  return identity;
}

interface Owners {
  /** Identities the logins point at: linked logins' owners and Cognito Identity tokens' subjects. */
  identities: Set<string>;
  /** Logins not linked to any identity yet. */
  unlinked: VerifiedLogin[];
}

async function owners(tx: Sql, pool: PoolRecord, logins: readonly VerifiedLogin[]): Promise<Owners> {
  const identities = new Set<string>();
  const unlinked: VerifiedLogin[] = [];
  for (const l of logins) {
    if (l.kind === 'cognito-identity') {
      identities.add(l.subject);
      continue;
    }
    const owner = await findLinkedIdentity(tx, pool.id, l.provider, l.subject);
    if (owner === undefined) unlinked.push(l);
    else identities.add(owner);
  }
  return { identities, unlinked };
}

async function linkAll(tx: Sql, pool: PoolRecord, logins: readonly VerifiedLogin[], identity: IdentityRecord, now: number, touch = true): Promise<void> {
  for (const l of logins) {
    if ((await linkLogin(tx, pool.id, { provider: l.provider, subject: l.subject }, identity.id, now)) !== identity.id) throw loginsDontMatch();
  }
  if (touch && logins.length > 0) {
    await touchIdentity(tx, identity.id, now, false);
    identity.modifiedAt = now;
  }
}

/** GetId with logins: the identity those logins are linked to, or a new one. */
export async function identityForLogins(tx: Sql, pool: PoolRecord, logins: readonly VerifiedLogin[], now: number): Promise<IdentityRecord> {
  const o = await owners(tx, pool, logins);
  if (o.identities.size > 1) throw resourceConflict('The logins provided are linked to different identities.');
  let identity: IdentityRecord;
  let created = false;
  if (o.identities.size === 1) {
    const id = o.identities.values().next().value!;
    const found = await getIdentity(tx, id);
    if (found === undefined || found.poolId !== pool.id) throw identityNotFound(id);
    if (found.disabled) throw identityForbidden(id);
    identity = found;
  } else {
    identity = await createIdentity(tx, pool, now);
    created = true;
  }
  // A new identity was just written with these timestamps.
  await linkAll(tx, pool, o.unlinked, identity, now, !created);
  return identity;
}

/**
 * GetCredentialsForIdentity / GetOpenIdToken / UnlinkIdentity with logins: the named identity
 * must own at least one of them unless it has none yet; new logins are linked to it.
 */
export async function checkLoginsFor(tx: Sql, pool: PoolRecord, named: IdentityRecord, logins: readonly VerifiedLogin[], now: number, link: boolean): Promise<void> {
  // Read again inside the transaction: it may have been deleted or disabled since the caller read it.
  const identity = await getIdentity(tx, named.id);
  if (identity === undefined) throw identityNotFound(named.id);
  if (identity.disabled) throw identityForbidden(identity.id);
  const o = await owners(tx, pool, logins);
  for (const id of o.identities) if (id !== identity.id) throw loginsDontMatch();
  if (o.identities.size === 0 && (await loginsOf(tx, identity.id)).length > 0) throw loginsDontMatch();
  if (link) await linkAll(tx, pool, o.unlinked, identity, now);
}

/** Without logins, only a guest identity may be used. */
export async function checkGuest(tx: Sql, identity: IdentityRecord): Promise<void> {
  if (identity.disabled || (await loginsOf(tx, identity.id)).length > 0) throw identityForbidden(identity.id);
}

/**
 * The read-mostly path: logins seen before need no write, so they are checked without
 * opening a transaction; only logins to link take one (and are checked again inside it).
 */
export async function identityForLoginsFast(db: Database, pool: PoolRecord, logins: readonly VerifiedLogin[], now: number): Promise<IdentityRecord> {
  const o = await owners(db, pool, logins);
  if (o.unlinked.length === 0 && o.identities.size === 1) {
    const id = o.identities.values().next().value!;
    const found = await getIdentity(db, id);
    if (found !== undefined && found.poolId === pool.id && !found.disabled) return found;
  }
  return db.transaction((tx) => identityForLogins(tx, pool, logins, now));
}

export async function checkLoginsForFast(db: Database, pool: PoolRecord, identity: IdentityRecord, logins: readonly VerifiedLogin[], now: number, link: boolean): Promise<void> {
  const o = await owners(db, pool, logins);
  if (!identity.disabled && o.unlinked.length === 0 && o.identities.size === 1 && o.identities.has(identity.id)) return;
  await db.transaction((tx) => checkLoginsFor(tx, pool, identity, logins, now, link));
}
