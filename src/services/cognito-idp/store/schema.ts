/**
 * The user-pool service's tables. Users, group members, codes and refresh tokens refer to a
 * user by `sub` (immutable, unique in a pool), so renames and case folding never orphan rows.
 * Passwords exist only as SRP salt + verifier; codes and refresh tokens only as hashes;
 * signing keys and client secrets only sealed.
 * @module
 */
import type { Schema } from '../../../store/database.js';

export const cognitoIdpSchema: Schema = {
  component: 'cognito-idp',
  migrations: [
    {
      version: 1,
      description: 'user pools, clients, users, groups, codes, refresh tokens',
      sql: `
      CREATE TABLE cognito_idp_user_pools (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        config TEXT NOT NULL,
        signing_key TEXT NOT NULL,
        kid TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE cognito_idp_clients (
        client_id TEXT PRIMARY KEY,
        pool_id TEXT NOT NULL,
        name TEXT NOT NULL,
        secret TEXT,
        config TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX cognito_idp_clients_pool ON cognito_idp_clients (pool_id, client_id);
      CREATE TABLE cognito_idp_users (
        pool_id TEXT NOT NULL,
        username_key TEXT NOT NULL,
        username TEXT NOT NULL,
        sub TEXT NOT NULL,
        status TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        attributes TEXT NOT NULL,
        email_key TEXT,
        phone_key TEXT,
        preferred_key TEXT,
        salt TEXT,
        verifier TEXT,
        password_expires_at BIGINT,
        tokens_revoked_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, username_key)
      );
      CREATE UNIQUE INDEX cognito_idp_users_sub ON cognito_idp_users (pool_id, sub);
      CREATE INDEX cognito_idp_users_email ON cognito_idp_users (pool_id, email_key);
      CREATE INDEX cognito_idp_users_phone ON cognito_idp_users (pool_id, phone_key);
      CREATE INDEX cognito_idp_users_preferred ON cognito_idp_users (pool_id, preferred_key);
      CREATE TABLE cognito_idp_codes (
        pool_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        purpose TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, sub, purpose)
      );
      CREATE TABLE cognito_idp_refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        origin_jti TEXT NOT NULL,
        pool_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        auth_time BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE UNIQUE INDEX cognito_idp_refresh_tokens_origin ON cognito_idp_refresh_tokens (origin_jti);
      CREATE INDEX cognito_idp_refresh_tokens_user ON cognito_idp_refresh_tokens (pool_id, sub);
      CREATE TABLE cognito_idp_groups (
        pool_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        role_arn TEXT,
        precedence BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, name)
      );
      CREATE TABLE cognito_idp_group_members (
        pool_id TEXT NOT NULL,
        group_name TEXT NOT NULL,
        sub TEXT NOT NULL,
        PRIMARY KEY (pool_id, group_name, sub)
      );
      CREATE INDEX cognito_idp_group_members_user ON cognito_idp_group_members (pool_id, sub);
      `,
    },
    {
      version: 2,
      description: 'a new email or phone number waiting for its code (AttributesRequireVerificationBeforeUpdate)',
      sql: 'ALTER TABLE cognito_idp_codes ADD COLUMN pending_value TEXT;',
    },
    {
      version: 3,
      // Codes from before this migration have neither and verify nothing: they are asked for again.
      description: 'the email or phone number a code was sent to (a code proves control of that value only)',
      sql: 'ALTER TABLE cognito_idp_codes ADD COLUMN sent_attribute TEXT; ALTER TABLE cognito_idp_codes ADD COLUMN sent_value TEXT;',
    },
    {
      version: 4,
      description: 'user pool domains, resource servers, identity providers, hosted UI customizations',
      sql: `
      CREATE TABLE cognito_idp_domains (
        domain TEXT PRIMARY KEY,
        pool_id TEXT NOT NULL,
        custom INTEGER NOT NULL,
        certificate_arn TEXT,
        managed_login_version INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX cognito_idp_domains_pool ON cognito_idp_domains (pool_id);
      CREATE TABLE cognito_idp_resource_servers (
        pool_id TEXT NOT NULL,
        identifier TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        PRIMARY KEY (pool_id, identifier)
      );
      CREATE TABLE cognito_idp_identity_providers (
        pool_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        details TEXT NOT NULL,
        attribute_mapping TEXT NOT NULL,
        idp_identifiers TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, name)
      );
      CREATE TABLE cognito_idp_ui_customizations (
        pool_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        css TEXT,
        image TEXT,
        image_type TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, client_id)
      );
      `,
    },
    {
      version: 5,
      description: 'OAuth 2.0 authorization codes, hosted UI sessions, the scopes a hosted sign-in granted',
      sql: `
      CREATE TABLE cognito_idp_oauth_codes (
        code_hash TEXT PRIMARY KEY,
        pool_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        scopes TEXT NOT NULL,
        code_challenge TEXT,
        nonce TEXT,
        auth_time BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE TABLE cognito_idp_hosted_sessions (
        id_hash TEXT PRIMARY KEY,
        pool_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        auth_time BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      ALTER TABLE cognito_idp_refresh_tokens ADD COLUMN scopes TEXT;
      `,
    },
    {
      version: 6,
      description: 'events counted against hourly limits (codes sent, wrong codes), shared by every process on the store',
      sql: `
      CREATE TABLE cognito_idp_attempts (
        pool_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX cognito_idp_attempts_key ON cognito_idp_attempts (pool_id, kind, subject, at);
      CREATE INDEX cognito_idp_attempts_at ON cognito_idp_attempts (at);
      `,
    },
    {
      version: 7,
      description: "users' MFA settings and TOTP secrets (sealed), with the last accepted TOTP time step",
      sql: `
      CREATE TABLE cognito_idp_user_mfa (
        pool_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        settings TEXT NOT NULL,
        totp_secret TEXT,
        pending_secret TEXT,
        totp_last_step BIGINT,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, sub)
      );
      `,
    },
    {
      version: 8,
      description: "users' passkeys (WebAuthn credentials: public key, signature counter, transports)",
      sql: `
      CREATE TABLE cognito_idp_webauthn_credentials (
        pool_id TEXT NOT NULL,
        credential_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        public_key TEXT NOT NULL,
        counter BIGINT NOT NULL,
        transports TEXT NOT NULL,
        attachment TEXT,
        name TEXT NOT NULL,
        rp_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, credential_id)
      );
      CREATE INDEX cognito_idp_webauthn_credentials_user ON cognito_idp_webauthn_credentials (pool_id, sub, created_at);
      `,
    },
    {
      version: 9,
      description: 'refresh-token rotation: the token a session replaced, and until when it still works',
      sql: `
      ALTER TABLE cognito_idp_refresh_tokens ADD COLUMN prev_token_hash TEXT;
      ALTER TABLE cognito_idp_refresh_tokens ADD COLUMN prev_valid_until BIGINT;
      CREATE INDEX cognito_idp_refresh_tokens_prev ON cognito_idp_refresh_tokens (prev_token_hash);
      `,
    },
    {
      version: 10,
      description: "users' tracked devices: key, group key, the device's SRP salt and verifier, name, remembered status, last IP",
      sql: `
      CREATE TABLE cognito_idp_devices (
        pool_id TEXT NOT NULL,
        device_key TEXT NOT NULL,
        sub TEXT NOT NULL,
        group_key TEXT NOT NULL,
        salt TEXT,
        verifier TEXT,
        name TEXT,
        remembered INTEGER NOT NULL,
        last_ip TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        authenticated_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, device_key)
      );
      CREATE INDEX cognito_idp_devices_user ON cognito_idp_devices (pool_id, sub, created_at);
      `,
    },
    {
      version: 11,
      description: 'the device a sign-in session was issued to: its refresh token works only with that device key',
      sql: 'ALTER TABLE cognito_idp_refresh_tokens ADD COLUMN device_key TEXT;',
    },
    {
      version: 12,
      description: "federated identities linked to users (AdminLinkProviderForUser): provider, the provider's user id, the user's sub",
      sql: `
      CREATE TABLE cognito_idp_provider_links (
        pool_id TEXT NOT NULL,
        provider_name TEXT NOT NULL,
        provider_user_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, provider_name, provider_user_id)
      );
      CREATE INDEX cognito_idp_provider_links_user ON cognito_idp_provider_links (pool_id, sub);
      `,
    },
    {
      version: 13,
      description: 'provider links name the attribute they match (Cognito_Subject, or a mapped user-pool attribute such as email), so one value may be linked under two names',
      // SQLite cannot change a primary key in place: the table is rebuilt, existing links become Cognito_Subject links.
      sql: `
      CREATE TABLE cognito_idp_provider_links_v13 (
        pool_id TEXT NOT NULL,
        provider_name TEXT NOT NULL,
        attribute_name TEXT NOT NULL,
        provider_user_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (pool_id, provider_name, attribute_name, provider_user_id)
      );
      INSERT INTO cognito_idp_provider_links_v13 (pool_id, provider_name, attribute_name, provider_user_id, sub, created_at)
        SELECT pool_id, provider_name, 'Cognito_Subject', provider_user_id, sub, created_at FROM cognito_idp_provider_links;
      DROP TABLE cognito_idp_provider_links;
      ALTER TABLE cognito_idp_provider_links_v13 RENAME TO cognito_idp_provider_links;
      CREATE INDEX cognito_idp_provider_links_user ON cognito_idp_provider_links (pool_id, sub);
      `,
    },
    {
      version: 14,
      // A used nonce was a read and an insert in a transaction (attempt rows); a primary key makes
      // single use one insert. Nonces already used stay used: they are copied over, kept an hour as
      // the attempt rows were. The sweeps of expired rows get indexes instead of scanning tables.
      description: 'used Session nonces keyed by nonce (single use in one statement); indexes for the sweeps of expired refresh tokens, codes and hosted sessions',
      sql: `
      CREATE TABLE cognito_idp_used_nonces (
        nonce TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX cognito_idp_used_nonces_expiry ON cognito_idp_used_nonces (expires_at);
      INSERT INTO cognito_idp_used_nonces (nonce, expires_at)
        SELECT subject, MAX(at) + 3600000 FROM cognito_idp_attempts WHERE pool_id = '' AND kind = 'sealed-used' GROUP BY subject;
      DELETE FROM cognito_idp_attempts WHERE pool_id = '' AND kind = 'sealed-used';
      CREATE INDEX cognito_idp_refresh_tokens_expiry ON cognito_idp_refresh_tokens (expires_at);
      CREATE INDEX cognito_idp_oauth_codes_expiry ON cognito_idp_oauth_codes (expires_at);
      CREATE INDEX cognito_idp_hosted_sessions_expiry ON cognito_idp_hosted_sessions (expires_at);
      `,
    },
    {
      version: 15,
      // Only a rotated refresh token has a previous hash, yet every token (each sign-in and code
      // exchange) was entered in this index under NULL: one B-tree page written per insert for
      // nothing. The lookup (`prev_token_hash = ?`) implies IS NOT NULL, so both planners still use it.
      description: 'index only the refresh tokens that have a previous token (rotation grace), not every token',
      sql: `
      DROP INDEX cognito_idp_refresh_tokens_prev;
      CREATE INDEX cognito_idp_refresh_tokens_prev ON cognito_idp_refresh_tokens (prev_token_hash) WHERE prev_token_hash IS NOT NULL;
      `,
    },
  ],
};
