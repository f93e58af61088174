/**
 * AWS's lockout after wrong passwords, so sign-in cannot be used to guess them at speed:
 * after five failures a user is locked out for 2^(n-5) seconds (n failures so far, at most
 * 15 minutes), and sign-ins meanwhile get NotAuthorizedException "Password attempts
 * exceeded" without counting. A correct password after the lockout, or 15 minutes without a
 * failure, starts over.
 *
 * Failures are rows in the store's attempt table, not process memory: every node of a shared
 * store counts the same failures, and a restart forgives nothing. The rows of one subject stay
 * few — failures during a lockout are not counted, and only the latest run matters.
 * @module
 */
import { notAuthorized } from '../errors.js';
import type { AttemptStore } from '../store/attempts.js';

const FREE_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;
const FORGIVE_AFTER_MS = 15 * 60_000;
/** More failures than this in a run change nothing (the lock is at its longest by then). */
const RUN_LIMIT = 64;

export class Lockout {
  /** `kind`: what is counted (password or second-factor failures), so the two never mix. */
  constructor(
    private readonly attempts: AttemptStore,
    private readonly kind: string,
  ) {}

  /**
   * Throws "Password attempts exceeded" while the user is locked out. True when failures are on
   * record, for `succeeded`: a sign-in with none has nothing to forget.
   */
  async check(poolId: string, sub: string, now: number): Promise<boolean> {
    const times = await this.attempts.latest(poolId, this.kind, sub, RUN_LIMIT);
    if (now < lockedUntil(times, now)) throw notAuthorized('Password attempts exceeded');
    return times.length > 0;
  }

  async failed(poolId: string, sub: string, now: number): Promise<void> {
    await this.attempts.count(poolId, this.kind, sub, now);
  }

  /**
   * A correct answer starts over. `onRecord`: what `check` said before the answer was checked;
   * when it found no failures there is nothing to delete (a failure recorded since by a racing
   * request then stays, which only errs towards locking).
   */
  async succeeded(poolId: string, sub: string, onRecord: boolean): Promise<void> {
    if (onRecord) await this.attempts.clear(poolId, this.kind, sub);
  }
}

/** The end of the current lock (0: none), from the latest run of failures (newest first). */
function lockedUntil(times: readonly number[], now: number): number {
  // A run: failures each less than FORGIVE_AFTER_MS after the one before.
  let failures = 0;
  let previous = now;
  for (const at of times) {
    if (previous - at >= FORGIVE_AFTER_MS) break;
    failures++;
    previous = at;
  }
  if (failures < FREE_FAILURES) return 0;
  return times[0]! + Math.min(2 ** (failures - FREE_FAILURES) * 1000, MAX_LOCK_MS);
}
