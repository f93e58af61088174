/**
 * AWS's lockout after wrong passwords, so sign-in cannot be used to guess them at speed:
 * after five failures a user is locked out for 2^(n-5) seconds (n failures so far, at most
 * 15 minutes), and sign-ins meanwhile get NotAuthorizedException "Password attempts
 * exceeded" without counting. A correct password after the lockout, or 15 minutes without a
 * failure, starts over. Kept in memory: a restart forgives.
 * @module
 */
import { notAuthorized } from '../errors.js';

const FREE_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;
const FORGIVE_AFTER_MS = 15 * 60_000;

interface State {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

export class Lockout {
  readonly #users = new Map<string, State>();

  /** Throws "Password attempts exceeded" while the user is locked out. */
  check(poolId: string, sub: string, now: number): void {
    const s = this.#current(`${poolId}\0${sub}`, now);
    if (s !== undefined && now < s.lockedUntil) throw notAuthorized('Password attempts exceeded');
  }

  failed(poolId: string, sub: string, now: number): void {
    const key = `${poolId}\0${sub}`;
    const s = this.#current(key, now) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    s.failures++;
    s.lastFailure = now;
    if (s.failures >= FREE_FAILURES) s.lockedUntil = now + Math.min(2 ** (s.failures - FREE_FAILURES) * 1000, MAX_LOCK_MS);
    this.#users.set(key, s);
    if (this.#users.size > 10_000) for (const [k, v] of this.#users) if (now - v.lastFailure >= FORGIVE_AFTER_MS && now >= v.lockedUntil) this.#users.delete(k);
  }

  succeeded(poolId: string, sub: string): void {
    this.#users.delete(`${poolId}\0${sub}`);
  }

  #current(key: string, now: number): State | undefined {
    const s = this.#users.get(key);
    if (s !== undefined && now - s.lastFailure >= FORGIVE_AFTER_MS && now >= s.lockedUntil) {
      this.#users.delete(key);
      return undefined;
    }
    return s;
  }
}
