/**
 * What every Identity Pools operation module is built from, and small shared helpers.
 * @module
 */
import type { Database, Sql } from '../../store/database.js';
import { RowCache } from '../../store/row-cache.js';
import { poolNotFound } from './errors.js';
import type { LoginVerifier } from './logins.js';
import type { OpenIdTokenIssuer } from './openid-token.js';
import type { IdentityPoolPorts } from './ports.js';
import { getPool, type PoolRecord } from './repository.js';

/**
 * Pool settings are read on every credential exchange and change rarely: kept in memory and
 * dropped on every node when one changes them (the store's change notices, store/row-cache.ts).
 */
export class PoolCache {
  readonly #rows: RowCache<PoolRecord | null>;

  constructor(private readonly db: Database) {
    this.#rows = new RowCache(db.changes, 'cognito-identity:pools', db.shared);
  }

  async require(id: string): Promise<PoolRecord> {
    const pool = await this.#rows.read(id, async () => (await getPool(this.db, id)) ?? null);
    if (pool === null) throw poolNotFound(id);
    return pool;
  }

  /** After a committed change (or a failed attempt at one) to the pool. */
  invalidate(id: string): Promise<void> {
    return this.#rows.changed(id);
  }
}

export interface IdentityPoolDeps {
  db: Database;
  pools: PoolCache;
  region: string;
  accountId: string;
  ports: IdentityPoolPorts;
  logins: LoginVerifier;
  tokens: OpenIdTokenIssuer;
  publicUrl(): string;
}

export function poolArn(deps: { accountId: string }, poolId: string): string {
  const region = poolId.slice(0, poolId.indexOf(':'));
  return `arn:aws:cognito-identity:${region}:${deps.accountId}:identitypool/${poolId}`;
}

export async function requirePool(db: Sql, id: string): Promise<PoolRecord> {
  const pool = await getPool(db, id);
  if (pool === undefined) throw poolNotFound(id);
  return pool;
}

/** A copy of a user-keyed map with no prototype, so keys like `__proto__` stay data. */
export function ownMap<T>(input: Readonly<Record<string, T>> | undefined): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (input !== undefined) for (const [k, v] of Object.entries(input)) out[k] = v;
  return out;
}

/** Opaque pagination tokens over a (createdAt, id) order. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

export function decodeCursor(token: string | undefined): [number, string] | undefined | null {
  if (token === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // falls through to null: not a token we issued
  }
  return null;
}
