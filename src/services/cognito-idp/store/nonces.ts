/**
 * Nonces of sealed Sessions that were used (domain/sealed.ts), in the store so that a Session
 * used on one node of a shared store is used on all. The nonce is the primary key: single use
 * is one insert that either adds the row or finds it there, atomic on SQLite and PostgreSQL
 * alike, with no transaction around a read.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';

/**
 * A row outlives its Session's expiry by this much, so a node whose clock runs behind the one
 * that swept still finds it (the Session is refused as expired before that on every node).
 */
const KEEP_AFTER_EXPIRY_MS = 3600 * 1000;
/** Every this many uses, rows past their keep time are deleted. */
const SWEEP_EVERY = 500;

export class UsedNonces {
  #uses = 0;

  constructor(private readonly db: Database) {}

  /** Records `nonce` as used; false when it already was (here or on another node). */
  async use(nonce: string, expiresAt: number, now: number, tx: Sql = this.db): Promise<boolean> {
    const r = await tx.run('INSERT INTO cognito_idp_used_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING', [nonce, expiresAt]);
    if (r.changes === 1 && ++this.#uses % SWEEP_EVERY === 0) await this.db.run('DELETE FROM cognito_idp_used_nonces WHERE expires_at < ?', [now - KEEP_AFTER_EXPIRY_MS]);
    return r.changes === 1;
  }
}
