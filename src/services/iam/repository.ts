/**
 * IAM's storage: roles, inline role policies, customer-managed policies and their versions,
 * attachments, OIDC providers. Portable SQL over the Database seam; every multi-statement
 * change runs in one transaction so a failure leaves nothing half-written. Methods take an
 * optional `sql` so that handlers can read, check and write in one `transaction` (inside one,
 * only its `tx` may be used: statements on the database itself wait for it to end).
 * @module
 */
import type { Database, Sql } from '../../store/database.js';

export interface Tag {
  Key: string;
  Value: string;
}

export interface RoleRow {
  role_id: string;
  name: string;
  name_key: string;
  path: string;
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  boundary_arn: string | null;
  tags: string;
  created_at: number;
  last_used_at: number | null;
  last_used_region: string | null;
}

export interface RolePolicyRow {
  role_id: string;
  name: string;
  document: string;
}

export interface PolicyRow {
  policy_id: string;
  name: string;
  name_key: string;
  path: string;
  description: string | null;
  default_version: string;
  next_version: number;
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface PolicyVersionRow {
  policy_id: string;
  version_id: string;
  version_num: number;
  document: string;
  created_at: number;
}

export interface OidcProviderRow {
  url_key: string;
  url: string;
  client_ids: string;
  thumbprints: string;
  tags: string;
  created_at: number;
}

const ROLE_COLUMNS = 'role_id, name, name_key, path, trust_policy, description, max_session_duration, boundary_arn, tags, created_at, last_used_at, last_used_region';
const POLICY_COLUMNS = 'policy_id, name, name_key, path, description, default_version, next_version, tags, created_at, updated_at';

export class IamRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  // Roles

  /** False when a role of that name (in any case) exists. */
  async insertRole(r: Omit<RoleRow, 'last_used_at' | 'last_used_region'>): Promise<boolean> {
    const res = await this.db.run(
      `INSERT INTO iam_roles (${ROLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT (name_key) DO NOTHING`,
      [r.role_id, r.name, r.name_key, r.path, r.trust_policy, r.description, r.max_session_duration, r.boundary_arn, r.tags, r.created_at],
    );
    return res.changes === 1;
  }

