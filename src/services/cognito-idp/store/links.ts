/**
 * Federated identities linked to existing users (AdminLinkProviderForUser): a sign-in through
 * `provider` whose `attributeName` is `providerUserId` then yields the linked user. The
 * attribute is `Cognito_Subject` (the provider's subject, a SAML NameID) or a user-pool
 * attribute the provider's AttributeMapping fills (`email`), as AWS lets SourceUser name it.
 * Keyed by provider, attribute and value, so a sign-in finds its link with indexed reads.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';

export const SUBJECT = 'Cognito_Subject';

export interface ProviderLink {
  poolId: string;
  providerName: string;
  attributeName: string;
  providerUserId: string;
  sub: string;
  createdAt: number;
}

interface LinkRow {
  pool_id: string;
  provider_name: string;
  attribute_name: string;
  provider_user_id: string;
  sub: string;
  created_at: number;
}

const toLink = (r: LinkRow): ProviderLink => ({
  poolId: r.pool_id, providerName: r.provider_name, attributeName: r.attribute_name, providerUserId: r.provider_user_id, sub: r.sub, createdAt: Number(r.created_at),
});

export class LinkStore {
  constructor(private readonly db: Database) {}

  async get(poolId: string, providerName: string, attributeName: string, providerUserId: string, tx: Sql = this.db): Promise<ProviderLink | undefined> {
    const r = await tx.get<LinkRow>(
      'SELECT * FROM cognito_idp_provider_links WHERE pool_id = ? AND provider_name = ? AND attribute_name = ? AND provider_user_id = ?',
      [poolId, providerName, attributeName, providerUserId],
    );
    return r === undefined ? undefined : toLink(r);
  }

  async forUser(poolId: string, sub: string, tx: Sql = this.db): Promise<ProviderLink[]> {
    const rows = await tx.all<LinkRow>('SELECT * FROM cognito_idp_provider_links WHERE pool_id = ? AND sub = ? ORDER BY created_at', [poolId, sub]);
    return rows.map(toLink);
  }

  async insert(l: ProviderLink, tx: Sql): Promise<void> {
    await tx.run('INSERT INTO cognito_idp_provider_links (pool_id, provider_name, attribute_name, provider_user_id, sub, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      l.poolId, l.providerName, l.attributeName, l.providerUserId, l.sub, l.createdAt,
    ]);
  }

  async delete(poolId: string, providerName: string, attributeName: string, providerUserId: string, tx: Sql): Promise<void> {
    await tx.run('DELETE FROM cognito_idp_provider_links WHERE pool_id = ? AND provider_name = ? AND attribute_name = ? AND provider_user_id = ?', [
      poolId, providerName, attributeName, providerUserId,
    ]);
  }
}
