/**
 * IAM's tables. Names are unique regardless of case, as in AWS (`MyRole` and `myrole` cannot
 * both exist), so each named entity keeps a lower-cased `name_key`. ARNs are not stored: they
 * are built from path, name and the configured account, so they always agree with it.
 * @module
 */
import type { Schema } from '../../store/database.js';

export const iamSchema: Schema = {
  component: 'iam',
  migrations: [
    {
      version: 1,
      description: 'roles, inline and managed policies, attachments, OIDC providers',
      sql: `
CREATE TABLE iam_roles (
  role_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  trust_policy TEXT NOT NULL,
  description TEXT,
  max_session_duration BIGINT NOT NULL,
  boundary_arn TEXT,
  tags TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  last_used_region TEXT
);
CREATE TABLE iam_role_policies (
  role_id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (role_id, name_key)
);
CREATE TABLE iam_policies (
  policy_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  description TEXT,
  default_version TEXT NOT NULL,
  next_version BIGINT NOT NULL,
  tags TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE iam_policy_versions (
  policy_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  version_num BIGINT NOT NULL,
  document TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (policy_id, version_id)
);
CREATE TABLE iam_role_attachments (
  role_id TEXT NOT NULL,
  policy_arn TEXT NOT NULL,
  PRIMARY KEY (role_id, policy_arn)
);
CREATE INDEX iam_role_attachments_by_policy ON iam_role_attachments (policy_arn);
CREATE TABLE iam_oidc_providers (
  url_key TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  client_ids TEXT NOT NULL,
  thumbprints TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
    },
  ],
};
