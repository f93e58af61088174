/**
 * Identity Pools' tables: pools, identities, the logins linked to them (one identity per
 * pool, provider and subject), and the RSA keys that sign Cognito Identity OpenID tokens.
 * @module
 */
import type { Schema } from '../../store/database.js';

export const cognitoIdentitySchema: Schema = {
  component: 'cognito-identity',
  migrations: [
    {
      version: 1,
      description: 'identity pools, identities, linked logins, signing keys',
      sql: `
CREATE TABLE cognito_identity_pools (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  allow_unauthenticated INTEGER NOT NULL,
  allow_classic_flow INTEGER,
  developer_provider TEXT,
  providers TEXT NOT NULL,
  tags TEXT NOT NULL,
  roles TEXT NOT NULL,
  role_mappings TEXT NOT NULL,
  principal_tags TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX cognito_identity_pools_order ON cognito_identity_pools (created_at, id);
CREATE TABLE cognito_identity_identities (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES cognito_identity_pools (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  modified_at BIGINT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cognito_identity_identities_pool ON cognito_identity_identities (pool_id, created_at, id);
CREATE TABLE cognito_identity_logins (
  pool_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  identity_id TEXT NOT NULL REFERENCES cognito_identity_identities (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX cognito_identity_logins_identity ON cognito_identity_logins (identity_id, provider);
CREATE TABLE cognito_identity_keys (
  kid TEXT PRIMARY KEY,
  sealed_private_key TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
    },
  ],
};
