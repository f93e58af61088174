/**
 * What a pool's hosted UI and OAuth 2.0 endpoints are configured with: its domains, resource
 * servers (custom scopes), external identity providers and UI customizations. Domains are
 * read on every hosted-UI request and resource servers on every token grant naming custom
 * scopes, so both are cached like pools (store/row-cache.ts, correct across the nodes of a
 * shared store). Identity-provider details hold client secrets and private keys: sealed at rest.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';
import type { SecretBox } from '../../../store/secrets.js';
import { RowCache } from '../../../store/row-cache.js';

export interface PoolDomain {
  domain: string;
  poolId: string;
  /** A custom domain (CustomDomainConfig) rather than a prefix. */
  custom: boolean;
  certificateArn: string | undefined;
  managedLoginVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface ResourceServer {
  poolId: string;
  identifier: string;
  name: string;
  scopes: { ScopeName: string; ScopeDescription: string }[];
}

export interface IdentityProvider {
  poolId: string;
  name: string;
  type: string;
  details: Record<string, string>;
  attributeMapping: Record<string, string>;
  idpIdentifiers: string[];
  createdAt: number;
  updatedAt: number;
}

export interface UiCustomization {
  poolId: string;
  /** An app client id, or `ALL` for the pool's default. */
  clientId: string;
  css: string | undefined;
  image: Buffer | undefined;
  imageType: string | undefined;
  createdAt: number;
  updatedAt: number;
}

interface DomainRow {
  domain: string;
  pool_id: string;
  custom: number;
  certificate_arn: string | null;
  managed_login_version: number;
  created_at: number;
  updated_at: number;
}

interface ProviderRow {
  pool_id: string;
  name: string;
  type: string;
  details: string;
  attribute_mapping: string;
  idp_identifiers: string;
  created_at: number;
  updated_at: number;
}

interface UiRow {
  pool_id: string;
  client_id: string;
  css: string | null;
  image: string | null;
  image_type: string | null;
  created_at: number;
  updated_at: number;
}

const detailsContext = (poolId: string, name: string): string => `cognito-idp:idp-details:${poolId}:${name}`;
const serverKey = (poolId: string, identifier: string): string => `${poolId}\n${identifier}`;

/** The tables that hold a pool's hosted-UI configuration, for DeleteUserPool. */
export const HOSTED_TABLES = ['cognito_idp_domains', 'cognito_idp_resource_servers', 'cognito_idp_identity_providers', 'cognito_idp_ui_customizations', 'cognito_idp_oauth_codes', 'cognito_idp_hosted_sessions'] as const;

