/**
 * One-time codes (kept as HMACs) and refresh tokens (kept as SHA-256 hashes). A refresh
 * token row is also the record of one sign-in session: its origin_jti is in every ID and
 * access token minted from it, so revoking the row revokes them all.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';

/** The attributes a user verifies with a code. */
export type VerifiableAttribute = 'email' | 'phone_number';
/** `MFA:SMS` / `MFA:EMAIL`: the one-time code of an SMS_MFA or EMAIL_OTP sign-in challenge. */
export type CodePurpose = 'SignUp' | 'ForgotPassword' | `Verify:${VerifiableAttribute}` | 'MFA:SMS' | 'MFA:EMAIL';

/** Where a code was sent: it proves control of that value only, while the user still has it. */
export interface SentTo {
  attribute: VerifiableAttribute;
  value: string;
}

export interface StoredCode {
  codeHash: string;
  /** Absent for codes stored before codes were bound (those verify nothing). */
  sentTo: SentTo | undefined;
  expiresAt: number;
  attempts: number;
  /** The new value a Verify:<attribute> code confirms, when the pool holds changes until then. */
  pendingValue: string | undefined;
}

export interface RefreshSession {
  tokenHash: string;
  originJti: string;
  poolId: string;
  clientId: string;
  sub: string;
  /** Epoch seconds of the sign-in the session began with. */
  authTime: number;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | undefined;
  /** The token this one replaced (refresh-token rotation), usable until prevValidUntil. */
  prevTokenHash?: string | undefined;
  prevValidUntil?: number | undefined;
  /** True when the token presented was that replaced one. */
  matchedPrevious?: boolean;
  /** The OAuth scopes a hosted-UI sign-in granted (space-separated); undefined for API sign-ins. */
  scopes?: string | undefined;
  /** The device the session was signed in from (pools that track devices): refreshes must name it. */
  deviceKey?: string | undefined;
}

interface RefreshRow {
  token_hash: string;
  origin_jti: string;
  pool_id: string;
  client_id: string;
  sub: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  prev_token_hash?: string | null;
  prev_valid_until?: number | null;
  scopes: string | null;
  device_key?: string | null;
}

const PENDING_REGISTRATION = 'WebAuthn:registration';

export class TokenStore {
  constructor(private readonly db: Database) {}

