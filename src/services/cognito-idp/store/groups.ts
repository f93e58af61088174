/**
 * Groups of a pool and their members (by sub). Every token issued reads the user's groups;
 * whether a pool has any groups at all is cached (store/row-cache.ts, correct across the nodes
 * of a shared store), so pools without groups (most) skip that read.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';
import { RowCache } from '../../../store/row-cache.js';

export interface Group {
  poolId: string;
  name: string;
  description: string | undefined;
  roleArn: string | undefined;
  precedence: number | undefined;
  createdAt: number;
  updatedAt: number;
}

interface GroupRow {
  pool_id: string;
  name: string;
  description: string | null;
  role_arn: string | null;
  precedence: number | null;
  created_at: number;
  updated_at: number;
}

export class GroupStore {
  readonly #poolHasGroups: RowCache<boolean>;

  constructor(private readonly db: Database) {
    this.#poolHasGroups = new RowCache(db.changes, 'cognito-idp:pool-has-groups', db.shared);
  }

  /** Inside a caller's transaction (`tx`), the caller calls `groupsChanged` once it committed. */
  async insert(g: Group, tx: Sql = this.db): Promise<void> {
    await tx.run(
      'INSERT INTO cognito_idp_groups (pool_id, name, description, role_arn, precedence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [g.poolId, g.name, g.description ?? null, g.roleArn ?? null, g.precedence ?? null, g.createdAt, g.updatedAt],
    );
    if (tx === this.db) await this.groupsChanged(g.poolId);
  }

  /** After a committed change to which groups a pool has: no process serves the old answer. */
  groupsChanged(poolId: string): Promise<void> {
    return this.#poolHasGroups.changed(poolId);
  }

  async save(g: Group): Promise<void> {
    await this.db.run('UPDATE cognito_idp_groups SET description = ?, role_arn = ?, precedence = ?, updated_at = ? WHERE pool_id = ? AND name = ?', [
      g.description ?? null, g.roleArn ?? null, g.precedence ?? null, g.updatedAt, g.poolId, g.name,
    ]);
  }

  async get(poolId: string, name: string, tx: Sql = this.db): Promise<Group | undefined> {
    const r = await tx.get<GroupRow>('SELECT * FROM cognito_idp_groups WHERE pool_id = ? AND name = ?', [poolId, name]);
    return r === undefined ? undefined : toGroup(r);
  }

  async list(poolId: string, after: string, limit: number): Promise<Group[]> {
    return (await this.db.all<GroupRow>('SELECT * FROM cognito_idp_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?', [poolId, after, limit])).map(toGroup);
  }

  async delete(poolId: string, name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM cognito_idp_group_members WHERE pool_id = ? AND group_name = ?', [poolId, name]);
      await tx.run('DELETE FROM cognito_idp_groups WHERE pool_id = ? AND name = ?', [poolId, name]);
    });
    await this.groupsChanged(poolId);
  }

  async addMember(poolId: string, name: string, sub: string, tx: Sql = this.db): Promise<void> {
    await tx.run('INSERT INTO cognito_idp_group_members (pool_id, group_name, sub) VALUES (?, ?, ?) ON CONFLICT (pool_id, group_name, sub) DO NOTHING', [poolId, name, sub]);
  }

  async removeMember(poolId: string, name: string, sub: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_group_members WHERE pool_id = ? AND group_name = ? AND sub = ?', [poolId, name, sub]);
  }

  /** A user's groups, by name. */
  async forUser(poolId: string, sub: string, after = '', limit = 10_000): Promise<Group[]> {
    const any = await this.#poolHasGroups.read(poolId, async () => (await this.db.get('SELECT 1 AS one FROM cognito_idp_groups WHERE pool_id = ? LIMIT 1', [poolId])) !== undefined);
    if (!any) return [];
    const rows = await this.db.all<GroupRow>(
      `SELECT g.* FROM cognito_idp_group_members m JOIN cognito_idp_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
       WHERE m.pool_id = ? AND m.sub = ? AND g.name > ? ORDER BY g.name LIMIT ?`,
      [poolId, sub, after, limit],
    );
    return rows.map(toGroup);
  }
}

function toGroup(r: GroupRow): Group {
  return {
    poolId: r.pool_id,
    name: r.name,
    description: r.description ?? undefined,
    roleArn: r.role_arn ?? undefined,
    precedence: r.precedence === null ? undefined : Number(r.precedence),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
