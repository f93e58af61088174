/**
 * OAuth 2.0 authorization codes and hosted UI sessions, both kept only as SHA-256 hashes of
 * the random values handed out. A code is spent by one atomic update (single use even under
 * concurrent exchanges); expired rows are swept as new ones are written.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Database } from '../../../store/database.js';

export interface AuthorizationCode {
  poolId: string;
  clientId: string;
  sub: string;
  redirectUri: string;
  scopes: string[];
  /** The S256 code_challenge, when the request carried one. */
  codeChallenge: string | undefined;
  nonce: string | undefined;
  /** Epoch seconds of the sign-in. */
  authTime: number;
  expiresAt: number;
}

export interface HostedSession {
  poolId: string;
  sub: string;
  authTime: number;
  expiresAt: number;
}

export const hashSecret = (value: string): string => createHash('sha256').update(value).digest('base64url');

export class OAuthStore {
  #writes = 0;

  constructor(private readonly db: Database) {}

  async #sweep(now: number): Promise<void> {
    if (++this.#writes % 500 !== 0) return;
    await this.db.run('DELETE FROM cognito_idp_oauth_codes WHERE expires_at < ?', [now]);
    await this.db.run('DELETE FROM cognito_idp_hosted_sessions WHERE expires_at < ?', [now]);
  }

  async putCode(code: string, c: AuthorizationCode, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_oauth_codes (code_hash, pool_id, client_id, sub, redirect_uri, scopes, code_challenge, nonce, auth_time, expires_at, used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      [hashSecret(code), c.poolId, c.clientId, c.sub, c.redirectUri, c.scopes.join(' '), c.codeChallenge ?? null, c.nonce ?? null, c.authTime, c.expiresAt],
    );
    await this.#sweep(now);
  }

  /** Marks the code used and returns it, or undefined when it is unknown or was used already. */
  async spendCode(code: string, now: number): Promise<AuthorizationCode | undefined> {
    // One statement: the row comes back only from the update that spent it (RETURNING, in
    // SQLite and PostgreSQL alike), so of two racing exchanges one gets it.
    const r = await this.db.get<{
      pool_id: string; client_id: string; sub: string; redirect_uri: string; scopes: string; code_challenge: string | null; nonce: string | null; auth_time: number; expires_at: number;
    }>(
      `UPDATE cognito_idp_oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL
       RETURNING pool_id, client_id, sub, redirect_uri, scopes, code_challenge, nonce, auth_time, expires_at`,
      [now, hashSecret(code)],
    );
    if (r === undefined) return undefined;
    return {
      poolId: r.pool_id,
      clientId: r.client_id,
      sub: r.sub,
      redirectUri: r.redirect_uri,
      scopes: r.scopes === '' ? [] : r.scopes.split(' '),
      codeChallenge: r.code_challenge ?? undefined,
      nonce: r.nonce ?? undefined,
      authTime: Number(r.auth_time),
      expiresAt: Number(r.expires_at),
    };
  }

  async putSession(id: string, s: HostedSession, now: number): Promise<void> {
    await this.db.run('INSERT INTO cognito_idp_hosted_sessions (id_hash, pool_id, sub, auth_time, expires_at) VALUES (?, ?, ?, ?, ?)', [hashSecret(id), s.poolId, s.sub, s.authTime, s.expiresAt]);
    await this.#sweep(now);
  }

  async session(id: string): Promise<HostedSession | undefined> {
    const r = await this.db.get<{ pool_id: string; sub: string; auth_time: number; expires_at: number }>('SELECT * FROM cognito_idp_hosted_sessions WHERE id_hash = ?', [hashSecret(id)]);
    return r === undefined ? undefined : { poolId: r.pool_id, sub: r.sub, authTime: Number(r.auth_time), expiresAt: Number(r.expires_at) };
  }

  async endSession(id: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_hosted_sessions WHERE id_hash = ?', [hashSecret(id)]);
  }
}
