/**
 * Verification codes: six digits from the CSPRNG, stored only as an HMAC under a derived key
 * (bound to pool, user and purpose), compared in constant time, with an attempt limit and
 * AWS's lifetimes (24 hours to confirm a sign-up or an attribute, 1 hour to reset a password). Anyone who
 * knows a username may ask for a code to be mailed, so requests per user are limited too.
 * @module
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { attemptLimit, codeMismatch, expiredCode } from '../errors.js';
import type { CodePurpose, StoredCode, TokenStore } from '../store/tokens.js';
import { HourlyLimit } from './hourly-limit.js';

export const CODE_LIFETIME_MS: Record<CodePurpose, number> = {
  SignUp: 24 * 3600 * 1000,
  ForgotPassword: 3600 * 1000,
  'Verify:email': 24 * 3600 * 1000,
  'Verify:phone_number': 24 * 3600 * 1000,
  // A sign-in code lives as long as the challenge's session (3 minutes).
  'MFA:SMS': 3 * 60 * 1000,
  'MFA:EMAIL': 3 * 60 * 1000,
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

  /** Issues a fresh code (replacing any earlier one) and returns it for delivery. */
  async issue(poolId: string, sub: string, purpose: CodePurpose, now: number, pendingValue?: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.store.putCode(poolId, sub, purpose, this.#hash(poolId, sub, purpose, code), now + CODE_LIFETIME_MS[purpose], now, pendingValue);
    return code;
  }

  /**
   * Checks a code; throws CodeMismatchException, ExpiredCodeException (also when there is no
   * code) or LimitExceededException. The caller deletes the code once its change is made.
   */
  async check(poolId: string, sub: string, purpose: CodePurpose, code: string, now: number): Promise<StoredCode> {
    const stored = await this.store.getCode(poolId, sub, purpose);
    if (stored === undefined) throw expiredCode();
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
