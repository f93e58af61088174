/**
 * Persistence for Identity Pools over the `Database` seam, in portable SQL. Pool settings
 * that AWS treats as one document (providers, roles, role mappings, tags) are stored as JSON
 * columns; identities and their linked logins are rows, so that "one identity per pool,
 * provider and subject" is the primary key's job.
 * @module
 */
import type { Sql, SqlValue } from '../../store/database.js';
import type { CognitoIdentityProvider, RoleMapping } from './api.generated.js';

export interface PoolProviders {
  supportedLoginProviders: Record<string, string>;
  cognitoIdentityProviders: CognitoIdentityProvider[];
  openIdConnectProviderArns: string[];
  samlProviderArns: string[];
}

export interface PrincipalTagMap {
  principalTags: Record<string, string>;
  useDefaults: boolean;
}

export interface PoolRecord {
  id: string;
  name: string;
  allowUnauthenticated: boolean;
  /** Undefined when never set: AWS then still allows the basic flow. */
  allowClassicFlow: boolean | undefined;
  developerProvider: string | undefined;
  providers: PoolProviders;
  tags: Record<string, string>;
  roles: Record<string, string>;
  roleMappings: Record<string, RoleMapping>;
  /** Keyed by identity provider name. */
  principalTags: Record<string, PrincipalTagMap>;
  createdAt: number;
}

export interface IdentityRecord {
  id: string;
  poolId: string;
  createdAt: number;
  modifiedAt: number;
  disabled: boolean;
}

export interface LinkedLogin {
  provider: string;
  subject: string;
}

interface PoolRow {
  id: string;
  name: string;
  allow_unauthenticated: number;
  allow_classic_flow: number | null;
  developer_provider: string | null;
  providers: string;
  tags: string;
  roles: string;
  role_mappings: string;
  principal_tags: string;
  created_at: number | bigint;
}

interface IdentityRow {
  id: string;
  pool_id: string;
  created_at: number | bigint;
  modified_at: number | bigint;
  disabled: number;
}

/** JSON documents read back into null-prototype objects: their keys are user input. */
function parseRecord<T>(json: string): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, JSON.parse(json) as Record<string, T>);
}

function toPool(r: PoolRow): PoolRecord {
  const providers = JSON.parse(r.providers) as PoolProviders;
  providers.supportedLoginProviders = Object.assign(Object.create(null) as Record<string, string>, providers.supportedLoginProviders);
  return {
    id: r.id,
    name: r.name,
    allowUnauthenticated: r.allow_unauthenticated === 1,
    allowClassicFlow: r.allow_classic_flow === null ? undefined : r.allow_classic_flow === 1,
    developerProvider: r.developer_provider ?? undefined,
    providers,
    tags: parseRecord<string>(r.tags),
    roles: parseRecord<string>(r.roles),
    roleMappings: parseRecord<RoleMapping>(r.role_mappings),
    principalTags: parseRecord<PrincipalTagMap>(r.principal_tags),
    createdAt: Number(r.created_at),
  };
}

function toIdentity(r: IdentityRow): IdentityRecord {
  return { id: r.id, poolId: r.pool_id, createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at), disabled: r.disabled === 1 };
}

