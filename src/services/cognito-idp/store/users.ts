/**
 * Users of a pool. The primary key is the username as the pool compares it (folded to lower
 * case unless the pool is case-sensitive); email, phone number and preferred_username have
 * their own lookup columns for sign-in by alias and for uniqueness checks.
 * @module
 */
import type { UserStatusType } from '../api.generated.js';
import type { Database, Sql } from '../../../store/database.js';
import type { SecretBox } from '../../../store/secrets.js';
import { attributesFromJson, attributesToJson, type Attributes } from '../domain/attributes.js';

export interface User {
  poolId: string;
  username: string;
  sub: string;
  status: UserStatusType;
  enabled: boolean;
  attributes: Attributes;
  /** SRP salt and verifier; absent only for users who never had a password. */
  salt: Buffer | undefined;
  verifier: Buffer | undefined;
  /** When a temporary password (FORCE_CHANGE_PASSWORD) stops working, epoch ms. */
  passwordExpiresAt: number | undefined;
  /** GlobalSignOut / AdminUserGlobalSignOut time, epoch ms: older tokens are dead. */
  tokensRevokedAt: number | undefined;
  createdAt: number;
  updatedAt: number;
}

interface UserRow {
  pool_id: string;
  username_key: string;
  username: string;
  sub: string;
  status: string;
  enabled: number;
  attributes: string;
  salt: string | null;
  verifier: string | null;
  password_expires_at: number | null;
  tokens_revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

/** How a pool compares usernames (and preferred_username). */
export function foldUsername(username: string, caseSensitive: boolean): string {
  return caseSensitive ? username : username.toLowerCase();
}

export class UserStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * A verifier is a password equivalent for offline guessing, so it is sealed at rest, bound to
   * its pool and user (a sealed verifier copied to another row does not open).
   */
  #sealVerifier(user: User): string | null {
    const unchanged = SEALED_AS_LOADED.get(user);
    if (unchanged !== undefined) return unchanged;
    return user.verifier === undefined ? null : this.secrets.seal(user.verifier, verifierContext(user.poolId, user.sub));
  }

  #toUser = (r: UserRow): User => toUser(r, this.secrets);

  #keys(user: User, caseSensitive: boolean): [string, string | null, string | null, string | null] {
    const email = user.attributes.get('email');
    const phone = user.attributes.get('phone_number');
    const preferred = user.attributes.get('preferred_username');
    return [
      foldUsername(user.username, caseSensitive),
      email ? email.toLowerCase() : null,
      phone ? phone : null,
      preferred ? foldUsername(preferred, caseSensitive) : null,
    ];
  }

  async insert(user: User, caseSensitive: boolean, tx: Sql = this.db): Promise<void> {
    const [key, email, phone, preferred] = this.#keys(user, caseSensitive);
    await tx.run(
      `INSERT INTO cognito_idp_users (pool_id, username_key, username, sub, status, enabled, attributes, email_key, phone_key, preferred_key,
        salt, verifier, password_expires_at, tokens_revoked_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        user.poolId, key, user.username, user.sub, user.status, user.enabled ? 1 : 0, attributesToJson(user.attributes), email, phone, preferred,
        user.salt?.toString('hex') ?? null, this.#sealVerifier(user), user.passwordExpiresAt ?? null, user.tokensRevokedAt ?? null,
        user.createdAt, user.updatedAt,
      ],
    );
  }

  /** Writes every mutable field of a user (found by sub). */
  async save(user: User, caseSensitive: boolean, tx: Sql = this.db): Promise<void> {
    const [, email, phone, preferred] = this.#keys(user, caseSensitive);
    await tx.run(
      `UPDATE cognito_idp_users SET status = ?, enabled = ?, attributes = ?, email_key = ?, phone_key = ?, preferred_key = ?, salt = ?, verifier = ?,
        password_expires_at = ?, tokens_revoked_at = ?, updated_at = ? WHERE pool_id = ? AND sub = ?`,
      [
        user.status, user.enabled ? 1 : 0, attributesToJson(user.attributes), email, phone, preferred, user.salt?.toString('hex') ?? null,
        this.#sealVerifier(user), user.passwordExpiresAt ?? null, user.tokensRevokedAt ?? null, user.updatedAt, user.poolId, user.sub,
      ],
    );
  }

  async byUsername(poolId: string, username: string, caseSensitive: boolean, tx: Sql = this.db): Promise<User | undefined> {
    const row = await tx.get<UserRow>('SELECT * FROM cognito_idp_users WHERE pool_id = ? AND username_key = ?', [poolId, foldUsername(username, caseSensitive)]);
    return row === undefined ? undefined : this.#toUser(row);
  }

  async bySub(poolId: string, sub: string, tx: Sql = this.db): Promise<User | undefined> {
    const row = await tx.get<UserRow>('SELECT * FROM cognito_idp_users WHERE pool_id = ? AND sub = ?', [poolId, sub]);
    return row === undefined ? undefined : this.#toUser(row);
  }

  async byAlias(poolId: string, column: 'email_key' | 'phone_key' | 'preferred_key', value: string, tx: Sql = this.db): Promise<User[]> {
    const rows = await tx.all<UserRow>(`SELECT * FROM cognito_idp_users WHERE pool_id = ? AND ${column} = ? ORDER BY created_at`, [poolId, value]);
    return rows.map(this.#toUser);
  }

  /** Users ordered by their comparison key, after `afterKey`. */
  async page(poolId: string, afterKey: string, limit: number): Promise<{ user: User; key: string }[]> {
    const rows = await this.db.all<UserRow>('SELECT * FROM cognito_idp_users WHERE pool_id = ? AND username_key > ? ORDER BY username_key LIMIT ?', [poolId, afterKey, limit]);
    return rows.map((r) => ({ user: this.#toUser(r), key: r.username_key }));
  }

  /** A group's members, ordered by sub, after `afterSub`: one query, not one per member. */
  async inGroup(poolId: string, group: string, afterSub: string, limit: number): Promise<User[]> {
    const rows = await this.db.all<UserRow>(
      `SELECT u.* FROM cognito_idp_group_members m JOIN cognito_idp_users u ON u.pool_id = m.pool_id AND u.sub = m.sub
       WHERE m.pool_id = ? AND m.group_name = ? AND m.sub > ? ORDER BY m.sub LIMIT ?`,
      [poolId, group, afterSub, limit],
    );
    return rows.map(this.#toUser);
  }

  async markTokensRevoked(poolId: string, sub: string, now: number, tx: Sql = this.db): Promise<void> {
    await tx.run('UPDATE cognito_idp_users SET tokens_revoked_at = ? WHERE pool_id = ? AND sub = ?', [now, poolId, sub]);
  }

  /** Deletes a user and everything that refers to them. */
  async delete(poolId: string, sub: string, tx: Sql): Promise<void> {
    for (const table of ['cognito_idp_group_members', 'cognito_idp_refresh_tokens', 'cognito_idp_codes', 'cognito_idp_user_mfa', 'cognito_idp_webauthn_credentials', 'cognito_idp_devices', 'cognito_idp_provider_links', 'cognito_idp_users']) {
      await tx.run(`DELETE FROM ${table} WHERE pool_id = ? AND sub = ?`, [poolId, sub]);
    }
  }
}

function verifierContext(poolId: string, sub: string): string {
  return `cognito-idp:verifier:${poolId}:${sub}`;
}

/** Sealed, or hex as stores written before verifiers were sealed kept them (re-sealed on the next save). */
function openVerifier(stored: string, poolId: string, sub: string, secrets: SecretBox): Buffer {
  return /^[0-9a-f]+$/.test(stored) ? Buffer.from(stored, 'hex') : secrets.open(stored, verifierContext(poolId, sub));
}

/** Users whose verifier is still the sealed value they were loaded with: saved as it is. */
const SEALED_AS_LOADED = new WeakMap<User, string>();

/**
 * The verifier is opened on first use, not on load: listings and attribute changes load many
 * users and never need it. Assigning a new verifier replaces the lazy one.
 */
function defineLazyVerifier(user: User, stored: string, secrets: SecretBox): void {
  let opened: Buffer | undefined;
  if (!/^[0-9a-f]+$/.test(stored)) SEALED_AS_LOADED.set(user, stored);
  Object.defineProperty(user, 'verifier', {
    enumerable: true,
    configurable: true,
    get: () => (opened ??= openVerifier(stored, user.poolId, user.sub, secrets)),
    set: (value: Buffer | undefined) => {
      SEALED_AS_LOADED.delete(user);
      Object.defineProperty(user, 'verifier', { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

function toUser(r: UserRow, secrets: SecretBox): User {
  const user: User = {
    poolId: r.pool_id,
    username: r.username,
    sub: r.sub,
    status: r.status as UserStatusType,
    enabled: Number(r.enabled) === 1,
    attributes: attributesFromJson(r.attributes),
    salt: r.salt === null ? undefined : Buffer.from(r.salt, 'hex'),
    verifier: undefined,
    passwordExpiresAt: r.password_expires_at === null ? undefined : Number(r.password_expires_at),
    tokensRevokedAt: r.tokens_revoked_at === null ? undefined : Number(r.tokens_revoked_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.verifier !== null) defineLazyVerifier(user, r.verifier, secrets);
  return user;
}
