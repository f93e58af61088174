/**
 * User pools and app clients. Both are read on every sign-in, so they are cached in memory;
 * a write drops the entry on every process sharing the store before it returns
 * (store/row-cache.ts), so a change made on one node holds on the next request to any other.
 * Signing keys never change: they are opened from their sealed form once per pool.
 * @module
 */
import { createPrivateKey } from 'node:crypto';
import type { Database } from '../../../store/database.js';
import type { SecretBox } from '../../../store/secrets.js';
import type { ClientConfig } from '../domain/client-config.js';
import { loadSigningKey, type PoolSigningKey } from '../domain/jwt.js';
import type { PoolConfig } from '../domain/pool-config.js';
import { HOSTED_TABLES } from './hosted.js';
import { RowCache } from '../../../store/row-cache.js';

export interface UserPool {
  id: string;
  name: string;
  config: PoolConfig;
  createdAt: number;
  updatedAt: number;
}

export interface AppClient {
  clientId: string;
  poolId: string;
  name: string;
  /** The secret in clear (opened from its sealed form), when the client has one. */
  secret: string | undefined;
  config: ClientConfig;
  createdAt: number;
  updatedAt: number;
}

interface PoolRow {
  id: string;
  name: string;
  config: string;
  signing_key: string;
  kid: string;
  created_at: number;
  updated_at: number;
}

interface ClientRow {
  client_id: string;
  pool_id: string;
  name: string;
  secret: string | null;
  config: string;
  created_at: number;
  updated_at: number;
}

const keyContext = (poolId: string): string => `cognito-idp:signing-key:${poolId}`;
const secretContext = (clientId: string): string => `cognito-idp:client-secret:${clientId}`;

export class PoolStore {
  readonly #pools: RowCache<UserPool | null>;
  readonly #clients: RowCache<AppClient | null>;
  readonly #keys = new Map<string, PoolSigningKey>();

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {
    this.#pools = new RowCache(db.changes, 'cognito-idp:pools', db.shared);
    this.#clients = new RowCache(db.changes, 'cognito-idp:clients', db.shared);
  }

  async createPool(pool: UserPool, signingKeyPem: string, kid: string): Promise<void> {
    await this.db.run(
      'INSERT INTO cognito_idp_user_pools (id, name, config, signing_key, kid, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [pool.id, pool.name, JSON.stringify(pool.config), this.secrets.seal(signingKeyPem, keyContext(pool.id)), kid, pool.createdAt, pool.updatedAt],
    );
    await this.#pools.changed(pool.id);
  }

  async getPool(id: string): Promise<UserPool | undefined> {
    const pool = await this.#pools.read(id, async () => {
      const row = await this.db.get<PoolRow>('SELECT id, name, config, created_at, updated_at FROM cognito_idp_user_pools WHERE id = ?', [id]);
      return row === undefined ? null : toPool(row);
    });
    return pool ?? undefined;
  }

  async updatePool(id: string, name: string, config: PoolConfig, now: number): Promise<void> {
    await this.db.run('UPDATE cognito_idp_user_pools SET name = ?, config = ?, updated_at = ? WHERE id = ?', [name, JSON.stringify(config), now, id]);
    await this.#pools.changed(id);
  }

  async listPools(after: string | undefined, limit: number): Promise<UserPool[]> {
    const rows = await this.db.all<PoolRow>(
      'SELECT id, name, config, created_at, updated_at FROM cognito_idp_user_pools WHERE id > ? ORDER BY id LIMIT ?',
      [after ?? '', limit],
    );
    return rows.map(toPool);
  }

  /** Deletes a pool and everything in it, atomically. */
  async deletePool(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const table of [...HOSTED_TABLES, 'cognito_idp_group_members', 'cognito_idp_groups', 'cognito_idp_refresh_tokens', 'cognito_idp_codes', 'cognito_idp_attempts', 'cognito_idp_user_mfa', 'cognito_idp_webauthn_credentials', 'cognito_idp_devices', 'cognito_idp_users', 'cognito_idp_clients']) {
        await tx.run(`DELETE FROM ${table} WHERE pool_id = ?`, [id]);
      }
      await tx.run('DELETE FROM cognito_idp_user_pools WHERE id = ?', [id]);
    });
    this.#keys.delete(id);
    await this.#pools.changed(id);
    // Which client ids the pool had is not known to the other nodes' caches: drop them all.
    await this.#clients.changed(null);
  }

  async estimatedUsers(poolId: string): Promise<number> {
    const r = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM cognito_idp_users WHERE pool_id = ?', [poolId]);
    return Number(r?.n ?? 0);
  }

  /** The pool's RS256 key, opened once and kept (signing is on the hot path). */
  async signingKey(poolId: string): Promise<PoolSigningKey | undefined> {
    const hit = this.#keys.get(poolId);
    if (hit !== undefined) return hit;
    const row = await this.db.get<{ signing_key: string; kid: string }>('SELECT signing_key, kid FROM cognito_idp_user_pools WHERE id = ?', [poolId]);
    if (row === undefined) return undefined;
    const key = loadSigningKey(createPrivateKey(this.secrets.openString(row.signing_key, keyContext(poolId))), row.kid);
    this.#keys.set(poolId, key);
    return key;
  }

  async createClient(client: AppClient): Promise<void> {
    await this.db.run(
      'INSERT INTO cognito_idp_clients (client_id, pool_id, name, secret, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        client.clientId,
        client.poolId,
        client.name,
        client.secret === undefined ? null : this.secrets.seal(client.secret, secretContext(client.clientId)),
        JSON.stringify(client.config),
        client.createdAt,
        client.updatedAt,
      ],
    );
    await this.#clients.changed(client.clientId);
  }

  async getClient(clientId: string): Promise<AppClient | undefined> {
    const client = await this.#clients.read(clientId, async () => {
      const row = await this.db.get<ClientRow>('SELECT * FROM cognito_idp_clients WHERE client_id = ?', [clientId]);
      return row === undefined ? null : this.#toClient(row);
    });
    return client ?? undefined;
  }

  async updateClient(clientId: string, name: string, config: ClientConfig, now: number): Promise<void> {
    await this.db.run('UPDATE cognito_idp_clients SET name = ?, config = ?, updated_at = ? WHERE client_id = ?', [name, JSON.stringify(config), now, clientId]);
    await this.#clients.changed(clientId);
  }

  async listClients(poolId: string, after: string | undefined, limit: number): Promise<AppClient[]> {
    const rows = await this.db.all<ClientRow>('SELECT * FROM cognito_idp_clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?', [poolId, after ?? '', limit]);
    return rows.map((r) => this.#toClient(r));
  }

  /** Deletes a client, its branding and its refresh tokens, atomically; then tells the caches. */
  async deleteClient(clientId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM cognito_idp_ui_customizations WHERE client_id = ?', [clientId]);
      await tx.run('DELETE FROM cognito_idp_refresh_tokens WHERE client_id = ?', [clientId]);
      await tx.run('DELETE FROM cognito_idp_clients WHERE client_id = ?', [clientId]);
    });
    await this.#clients.changed(clientId);
  }

  #toClient(r: ClientRow): AppClient {
    return {
      clientId: r.client_id,
      poolId: r.pool_id,
      name: r.name,
      secret: r.secret === null ? undefined : this.secrets.openString(r.secret, secretContext(r.client_id)),
      config: JSON.parse(r.config) as ClientConfig,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    };
  }
}

function toPool(r: PoolRow): UserPool {
  return { id: r.id, name: r.name, config: JSON.parse(r.config) as PoolConfig, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}
