/**
 * Verification codes: six digits from the CSPRNG, stored only as an HMAC under a derived key
 * (bound to pool, user and purpose), compared in constant time, with an attempt limit and
 * AWS's lifetimes (24 hours to confirm a sign-up or an attribute, 1 hour to reset a password). Anyone who
 * knows a username may ask for a code to be mailed, so requests per user are limited too.
 * A code is bound to the email or phone number it was sent to: it proves control of that value
 * only, so it verifies nothing once the user's value differs (a changed value also voids it).
 * @module
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { attemptLimit, codeMismatch, expiredCode } from '../errors.js';
import type { CodePurpose, SentTo, StoredCode, TokenStore } from '../store/tokens.js';
import type { User } from '../store/users.js';
import { HourlyLimit } from './hourly-limit.js';

export const CODE_LIFETIME_MS: Record<CodePurpose, number> = {
  SignUp: 24 * 3600 * 1000,
  ForgotPassword: 3600 * 1000,
  'Verify:email': 24 * 3600 * 1000,
  'Verify:phone_number': 24 * 3600 * 1000,
};

/** Wrong guesses allowed per code before it is refused. */
const MAX_ATTEMPTS = 5;

export class Codes {
  /** Codes a user may ask for (ForgotPassword, ResendConfirmationCode) per purpose in an hour. */
  readonly #requests = new HourlyLimit(5);

  constructor(
    private readonly key: Buffer,
    private readonly store: TokenStore,
  ) {}

  #hash(poolId: string, sub: string, purpose: CodePurpose, code: string): string {
    return createHmac('sha256', this.key).update(`${poolId}\0${sub}\0${purpose}\0${code}`).digest('base64');
  }

  /** Counts a self-service request for a code; LimitExceededException past the hourly limit. */
  limitRequests(poolId: string, sub: string, purpose: CodePurpose, now: number): void {
    const key = `${poolId}\0${sub}\0${purpose}`;
    this.#requests.check(key, now);
    this.#requests.count(key, now);
  }

  /**
   * Issues a fresh code (replacing any earlier one) for delivery to `sentTo`; `pendingValue`
   * is the new value a held change waits with (then `sentTo` names that value).
   */
  async issue(poolId: string, sub: string, purpose: CodePurpose, now: number, sentTo: SentTo, pendingValue?: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.store.putCode(poolId, sub, purpose, { hash: this.#hash(poolId, sub, purpose, code), sentTo, expiresAt: now + CODE_LIFETIME_MS[purpose], pendingValue }, now);
    return code;
  }

  /**
   * Checks a code of `user`; throws CodeMismatchException, ExpiredCodeException (also when
   * there is no code, or the value it was sent to is no longer the user's) or
   * LimitExceededException. The caller deletes the code once its change is made.
   */
  async check(user: User, purpose: CodePurpose, code: string, now: number): Promise<StoredCode> {
    const { poolId, sub } = user;
    const stored = await this.store.getCode(poolId, sub, purpose);
    if (stored === undefined || !stillBound(user, stored)) throw expiredCode();
    if (stored.attempts >= MAX_ATTEMPTS) throw attemptLimit();
    if (now > stored.expiresAt) throw expiredCode();
    const want = Buffer.from(stored.codeHash, 'base64');
    const got = Buffer.from(this.#hash(poolId, sub, purpose, code), 'base64');
    if (!timingSafeEqual(want, got)) {
      await this.store.countFailedAttempt(poolId, sub, purpose);
      throw codeMismatch();
    }
    return stored;
  }
}

/** A held change's code confirms the value it waits with; any other code the user's current value. */
function stillBound(user: User, stored: StoredCode): boolean {
  const to = stored.sentTo;
  if (to === undefined) return false;
  if (stored.pendingValue !== undefined) return stored.pendingValue === to.value;
  return user.attributes.get(to.attribute) === to.value;
}