export async function insertPool(db: Sql, p: PoolRecord): Promise<void> {
  await db.run(
    `INSERT INTO cognito_identity_pools (id, name, allow_unauthenticated, allow_classic_flow, developer_provider, providers, tags, roles, role_mappings, principal_tags, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [p.id, ...mutableColumns(p), p.createdAt],
  );
}

/** The mutable columns, name to principal_tags, in table order. */
function mutableColumns(p: PoolRecord): SqlValue[] {
  return [
    p.name,
    p.allowUnauthenticated ? 1 : 0,
    p.allowClassicFlow === undefined ? null : p.allowClassicFlow ? 1 : 0,
    p.developerProvider ?? null,
    JSON.stringify(p.providers),
    JSON.stringify(p.tags),
    JSON.stringify(p.roles),
    JSON.stringify(p.roleMappings),
    JSON.stringify(p.principalTags),
  ];
}

/** Rewrites every mutable column of an existing pool. */
export async function savePool(db: Sql, p: PoolRecord): Promise<void> {
  await db.run(
    `UPDATE cognito_identity_pools SET name = ?, allow_unauthenticated = ?, allow_classic_flow = ?, developer_provider = ?, providers = ?, tags = ?, roles = ?, role_mappings = ?, principal_tags = ?
     WHERE id = ?`,
    [...mutableColumns(p), p.id],
  );
}

export async function getPool(db: Sql, id: string): Promise<PoolRecord | undefined> {
  const r = await db.get<PoolRow>('SELECT * FROM cognito_identity_pools WHERE id = ?', [id]);
  return r === undefined ? undefined : toPool(r);
}

export async function deletePool(db: Sql, id: string): Promise<boolean> {
  await db.run('DELETE FROM cognito_identity_logins WHERE pool_id = ?', [id]);
  await db.run('DELETE FROM cognito_identity_identities WHERE pool_id = ?', [id]);
  return (await db.run('DELETE FROM cognito_identity_pools WHERE id = ?', [id])).changes > 0;
}

/** Pools in creation order, after the (createdAt, id) cursor. */
export async function listPools(db: Sql, after: [number, string] | undefined, limit: number): Promise<PoolRecord[]> {
  const rows = after === undefined
    ? await db.all<PoolRow>('SELECT * FROM cognito_identity_pools ORDER BY created_at, id LIMIT ?', [limit])
    : await db.all<PoolRow>(
        'SELECT * FROM cognito_identity_pools WHERE created_at > ? OR (created_at = ? AND id > ?) ORDER BY created_at, id LIMIT ?',
        [after[0], after[0], after[1], limit],
      );
  return rows.map(toPool);
}

export async function insertIdentity(db: Sql, i: IdentityRecord): Promise<void> {
  await db.run('INSERT INTO cognito_identity_identities (id, pool_id, created_at, modified_at, disabled) VALUES (?, ?, ?, ?, ?)', [
    i.id,
    i.poolId,
    i.createdAt,
    i.modifiedAt,
    i.disabled ? 1 : 0,
  ]);
}

export async function getIdentity(db: Sql, id: string): Promise<IdentityRecord | undefined> {
  const r = await db.get<IdentityRow>('SELECT * FROM cognito_identity_identities WHERE id = ?', [id]);
  return r === undefined ? undefined : toIdentity(r);
}

export async function touchIdentity(db: Sql, id: string, now: number, disabled: boolean): Promise<void> {
  await db.run('UPDATE cognito_identity_identities SET modified_at = ?, disabled = ? WHERE id = ?', [now, disabled ? 1 : 0, id]);
}

export async function deleteIdentity(db: Sql, id: string): Promise<boolean> {
  await db.run('DELETE FROM cognito_identity_logins WHERE identity_id = ?', [id]);
  return (await db.run('DELETE FROM cognito_identity_identities WHERE id = ?', [id])).changes > 0;
}

export async function listIdentities(
  db: Sql,
  poolId: string,
  after: [number, string] | undefined,
  limit: number,
  hideDisabled: boolean,
): Promise<IdentityRecord[]> {
  const hide = hideDisabled ? ' AND disabled = 0' : '';
  const rows = after === undefined
    ? await db.all<IdentityRow>(`SELECT * FROM cognito_identity_identities WHERE pool_id = ?${hide} ORDER BY created_at, id LIMIT ?`, [poolId, limit])
    : await db.all<IdentityRow>(
        `SELECT * FROM cognito_identity_identities WHERE pool_id = ?${hide} AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?`,
        [poolId, after[0], after[0], after[1], limit],
      );
  return rows.map(toIdentity);
}

export async function findLinkedIdentity(db: Sql, poolId: string, provider: string, subject: string): Promise<string | undefined> {
  const r = await db.get<{ identity_id: string }>(
    'SELECT identity_id FROM cognito_identity_logins WHERE pool_id = ? AND provider = ? AND subject = ?',
    [poolId, provider, subject],
  );
  return r?.identity_id;
}

/**
 * Links a login to an identity unless it is linked already; answers the identity that owns it
 * afterwards. A link is never moved here: a login linked elsewhere (by a concurrent request,
 * on a database that does not serialize transactions) stays where it is.
 */
export async function linkLogin(db: Sql, poolId: string, login: LinkedLogin, identityId: string, now: number): Promise<string | undefined> {
  const inserted = await db.run(
    `INSERT INTO cognito_identity_logins (pool_id, provider, subject, identity_id, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (pool_id, provider, subject) DO NOTHING`,
    [poolId, login.provider, login.subject, identityId, now],
  );
  return inserted.changes > 0 ? identityId : findLinkedIdentity(db, poolId, login.provider, login.subject);
}

export async function unlinkLogin(db: Sql, poolId: string, login: LinkedLogin): Promise<boolean> {
  return (await db.run('DELETE FROM cognito_identity_logins WHERE pool_id = ? AND provider = ? AND subject = ?', [poolId, login.provider, login.subject])).changes > 0;
}

export async function loginsOf(db: Sql, identityId: string): Promise<LinkedLogin[]> {
  return db.all<LinkedLogin>('SELECT provider, subject FROM cognito_identity_logins WHERE identity_id = ? ORDER BY created_at, provider, subject', [identityId]);
}

/** Logins of many identities at once (ListIdentities pages). */
export async function providersOf(db: Sql, identityIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (identityIds.length === 0) return out;
  const rows = await db.all<{ identity_id: string; provider: string }>(
    `SELECT DISTINCT identity_id, provider FROM cognito_identity_logins WHERE identity_id IN (${identityIds.map(() => '?').join(', ')}) ORDER BY identity_id, provider`,
    identityIds,
  );
  for (const r of rows) {
    const list = out.get(r.identity_id);
    if (list === undefined) out.set(r.identity_id, [r.provider]);
    else list.push(r.provider);
  }
  return out;
}

export async function subjectsOf(db: Sql, identityId: string, provider: string, after: string | undefined, limit: number): Promise<string[]> {
  const rows = after === undefined
    ? await db.all<{ subject: string }>('SELECT subject FROM cognito_identity_logins WHERE identity_id = ? AND provider = ? ORDER BY subject LIMIT ?', [identityId, provider, limit])
    : await db.all<{ subject: string }>('SELECT subject FROM cognito_identity_logins WHERE identity_id = ? AND provider = ? AND subject > ? ORDER BY subject LIMIT ?', [
        identityId,
        provider,
        after,
        limit,
      ]);
  return rows.map((r) => r.subject);
}

/** Moves every login of one identity to another (merging identities). */
export async function moveLogins(db: Sql, fromIdentity: string, toIdentity: string): Promise<void> {
  await db.run('UPDATE cognito_identity_logins SET identity_id = ? WHERE identity_id = ?', [toIdentity, fromIdentity]);
}

export interface KeyRow {
  kid: string;
  sealed_private_key: string;
  public_jwk: string;
  created_at: number | bigint;
}

export async function signingKeys(db: Sql): Promise<KeyRow[]> {
  return db.all<KeyRow>('SELECT * FROM cognito_identity_keys ORDER BY created_at, kid');
}

export async function insertSigningKey(db: Sql, k: { kid: string; sealedPrivateKey: string; publicJwk: string; createdAt: number }): Promise<void> {
  await db.run('INSERT INTO cognito_identity_keys (kid, sealed_private_key, public_jwk, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (kid) DO NOTHING', [
    k.kid,
    k.sealedPrivateKey,
    k.publicJwk,
    k.createdAt,
  ]);
}
