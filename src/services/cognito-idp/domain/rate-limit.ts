/**
 * "At most N of these per subject in an hour", counted in the store (store/attempts.ts), so
 * every process sharing the store sees the same count and a restart forgives nothing. Over
 * the limit, AWS's LimitExceededException "Attempt limit exceeded, please try after some time."
 * @module
 */
import { attemptLimit } from '../errors.js';
import type { AttemptStore } from '../store/attempts.js';

export class RateLimit {
  constructor(
    private readonly store: AttemptStore,
    private readonly kind: string,
    readonly max: number,
  ) {}

  /** Throws LimitExceededException when `subject` already had `max` events in the last hour. */
  async check(poolId: string, subject: string, now: number): Promise<void> {
    if ((await this.store.recent(poolId, this.kind, subject, now)) >= this.max) throw attemptLimit();
  }

  count(poolId: string, subject: string, now: number): Promise<void> {
    return this.store.count(poolId, this.kind, subject, now);
  }

  clear(poolId: string, subject: string): Promise<void> {
    return this.store.clear(poolId, this.kind, subject);
  }
}