  async putCode(
    poolId: string,
    sub: string,
    purpose: CodePurpose,
    code: { hash: string; sentTo: SentTo; expiresAt: number; pendingValue: string | undefined },
    now: number,
  ): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_codes (pool_id, sub, purpose, code_hash, expires_at, attempts, created_at, pending_value, sent_attribute, sent_value)
       VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
       ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, created_at = excluded.created_at,
       pending_value = excluded.pending_value, sent_attribute = excluded.sent_attribute, sent_value = excluded.sent_value`,
      [poolId, sub, purpose, code.hash, code.expiresAt, now, code.pendingValue ?? null, code.sentTo.attribute, code.sentTo.value],
    );
  }

  /**
   * A passkey registration started and not finished (StartWebAuthnRegistration's challenge), in
   * the codes table under its own purpose: one per user, in the store so Complete may reach
   * another node than Start.
   */
  async putPendingRegistration(poolId: string, sub: string, challenge: string, rpId: string, expiresAt: number, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_codes (pool_id, sub, purpose, code_hash, expires_at, attempts, created_at, pending_value) VALUES (?, ?, ?, ?, ?, 0, ?, ?)
       ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, created_at = excluded.created_at, pending_value = excluded.pending_value`,
      [poolId, sub, PENDING_REGISTRATION, challenge, expiresAt, now, rpId],
    );
  }

  /** Takes the pending registration (single use): undefined when none is waiting or it expired. */
  async takePendingRegistration(poolId: string, sub: string, now: number): Promise<{ challenge: string; rpId: string } | undefined> {
    return this.db.transaction(async (tx) => {
      const r = await tx.get<{ code_hash: string; pending_value: string | null; expires_at: number }>(
        'SELECT code_hash, pending_value, expires_at FROM cognito_idp_codes WHERE pool_id = ? AND sub = ? AND purpose = ?',
        [poolId, sub, PENDING_REGISTRATION],
      );
      if (r === undefined) return undefined;
      await tx.run('DELETE FROM cognito_idp_codes WHERE pool_id = ? AND sub = ? AND purpose = ?', [poolId, sub, PENDING_REGISTRATION]);
      return Number(r.expires_at) < now || r.pending_value === null ? undefined : { challenge: r.code_hash, rpId: r.pending_value };
    });
  }

  async getCode(poolId: string, sub: string, purpose: CodePurpose): Promise<StoredCode | undefined> {
    const r = await this.db.get<{
      code_hash: string;
      expires_at: number;
      attempts: number;
      pending_value: string | null;
      sent_attribute: string | null;
      sent_value: string | null;
    }>('SELECT code_hash, expires_at, attempts, pending_value, sent_attribute, sent_value FROM cognito_idp_codes WHERE pool_id = ? AND sub = ? AND purpose = ?', [
      poolId,
      sub,
      purpose,
    ]);
    if (r === undefined) return undefined;
    const a = r.sent_attribute;
    const sentTo: SentTo | undefined = (a === 'email' || a === 'phone_number') && r.sent_value !== null ? { attribute: a, value: r.sent_value } : undefined;
    return { codeHash: r.code_hash, sentTo, expiresAt: Number(r.expires_at), attempts: Number(r.attempts), pendingValue: r.pending_value ?? undefined };
  }

  /** A changed or deleted email / phone number voids every code sent to its old value. */
  async voidCodesSentTo(poolId: string, sub: string, attribute: VerifiableAttribute, tx: Sql = this.db): Promise<void> {
    await tx.run('DELETE FROM cognito_idp_codes WHERE pool_id = ? AND sub = ? AND sent_attribute = ?', [poolId, sub, attribute]);
  }

  async countFailedAttempt(poolId: string, sub: string, purpose: CodePurpose): Promise<void> {
    await this.db.run('UPDATE cognito_idp_codes SET attempts = attempts + 1 WHERE pool_id = ? AND sub = ? AND purpose = ?', [poolId, sub, purpose]);
  }

  async deleteCode(poolId: string, sub: string, purpose: CodePurpose, tx: Sql = this.db): Promise<void> {
    await tx.run('DELETE FROM cognito_idp_codes WHERE pool_id = ? AND sub = ? AND purpose = ?', [poolId, sub, purpose]);
  }

  async insertRefresh(s: RefreshSession): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_refresh_tokens (token_hash, origin_jti, pool_id, client_id, sub, auth_time, created_at, expires_at, revoked_at, scopes, device_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      [s.tokenHash, s.originJti, s.poolId, s.clientId, s.sub, s.authTime, s.createdAt, s.expiresAt, s.scopes ?? null, s.deviceKey ?? null],
    );
  }

  /** The session of a refresh token: its current one, or the one it replaced when rotating. */
  async refreshByHash(tokenHash: string): Promise<RefreshSession | undefined> {
    const r = await this.db.get<RefreshRow>('SELECT * FROM cognito_idp_refresh_tokens WHERE token_hash = ?', [tokenHash]);
    if (r !== undefined) return toSession(r);
    const prev = await this.db.get<RefreshRow>('SELECT * FROM cognito_idp_refresh_tokens WHERE prev_token_hash = ?', [tokenHash]);
    return prev === undefined ? undefined : { ...toSession(prev), matchedPrevious: true };
  }

  /** Refresh-token rotation: the session's token becomes `tokenHash`; `prevHash` works until `prevValidUntil`. */
  async rotate(originJti: string, tokenHash: string, prevHash: string, prevValidUntil: number): Promise<void> {
    await this.db.run('UPDATE cognito_idp_refresh_tokens SET token_hash = ?, prev_token_hash = ?, prev_valid_until = ? WHERE origin_jti = ?', [tokenHash, prevHash, prevValidUntil, originJti]);
  }

  async refreshByOrigin(originJti: string): Promise<RefreshSession | undefined> {
    const r = await this.db.get<RefreshRow>('SELECT * FROM cognito_idp_refresh_tokens WHERE origin_jti = ?', [originJti]);
    return r === undefined ? undefined : toSession(r);
  }

  async revokeSession(originJti: string, now: number): Promise<void> {
    await this.db.run('UPDATE cognito_idp_refresh_tokens SET revoked_at = ? WHERE origin_jti = ? AND revoked_at IS NULL', [now, originJti]);
  }

  async revokeUserSessions(poolId: string, sub: string, now: number, tx: Sql = this.db): Promise<void> {
    await tx.run('UPDATE cognito_idp_refresh_tokens SET revoked_at = ? WHERE pool_id = ? AND sub = ? AND revoked_at IS NULL', [now, poolId, sub]);
  }

  /** Drops sessions whose refresh token expired (their tokens are dead anyway). */
  async purgeExpired(now: number): Promise<number> {
    return (await this.db.run('DELETE FROM cognito_idp_refresh_tokens WHERE expires_at < ?', [now])).changes;
  }
}

function toSession(r: RefreshRow): RefreshSession {
  return {
    tokenHash: r.token_hash,
    originJti: r.origin_jti,
    poolId: r.pool_id,
    clientId: r.client_id,
    sub: r.sub,
    authTime: Number(r.auth_time),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? undefined : Number(r.revoked_at),
    prevTokenHash: r.prev_token_hash ?? undefined,
    prevValidUntil: r.prev_valid_until === null || r.prev_valid_until === undefined ? undefined : Number(r.prev_valid_until),
    ...(r.scopes === null || r.scopes === undefined ? {} : { scopes: r.scopes }),
    ...(r.device_key === null || r.device_key === undefined ? {} : { deviceKey: r.device_key }),
  };
}