export class HostedStore {
  /** Cached as pools are (store/pools.ts), kept correct across nodes by the store's change notices. */
  readonly #domains: RowCache<PoolDomain | null>;
  readonly #servers: RowCache<ResourceServer | null>;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {
    this.#domains = new RowCache(db.changes, 'cognito-idp:domains', db.shared);
    this.#servers = new RowCache(db.changes, 'cognito-idp:resource-servers', db.shared);
  }

  // Domains

  async domain(domain: string, tx: Sql = this.db): Promise<PoolDomain | undefined> {
    // Inside a transaction, the row as the transaction sees it, not the cache's.
    if (tx !== this.db) {
      const r = await tx.get<DomainRow>('SELECT * FROM cognito_idp_domains WHERE domain = ?', [domain]);
      return r === undefined ? undefined : toDomain(r);
    }
    const d = await this.#domains.read(domain, async () => {
      const r = await this.db.get<DomainRow>('SELECT * FROM cognito_idp_domains WHERE domain = ?', [domain]);
      return r === undefined ? null : toDomain(r);
    });
    return d ?? undefined;
  }

  async domainsOf(poolId: string, tx: Sql = this.db): Promise<PoolDomain[]> {
    return (await tx.all<DomainRow>('SELECT * FROM cognito_idp_domains WHERE pool_id = ? ORDER BY domain', [poolId])).map(toDomain);
  }

  /** Inside the caller's transaction: the caller calls `domainChanged` once it committed. */
  async insertDomain(d: PoolDomain, tx: Sql): Promise<void> {
    await tx.run(
      'INSERT INTO cognito_idp_domains (domain, pool_id, custom, certificate_arn, managed_login_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [d.domain, d.poolId, d.custom ? 1 : 0, d.certificateArn ?? null, d.managedLoginVersion, d.createdAt, d.updatedAt],
    );
  }

  /** After a committed change to `domain`'s row: no process serves the old one. */
  domainChanged(domain: string): Promise<void> {
    return this.#domains.changed(domain);
  }

  async updateDomain(d: PoolDomain): Promise<void> {
    await this.db.run('UPDATE cognito_idp_domains SET certificate_arn = ?, managed_login_version = ?, updated_at = ? WHERE domain = ?', [
      d.certificateArn ?? null, d.managedLoginVersion, d.updatedAt, d.domain,
    ]);
    await this.#domains.changed(d.domain);
  }

  async deleteDomain(domain: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_domains WHERE domain = ?', [domain]);
    await this.#domains.changed(domain);
  }

  /** Called after DeleteUserPool removed the rows (a pool with a domain cannot be deleted; this is for safety). */
  async forgetPool(_poolId: string): Promise<void> {
    await this.#domains.changed(null);
    await this.#servers.changed(null);
  }

  // Resource servers

  /** Inside a transaction (`tx`), the row as the transaction sees it, not the cache's. */
  async resourceServer(poolId: string, identifier: string, tx: Sql = this.db): Promise<ResourceServer | undefined> {
    const load = async (): Promise<ResourceServer | null> => {
      const r = await tx.get<{ pool_id: string; identifier: string; name: string; scopes: string }>(
        'SELECT * FROM cognito_idp_resource_servers WHERE pool_id = ? AND identifier = ?',
        [poolId, identifier],
      );
      return r === undefined ? null : { poolId: r.pool_id, identifier: r.identifier, name: r.name, scopes: JSON.parse(r.scopes) as ResourceServer['scopes'] };
    };
    return (tx === this.db ? await this.#servers.read(serverKey(poolId, identifier), load) : await load()) ?? undefined;
  }

  async resourceServers(poolId: string, after: string, limit: number, tx: Sql = this.db): Promise<ResourceServer[]> {
    const rows = await tx.all<{ pool_id: string; identifier: string; name: string; scopes: string }>(
      'SELECT * FROM cognito_idp_resource_servers WHERE pool_id = ? AND identifier > ? ORDER BY identifier LIMIT ?',
      [poolId, after, limit],
    );
    return rows.map((r) => ({ poolId: r.pool_id, identifier: r.identifier, name: r.name, scopes: JSON.parse(r.scopes) as ResourceServer['scopes'] }));
  }

  async countResourceServers(poolId: string, tx: Sql): Promise<number> {
    return Number((await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM cognito_idp_resource_servers WHERE pool_id = ?', [poolId]))?.n ?? 0);
  }

  /** Inside the caller's transaction: the caller calls `resourceServerChanged` once it committed. */
  async insertResourceServer(s: ResourceServer, tx: Sql): Promise<void> {
    await tx.run('INSERT INTO cognito_idp_resource_servers (pool_id, identifier, name, scopes) VALUES (?, ?, ?, ?)', [s.poolId, s.identifier, s.name, JSON.stringify(s.scopes)]);
  }

  /** After a committed change to a resource server's row: no process serves the old one. */
  resourceServerChanged(poolId: string, identifier: string): Promise<void> {
    return this.#servers.changed(serverKey(poolId, identifier));
  }

  async saveResourceServer(s: ResourceServer): Promise<void> {
    await this.db.run('UPDATE cognito_idp_resource_servers SET name = ?, scopes = ? WHERE pool_id = ? AND identifier = ?', [s.name, JSON.stringify(s.scopes), s.poolId, s.identifier]);
    await this.#servers.changed(serverKey(s.poolId, s.identifier));
  }

  async deleteResourceServer(poolId: string, identifier: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_resource_servers WHERE pool_id = ? AND identifier = ?', [poolId, identifier]);
    await this.#servers.changed(serverKey(poolId, identifier));
  }

  // Identity providers

  async provider(poolId: string, name: string, tx: Sql = this.db): Promise<IdentityProvider | undefined> {
    const r = await tx.get<ProviderRow>('SELECT * FROM cognito_idp_identity_providers WHERE pool_id = ? AND name = ?', [poolId, name]);
    return r === undefined ? undefined : this.#toProvider(r);
  }

  async providers(poolId: string, after: string, limit: number, tx: Sql = this.db): Promise<IdentityProvider[]> {
    const rows = await tx.all<ProviderRow>('SELECT * FROM cognito_idp_identity_providers WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?', [poolId, after, limit]);
    return rows.map((r) => this.#toProvider(r));
  }

  async insertProvider(p: IdentityProvider, tx: Sql): Promise<void> {
    await tx.run(
      'INSERT INTO cognito_idp_identity_providers (pool_id, name, type, details, attribute_mapping, idp_identifiers, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [p.poolId, p.name, p.type, this.#sealDetails(p), JSON.stringify(p.attributeMapping), JSON.stringify(p.idpIdentifiers), p.createdAt, p.updatedAt],
    );
  }

  async saveProvider(p: IdentityProvider, tx: Sql): Promise<void> {
    await tx.run('UPDATE cognito_idp_identity_providers SET details = ?, attribute_mapping = ?, idp_identifiers = ?, updated_at = ? WHERE pool_id = ? AND name = ?', [
      this.#sealDetails(p), JSON.stringify(p.attributeMapping), JSON.stringify(p.idpIdentifiers), p.updatedAt, p.poolId, p.name,
    ]);
  }

  async deleteProvider(poolId: string, name: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_identity_providers WHERE pool_id = ? AND name = ?', [poolId, name]);
  }

  #sealDetails(p: IdentityProvider): string {
    return this.secrets.seal(JSON.stringify(p.details), detailsContext(p.poolId, p.name));
  }

  #toProvider(r: ProviderRow): IdentityProvider {
    return {
      poolId: r.pool_id,
      name: r.name,
      type: r.type,
      details: JSON.parse(this.secrets.openString(r.details, detailsContext(r.pool_id, r.name))) as Record<string, string>,
      attributeMapping: JSON.parse(r.attribute_mapping) as Record<string, string>,
      idpIdentifiers: JSON.parse(r.idp_identifiers) as string[],
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    };
  }

  // UI customizations

  async uiCustomization(poolId: string, clientId: string): Promise<UiCustomization | undefined> {
    const r = await this.db.get<UiRow>('SELECT * FROM cognito_idp_ui_customizations WHERE pool_id = ? AND client_id = ?', [poolId, clientId]);
    return r === undefined
      ? undefined
      : {
          poolId: r.pool_id,
          clientId: r.client_id,
          css: r.css ?? undefined,
          image: r.image === null ? undefined : Buffer.from(r.image, 'base64'),
          imageType: r.image_type ?? undefined,
          createdAt: Number(r.created_at),
          updatedAt: Number(r.updated_at),
        };
  }

  async putUiCustomization(u: UiCustomization): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_ui_customizations (pool_id, client_id, css, image, image_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (pool_id, client_id) DO UPDATE SET css = excluded.css, image = excluded.image, image_type = excluded.image_type, updated_at = excluded.updated_at`,
      [u.poolId, u.clientId, u.css ?? null, u.image === undefined ? null : u.image.toString('base64'), u.imageType ?? null, u.createdAt, u.updatedAt],
    );
  }

  async deleteClientCustomization(poolId: string, clientId: string, tx: Sql): Promise<void> {
    await tx.run('DELETE FROM cognito_idp_ui_customizations WHERE pool_id = ? AND client_id = ?', [poolId, clientId]);
  }
}

function toDomain(r: DomainRow): PoolDomain {
  return {
    domain: r.domain,
    poolId: r.pool_id,
    custom: Number(r.custom) === 1,
    certificateArn: r.certificate_arn ?? undefined,
    managedLoginVersion: Number(r.managed_login_version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
