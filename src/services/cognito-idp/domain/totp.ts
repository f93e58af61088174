/**
 * RFC 6238 time-based one-time passwords as Cognito uses them (SHA-1, 6 digits, 30-second
 * steps), through the maintained `otpauth` library. A code is valid for its own step and one
 * step either side (clock drift on the phone); which step matched is returned so the caller
 * can refuse the same code twice.
 * @module
 */
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

/** A new shared secret: 160 random bits, base32 (32 characters), as AssociateSoftwareToken returns. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD });
}

/** The time step `code` belongs to, or undefined when it is wrong (or not six digits). */
export function totpStep(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const t = totp(secret);
  const delta = t.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? undefined : t.counter({ timestamp: now }) + delta;
}

/** The `otpauth://totp/…` URI an authenticator app reads (from a QR code or a link) for this secret. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD, issuer, label: account }).toString();
}