  getRole(name: string, sql: Sql = this.db): Promise<RoleRow | undefined> {
    return sql.get<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM iam_roles WHERE name_key = ?`, [name.toLowerCase()]);
  }

  getRoleById(roleId: string, sql: Sql = this.db): Promise<RoleRow | undefined> {
    return sql.get<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM iam_roles WHERE role_id = ?`, [roleId]);
  }

  /** Roles ordered by name, after `afterKey` (exclusive), at most `limit`. */
  listRoles(pathPrefix: string, afterKey: string, limit: number): Promise<RoleRow[]> {
    return this.db.all<RoleRow>(
      `SELECT ${ROLE_COLUMNS} FROM iam_roles WHERE name_key > ? AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?`,
      [afterKey, pathPrefix.length, pathPrefix, limit],
    );
  }

  async updateRole(
    roleId: string,
    fields: Partial<Pick<RoleRow, 'trust_policy' | 'description' | 'max_session_duration' | 'boundary_arn' | 'tags' | 'last_used_at' | 'last_used_region'>>,
    sql: Sql = this.db,
  ): Promise<void> {
    const keys = Object.keys(fields) as (keyof typeof fields)[];
    if (keys.length === 0) return;
    await sql.run(`UPDATE iam_roles SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE role_id = ?`, [...keys.map((k) => fields[k] ?? null), roleId]);
  }

  /** Deletes a role with no policies; returns what blocks the deletion, if anything. */
  deleteRole(roleId: string): Promise<'inline' | 'attached' | undefined> {
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT 1 AS x FROM iam_role_attachments WHERE role_id = ? LIMIT 1', [roleId])) return 'attached';
      if (await tx.get('SELECT 1 AS x FROM iam_role_policies WHERE role_id = ? LIMIT 1', [roleId])) return 'inline';
      await tx.run('DELETE FROM iam_roles WHERE role_id = ?', [roleId]);
      return undefined;
    });
  }

  // Inline role policies

  async putRolePolicy(roleId: string, name: string, document: string, sql: Sql = this.db): Promise<void> {
    await sql.run(
      'INSERT INTO iam_role_policies (role_id, name, name_key, document) VALUES (?, ?, ?, ?) ON CONFLICT (role_id, name_key) DO UPDATE SET name = excluded.name, document = excluded.document',
      [roleId, name, name.toLowerCase(), document],
    );
  }

  getRolePolicy(roleId: string, name: string): Promise<RolePolicyRow | undefined> {
    return this.db.get<RolePolicyRow>('SELECT role_id, name, document FROM iam_role_policies WHERE role_id = ? AND name_key = ?', [roleId, name.toLowerCase()]);
  }

  listRolePolicies(roleId: string, sql: Sql = this.db): Promise<RolePolicyRow[]> {
    return sql.all<RolePolicyRow>('SELECT role_id, name, document FROM iam_role_policies WHERE role_id = ? ORDER BY name_key', [roleId]);
  }

  async countRolePolicies(roleId: string): Promise<number> {
    const r = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_role_policies WHERE role_id = ?', [roleId]);
    return Number(r?.n ?? 0);
  }

  async deleteRolePolicy(roleId: string, name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM iam_role_policies WHERE role_id = ? AND name_key = ?', [roleId, name.toLowerCase()])).changes === 1;
  }

  // Attachments

  async attach(roleId: string, policyArn: string, sql: Sql = this.db): Promise<void> {
    await sql.run('INSERT INTO iam_role_attachments (role_id, policy_arn) VALUES (?, ?) ON CONFLICT (role_id, policy_arn) DO NOTHING', [roleId, policyArn]);
  }

  async detach(roleId: string, policyArn: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM iam_role_attachments WHERE role_id = ? AND policy_arn = ?', [roleId, policyArn])).changes === 1;
  }

  async attachedArns(roleId: string, sql: Sql = this.db): Promise<string[]> {
    return (await sql.all<{ policy_arn: string }>('SELECT policy_arn FROM iam_role_attachments WHERE role_id = ? ORDER BY policy_arn', [roleId])).map((r) => r.policy_arn);
  }

  async attachmentCount(policyArn: string, sql: Sql = this.db): Promise<number> {
    const r = await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_role_attachments WHERE policy_arn = ?', [policyArn]);
    return Number(r?.n ?? 0);
  }

  async boundaryCount(policyArn: string, sql: Sql = this.db): Promise<number> {
    const r = await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_roles WHERE boundary_arn = ?', [policyArn]);
    return Number(r?.n ?? 0);
  }

  rolesAttachedTo(policyArn: string): Promise<RoleRow[]> {
    return this.db.all<RoleRow>(
      `SELECT ${ROLE_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')} FROM iam_roles r JOIN iam_role_attachments a ON a.role_id = r.role_id WHERE a.policy_arn = ? ORDER BY r.name_key`,
      [policyArn],
    );
  }

  // Customer-managed policies

  /** False when a policy of that name exists. */
  insertPolicy(p: PolicyRow, document: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const res = await tx.run(`INSERT INTO iam_policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`, [
        p.policy_id, p.name, p.name_key, p.path, p.description, p.default_version, p.next_version, p.tags, p.created_at, p.updated_at,
      ]);
      if (res.changes !== 1) return false;
      await tx.run('INSERT INTO iam_policy_versions (policy_id, version_id, version_num, document, created_at) VALUES (?, ?, ?, ?, ?)', [p.policy_id, 'v1', 1, document, p.created_at]);
      return true;
    });
  }

  getPolicyByName(name: string, sql: Sql = this.db): Promise<PolicyRow | undefined> {
    return sql.get<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM iam_policies WHERE name_key = ?`, [name.toLowerCase()]);
  }

  listPolicies(pathPrefix: string): Promise<PolicyRow[]> {
    return this.db.all<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM iam_policies WHERE substr(path, 1, ?) = ? ORDER BY name_key`, [pathPrefix.length, pathPrefix]);
  }

  async updatePolicyTags(policyId: string, tags: string, sql: Sql = this.db): Promise<void> {
    await sql.run('UPDATE iam_policies SET tags = ? WHERE policy_id = ?', [tags, policyId]);
  }

  getVersion(policyId: string, versionId: string, sql: Sql = this.db): Promise<PolicyVersionRow | undefined> {
    return sql.get<PolicyVersionRow>('SELECT policy_id, version_id, version_num, document, created_at FROM iam_policy_versions WHERE policy_id = ? AND version_id = ?', [policyId, versionId]);
  }

  listVersions(policyId: string, sql: Sql = this.db): Promise<PolicyVersionRow[]> {
    return sql.all<PolicyVersionRow>('SELECT policy_id, version_id, version_num, document, created_at FROM iam_policy_versions WHERE policy_id = ? ORDER BY version_num DESC', [policyId]);
  }

  /** Adds a version unless the policy already has `max`; returns its id, or undefined at the limit. */
  addVersion(policyId: string, document: string, setDefault: boolean, now: number, max: number): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const p = await tx.get<{ next_version: number }>('SELECT next_version FROM iam_policies WHERE policy_id = ?', [policyId]);
      const count = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM iam_policy_versions WHERE policy_id = ?', [policyId]);
      if (p === undefined || Number(count?.n ?? 0) >= max) return undefined;
      const num = Number(p.next_version);
      const id = `v${num}`;
      await tx.run('INSERT INTO iam_policy_versions (policy_id, version_id, version_num, document, created_at) VALUES (?, ?, ?, ?, ?)', [policyId, id, num, document, now]);
      await tx.run(`UPDATE iam_policies SET next_version = ?, updated_at = ?${setDefault ? ', default_version = ?' : ''} WHERE policy_id = ?`, setDefault ? [num + 1, now, id, policyId] : [num + 1, now, policyId]);
      return id;
    });
  }

  async setDefaultVersion(policyId: string, versionId: string, now: number, sql: Sql = this.db): Promise<void> {
    await sql.run('UPDATE iam_policies SET default_version = ?, updated_at = ? WHERE policy_id = ?', [versionId, now, policyId]);
  }

  async deleteVersion(policyId: string, versionId: string, sql: Sql = this.db): Promise<boolean> {
    return (await sql.run('DELETE FROM iam_policy_versions WHERE policy_id = ? AND version_id = ?', [policyId, versionId])).changes === 1;
  }

  /** Deletes a policy and its versions; run it inside the transaction that checked it is unused. */
  async deletePolicy(policyId: string, tx: Sql): Promise<void> {
    await tx.run('DELETE FROM iam_policy_versions WHERE policy_id = ?', [policyId]);
    await tx.run('DELETE FROM iam_policies WHERE policy_id = ?', [policyId]);
  }

  // OIDC providers

  async insertOidcProvider(p: OidcProviderRow): Promise<boolean> {
    const res = await this.db.run(
      'INSERT INTO iam_oidc_providers (url_key, url, client_ids, thumbprints, tags, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url_key) DO NOTHING',
      [p.url_key, p.url, p.client_ids, p.thumbprints, p.tags, p.created_at],
    );
    return res.changes === 1;
  }

  getOidcProvider(urlKey: string, sql: Sql = this.db): Promise<OidcProviderRow | undefined> {
    return sql.get<OidcProviderRow>('SELECT url_key, url, client_ids, thumbprints, tags, created_at FROM iam_oidc_providers WHERE url_key = ?', [urlKey]);
  }

  listOidcProviders(): Promise<OidcProviderRow[]> {
    return this.db.all<OidcProviderRow>('SELECT url_key, url, client_ids, thumbprints, tags, created_at FROM iam_oidc_providers ORDER BY url_key');
  }

  async updateOidcProvider(urlKey: string, fields: Partial<Pick<OidcProviderRow, 'client_ids' | 'thumbprints' | 'tags'>>, sql: Sql = this.db): Promise<void> {
    const keys = Object.keys(fields) as (keyof typeof fields)[];
    if (keys.length === 0) return;
    await sql.run(`UPDATE iam_oidc_providers SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE url_key = ?`, [...keys.map((k) => fields[k] ?? null), urlKey]);
  }

  async deleteOidcProvider(urlKey: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM iam_oidc_providers WHERE url_key = ?', [urlKey])).changes === 1;
  }
}
