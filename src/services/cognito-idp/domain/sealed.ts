/**
 * Sealed, expiring blobs the server hands out between two calls of one sign-in (SRP's
 * SECRET_BLOCK, the Session of NEW_PASSWORD_REQUIRED), so it keeps no state in between.
 * AES-256-GCM under a key derived for this purpose; the AAD binds a blob to its pool, app
 * client and kind, so one cannot be replayed elsewhere. Standard base64, because clients
 * decode SECRET_BLOCK as base64 and sign its bytes. Single use is enforced in the store (a
 * table of used nonces, store/nonces.ts), so a blob used on one node of a shared store is used
 * on all; this process also remembers what it saw used, to refuse a replay before any work.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sql } from '../../../store/database.js';
import type { AttemptStore } from '../store/attempts.js';
import type { UsedNonces } from '../store/nonces.js';

/** Attempt rows of sealed blobs (wrong answers) belong to no pool (pool_id ''). */
const NO_POOL = '';

/**
 * `idp`: the state sent to an external OIDC identity provider; `saml`: the RelayState sent to a SAML one; `hosted-mfa`: the hosted MFA page's wrapper of an MFA Session; `mfa`: an MFA challenge's Session; `mfa-setup`: the Sessions of MFA_SETUP, which AssociateSoftwareToken and VerifySoftwareToken take without a client id;
 * `device`: DEVICE_SRP_AUTH's Session; `device-srp`: DEVICE_PASSWORD_VERIFIER's SECRET_BLOCK; `sign-up`: ConfirmSignUp's Session, to sign in with at once; `custom-auth`: CUSTOM_AUTH's Session.
 */
export type SealedKind = 'srp' | 'new-password' | 'mfa' | 'mfa-setup' | 'user-auth' | 'user-auth-fake' | 'webauthn' | 'device' | 'device-srp' | 'sign-up' | 'idp' | 'saml' | 'hosted-mfa' | 'custom-auth';

interface Envelope<T> {
  /** Expiry, epoch ms. */
  e: number;
  /** Nonce for single use. */
  n: string;
  d: T;
}

export class Sealer {
  readonly #used = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly attempts: AttemptStore,
    private readonly nonces: UsedNonces,
  ) {}

  seal<T>(kind: SealedKind, poolId: string, clientId: string, data: T, expiresAt: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${kind}\n${poolId}\n${clientId}`, 'utf8'));
    const env: Envelope<T> = { e: expiresAt, n: randomBytes(12).toString('base64'), d: data };
    const body = Buffer.concat([cipher.update(JSON.stringify(env), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /**
   * Opens a blob: 'invalid' when it is not ours or is for another pool, client or kind (or
   * was already used), 'expired' when past its time.
   */
  open<T>(kind: SealedKind, poolId: string, clientId: string, sealed: string, now: number): { data: T; nonce: string; expiresAt: number } | 'invalid' | 'expired' {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < 12 + 16 + 2) return 'invalid';
    let env: Envelope<T>;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${kind}\n${poolId}\n${clientId}`, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      env = JSON.parse(plain.toString('utf8')) as Envelope<T>;
    } catch {
      return 'invalid';
    }
    if (now > env.e) return 'expired';
    if (this.#used.has(env.n)) return 'invalid';
    return { data: env.d, nonce: env.n, expiresAt: env.e };
  }

  /**
   * Counts a wrong answer given with a blob (a wrong MFA code); past `limit` the blob is used
   * up, so a session cannot be used to guess codes without end — on any node.
   */
  async failed(nonce: string, expiresAt: number, now: number, limit: number): Promise<void> {
    await this.attempts.count(NO_POOL, 'sealed-failure', nonce, now);
    if ((await this.attempts.recent(NO_POOL, 'sealed-failure', nonce, now)) >= limit) await this.consume(nonce, expiresAt, now);
  }

  /**
   * Marks a blob used (after it was accepted, before anything is done with it); false when it
   * already was, here or on another node: the caller refuses the request then. Atomic: of two
   * requests racing with one blob, one gets true. Given `tx`, inside that transaction: the blob
   * is used only if the transaction commits (a change that fails leaves the Session usable).
   */
  async consume(nonce: string, expiresAt: number, now: number, tx?: Sql): Promise<boolean> {
    if (this.#used.size > 10_000) for (const [n, e] of this.#used) if (e < now) this.#used.delete(n);
    if (this.#used.has(nonce)) return false;
    if (!(await this.nonces.use(nonce, expiresAt, now, tx))) return false;
    if (tx === undefined) this.#used.set(nonce, expiresAt);
    return true;
  }
}
