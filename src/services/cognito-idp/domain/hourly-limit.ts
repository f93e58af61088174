/**
 * "At most N of these per user in an hour", kept in memory (a restart forgives): AWS's
 * LimitExceededException "Attempt limit exceeded, please try after some time." for code
 * requests anyone may make, and for wrong previous passwords in ChangePassword.
 * @module
 */
import { attemptLimit } from '../errors.js';

const HOUR_MS = 3600 * 1000;

export class HourlyLimit {
  readonly #events = new Map<string, number[]>();

  constructor(private readonly max: number) {}

  /** Throws LimitExceededException when `key` already had `max` events in the last hour. */
  check(key: string, now: number): void {
    if (this.#recent(key, now).length >= this.max) throw attemptLimit();
  }

  count(key: string, now: number): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#events.set(key, recent);
    if (this.#events.size > 10_000) for (const [k, times] of this.#events) if (times.every((t) => t <= now - HOUR_MS)) this.#events.delete(k);
  }

  #recent(key: string, now: number): number[] {
    return (this.#events.get(key) ?? []).filter((t) => t > now - HOUR_MS);
  }
}
