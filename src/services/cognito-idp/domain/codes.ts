/**
 * Verification codes: six digits from the CSPRNG, stored only as an HMAC under a derived key
 * (bound to pool, user and purpose), compared in constant time, with AWS's lifetimes (24 hours
 * to confirm a sign-up or an attribute, 1 hour to reset a password).
 *
 * A code is bound to the email or phone number it was sent to: it proves control of that value
 * only, so it verifies nothing once the user's value differs (a changed value also voids it).
 *
 * Guessing is bounded per user and purpose, not per code: five wrong codes an hour, however
 * many codes were issued meanwhile (a fresh code does not reset the count). Sending is bounded
 * too, per user and purpose and per destination, on every path that sends a code, or anyone
 * who knows a username could flood a mailbox. The counts live in the store (domain/rate-limit.ts).
 * @module
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { codeMismatch, expiredCode } from '../errors.js';
import type { AttemptStore } from '../store/attempts.js';
import type { CodePurpose, SentTo, StoredCode, TokenStore } from '../store/tokens.js';
import type { User } from '../store/users.js';
import { RateLimit } from './rate-limit.js';

export const CODE_LIFETIME_MS: Record<CodePurpose, number> = {
  SignUp: 24 * 3600 * 1000,
  ForgotPassword: 3600 * 1000,
  'Verify:email': 24 * 3600 * 1000,
  'Verify:phone_number': 24 * 3600 * 1000,
  // A sign-in code lives as long as the challenge's session (3 minutes).
  'MFA:SMS': 3 * 60 * 1000,
  'MFA:EMAIL': 3 * 60 * 1000,
};

/** Who a limit counts: a user by sub, or (for names no user has) the name as given. */
export type CodeSubject = { sub: string } | { name: string };

/** A newline, not NUL, between the parts: PostgreSQL's TEXT cannot hold NUL, and names hold no whitespace. */
function subjectKey(subject: CodeSubject, purpose: CodePurpose): string {
  return `${'sub' in subject ? `sub:${subject.sub}` : `name:${subject.name}`}\n${purpose}`;
}

export class Codes {
  /** Wrong codes per user and purpose in an hour. */
  readonly #failures: RateLimit;
  /** Codes sent per user and purpose in an hour. */
  readonly #requests: RateLimit;
  /** Codes sent to one address or number in an hour, for any user or purpose. */
  readonly #destinations: RateLimit;

  constructor(
    private readonly key: Buffer,
    private readonly store: TokenStore,
    attempts: AttemptStore,
  ) {
    this.#failures = new RateLimit(attempts, 'code-failure', 5);
    this.#requests = new RateLimit(attempts, 'code-request', 5);
    this.#destinations = new RateLimit(attempts, 'code-destination', 10);
  }

  #hash(poolId: string, sub: string, purpose: CodePurpose, code: string): string {
    return createHmac('sha256', this.key).update(`${poolId}\0${sub}\0${purpose}\0${code}`).digest('base64');
  }

  /**
   * Throws LimitExceededException when no code for `purpose` may be sent to `subject` (at
   * `to`, when known) now. Called before anything is changed, so a refused call changes nothing.
   */
  async mayIssue(poolId: string, subject: CodeSubject, purpose: CodePurpose, to: string | undefined, now: number): Promise<void> {
    await this.#requests.check(poolId, subjectKey(subject, purpose), now);
    if (to !== undefined) await this.#destinations.check(poolId, to.toLowerCase(), now);
  }

  /** Counts a request answered without a code (an unknown name's simulated delivery). */
  countRequest(poolId: string, subject: CodeSubject, purpose: CodePurpose, now: number): Promise<void> {
    return this.#requests.count(poolId, subjectKey(subject, purpose), now);
  }

  /**
   * Issues a fresh code (replacing any earlier one) for delivery to `sentTo`, and counts it;
   * `pendingValue` is the new value a held change waits with (then `sentTo` names that value).
   */
  async issue(poolId: string, sub: string, purpose: CodePurpose, now: number, sentTo: SentTo, pendingValue?: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.store.putCode(poolId, sub, purpose, { hash: this.#hash(poolId, sub, purpose, code), sentTo, expiresAt: now + CODE_LIFETIME_MS[purpose], pendingValue }, now);
    await this.#requests.count(poolId, subjectKey({ sub }, purpose), now);
    await this.#destinations.count(poolId, sentTo.value.toLowerCase(), now);
    return code;
  }

  /**
   * Checks a code of `user`; throws LimitExceededException (too many wrong codes lately),
   * CodeMismatchException, or ExpiredCodeException (also when there is no code, or the value it
   * was sent to is no longer the user's). The caller deletes the code once its change is made.
   */
  async check(user: User, purpose: CodePurpose, code: string, now: number): Promise<StoredCode> {
    const { poolId, sub } = user;
    const key = subjectKey({ sub }, purpose);
    await this.#failures.check(poolId, key, now);
    const stored = await this.store.getCode(poolId, sub, purpose);
    if (stored === undefined || !stillBound(user, stored) || now > stored.expiresAt) throw expiredCode();
    const want = Buffer.from(stored.codeHash, 'base64');
    const got = Buffer.from(this.#hash(poolId, sub, purpose, code), 'base64');
    if (!timingSafeEqual(want, got)) {
      await this.#failures.count(poolId, key, now);
      throw codeMismatch();
    }
    await this.#failures.clear(poolId, key);
    return stored;
  }

  /**
   * A code for a name no user has (PreventUserExistenceErrors): the answers a wrong code gets,
   * counted against the name as given, so the limit does not tell who exists.
   */
  async refuseUnknown(poolId: string, name: string, purpose: CodePurpose, now: number): Promise<never> {
    const key = subjectKey({ name }, purpose);
    await this.#failures.check(poolId, key, now);
    await this.#failures.count(poolId, key, now);
    throw codeMismatch();
  }
}

/** A held change's code confirms the value it waits with; any other code the user's current value. */
function stillBound(user: User, stored: StoredCode): boolean {
  const to = stored.sentTo;
  if (to === undefined) return false;
  if (stored.pendingValue !== undefined) return stored.pendingValue === to.value;
  return user.attributes.get(to.attribute) === to.value;
}
