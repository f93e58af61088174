/**
 * Events counted against a limit (code requests, wrong codes), one row each, in the store
 * rather than in memory: several Gatehouse processes may share one store, and a restart must
 * not forgive an attacker. Rows older than the longest window are deleted as new ones arrive.
 * @module
 */
import type { Database } from '../../../store/database.js';

/** Every this many events, rows past the (longest) window are deleted. */
const PURGE_EVERY = 500;
/** The window every limit counts over. */
export const WINDOW_MS = 3600 * 1000;

export class AttemptStore {
  #counted = 0;

  constructor(private readonly db: Database) {}

  /** Events of `kind` for `subject` in the window before `now`. */
  async recent(poolId: string, kind: string, subject: string, now: number): Promise<number> {
    const r = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM cognito_idp_attempts WHERE pool_id = ? AND kind = ? AND subject = ? AND at > ?', [
      poolId,
      kind,
      subject,
      now - WINDOW_MS,
    ]);
    return Number(r?.n ?? 0);
  }

  /** The times of `subject`'s latest `limit` events of `kind`, newest first. */
  async latest(poolId: string, kind: string, subject: string, limit: number): Promise<number[]> {
    const rows = await this.db.all<{ at: number }>('SELECT at FROM cognito_idp_attempts WHERE pool_id = ? AND kind = ? AND subject = ? ORDER BY at DESC LIMIT ?', [poolId, kind, subject, limit]);
    return rows.map((r) => Number(r.at));
  }

  async count(poolId: string, kind: string, subject: string, now: number): Promise<void> {
    await this.db.run('INSERT INTO cognito_idp_attempts (pool_id, kind, subject, at) VALUES (?, ?, ?, ?)', [poolId, kind, subject, now]);
    if (++this.#counted % PURGE_EVERY === 0) await this.db.run('DELETE FROM cognito_idp_attempts WHERE at <= ?', [now - WINDOW_MS]);
  }

  /** Forgets `subject`'s events of `kind` (a correct answer starts over). */
  async clear(poolId: string, kind: string, subject: string): Promise<void> {
    await this.db.run('DELETE FROM cognito_idp_attempts WHERE pool_id = ? AND kind = ? AND subject = ?', [poolId, kind, subject]);
  }
}
