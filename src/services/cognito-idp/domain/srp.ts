/**
 * Cognito's SRP-6a, server side, exactly as amazon-cognito-identity-js's AuthenticationHelper
 * computes the other half: the RFC 3526 3072-bit group, g = 2, SHA-256, k = H(N‖g),
 * u = H(A‖B), x = H(salt‖H(poolName‖username‖":"‖password)), numbers hashed in Java's
 * two's-complement byte form ("padHex"), and the session key taken through HKDF with the
 * info "Caldera Derived Key". Every modular exponentiation runs in OpenSSL (DiffieHellman
 * with the exponent as private key, so in constant time); BigInt only adds and multiplies.
 * @module
 */
import { createDiffieHellman, createHash, createHmac, getDiffieHellman, randomBytes } from 'node:crypto';

const N_BYTES = getDiffieHellman('modp15').getPrime();
export const N = toBig(N_BYTES);
const N_LEN = N_BYTES.length;
const G_BYTES = Buffer.from([2]);
/** One DH context does every exponentiation; its calls are synchronous, so it is never shared mid-use. */
const dh = createDiffieHellman(N_BYTES, G_BYTES);
const K = toBig(sha256(padBytes(N_BYTES), padBytes(G_BYTES)));
const INFO = Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]);

export function toBig(buf: Uint8Array): bigint {
  return buf.length === 0 ? 0n : BigInt(`0x${Buffer.from(buf).toString('hex')}`);
}

/** Big-endian bytes of a non-negative integer, left-padded to `length`. */
export function fromBig(n: bigint, length = N_LEN): Buffer {
  const hex = n.toString(16);
  return Buffer.from(hex.padStart(Math.max(length * 2, hex.length + (hex.length % 2)), '0'), 'hex');
}

/** Java BigInteger.toByteArray of a non-negative number: minimal bytes, 0x00 first if the top bit is set. */
export function padBytes(buf: Uint8Array): Buffer {
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  const b = Buffer.from(buf.subarray(i));
  if (b.length === 0) return Buffer.from([0]);
  return (b[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** base^exp mod N in OpenSSL. Throws if base is not in (1, N-1), which SRP must refuse anyway. */
function modPow(base: Buffer, exp: Buffer): Buffer {
  dh.setPrivateKey(exp);
  return dh.computeSecret(base);
}

/** The salt as Cognito sends it (hex of a positive integer) and the bytes hashed into x. */
export function newSalt(): Buffer {
  return padBytes(randomBytes(16));
}

export function privateValueX(poolName: string, username: string, password: string, salt: Buffer): Buffer {
  const inner = sha256(Buffer.from(`${poolName}${username}:${password}`, 'utf8'));
  return sha256(padBytes(salt), inner);
}

/** The verifier v = g^x, N_LEN bytes. Stored instead of the password. */
export function verifierFor(poolName: string, username: string, password: string, salt: Buffer): Buffer {
  return modPow(G_BYTES, privateValueX(poolName, username, password, salt));
}

export interface ServerChallenge {
  /** The server's secret exponent (32 bytes). */
  b: Buffer;
  /** B = k·v + g^b mod N, N_LEN bytes. */
  B: Buffer;
}

export function serverChallenge(verifier: Buffer): ServerChallenge {
  for (;;) {
    const b = randomBytes(32);
    const gb = toBig(modPow(G_BYTES, b));
    const B = (K * toBig(verifier) + gb) % N;
    if (B !== 0n) return { b, B: fromBig(B) };
  }
}

/** Parses SRP_A; undefined when it is not hex or is 0 mod N (RFC 5054's abort condition). */
export function parseA(hex: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{1,1024}$/.test(hex)) return undefined;
  const A = BigInt(`0x${hex}`) % N;
  return A === 0n ? undefined : fromBig(A);
}

/**
 * The 16-byte key both sides derive; undefined when the numbers are degenerate (u = 0, or
 * A·v^u ≡ 0, 1 or -1), which only a forged A produces.
 */
export function sessionKey(A: Buffer, B: Buffer, b: Buffer, verifier: Buffer): Buffer | undefined {
  const u = sha256(padBytes(A), padBytes(B));
  if (toBig(u) === 0n) return undefined;
  let S: Buffer;
  try {
    const vu = toBig(modPow(verifier, u));
    const base = (toBig(A) * vu) % N;
    if (base <= 1n || base >= N - 1n) return undefined;
    S = modPow(fromBig(base), b);
  } catch {
    return undefined;
  }
  const prk = createHmac('sha256', padBytes(u)).update(padBytes(S)).digest();
  return createHmac('sha256', prk).update(INFO).digest().subarray(0, 16);
}

/** What PASSWORD_CLAIM_SIGNATURE must equal. */
export function claimSignature(key: Buffer, poolName: string, userIdForSrp: string, secretBlock: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key)
    .update(Buffer.from(poolName, 'utf8'))
    .update(Buffer.from(userIdForSrp, 'utf8'))
    .update(secretBlock)
    .update(Buffer.from(timestamp, 'utf8'))
    .digest();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIMESTAMP = /^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) UTC (\d{4})$/;

/** Parses TIMESTAMP ("EEE MMM d HH:mm:ss z yyyy", UTC) to epoch ms; undefined if malformed. */
export function parseTimestamp(s: string): number | undefined {
  const m = TIMESTAMP.exec(s);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Hex as Cognito writes SRP_B and SALT: the integer's digits, without leading zeros. */
export function bigHex(buf: Buffer): string {
  return toBig(buf).toString(16);
}
