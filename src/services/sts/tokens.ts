/**
 * Temporary credentials, stateless: the session token is the session itself, sealed with
 * AES-256-GCM under a key derived from the master key (`sts-session`), and bound to its access
 * key id (the id is the GCM associated data, so a token moved to another key id does not open).
 * The secret access key is an HMAC of the access key id under a second derived key, so
 * resolving a signed request's credentials is one decryption and one HMAC: no database read on
 * the hot path, and sessions survive restarts. Opened tokens are cached by their exact text, so
 * repeated requests with the same session skip even that; an altered token misses the cache
 * and fails to open. A root session (GetSessionToken) also carries a fingerprint of the root key
 * that made it: once the root key is rotated (and the server restarted with the new one), the
 * sessions of the old key stop working, as they would at AWS with the key deleted.
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Principal } from '../../principal.js';
import { rootArn } from '../../principal.js';
import { SigV4Failure } from '../../protocols/sigv4.js';
import type { CredentialResolver, ResolvedCredentials } from '../../credentials.js';
import { newAccessKeyId } from '../../credentials.js';

const TOKEN_VERSION = 1;
const INVALID = 'The security token included in the request is invalid.';
const EXPIRED = 'The security token included in the request is expired';

/** What a session token carries. Short field names keep tokens small. */
export interface SessionClaims {
  /** Access key id the token belongs to. */
  k: string;
  /** 'r' root session (GetSessionToken), 'a' assumed role. */
  t: 'r' | 'a';
  /** Account id. */
  a: string;
  /** Role id, name, ARN (assumed role). */
  ri?: string;
  rn?: string;
  ra?: string;
  /** Role session name. */
  s?: string;
  /** Issued and expires, epoch ms. */
  i: number;
  e: number;
  /** Inline session policy and managed session policy ARNs. */
  p?: string;
  pa?: string[];
  /** Condition keys fixed for the session. */
  c?: Record<string, string | string[]>;
  /** Source identity. */
  si?: string;
  /** Root sessions: the fingerprint of the root key that issued them. */
  rk?: string;
}

export interface IssuedCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

interface CacheEntry {
  accessKeyId: string;
  secret: string;
  principal: Principal;
  expiration: number;
}

export class SessionTokens implements CredentialResolver {
  readonly #sealKey: Buffer;
  readonly #secretKey: Buffer;
  readonly #cache = new Map<string, CacheEntry>();
  /** Fingerprint of the root key this process runs with. */
  readonly rootKey: string;

  /** `key` is the STS purpose key (`secrets.derive('sts-session')`); `root` the root key in use. */
  constructor(
    key: Buffer,
    root: { accessKeyId: string; secretAccessKey: string },
    private readonly maxCached = 10_000,
  ) {
    this.#sealKey = createHmac('sha256', key).update('session-token-encryption').digest();
    this.#secretKey = createHmac('sha256', key).update('secret-access-key').digest();
    this.rootKey = createHmac('sha256', key).update(`root-key\0${root.accessKeyId}\0${root.secretAccessKey}`).digest('base64').slice(0, 22);
  }

  /** The secret access key of a temporary access key id (never stored). */
  secretFor(accessKeyId: string): string {
    return createHmac('sha256', this.#secretKey).update(accessKeyId).digest('base64').slice(0, 40);
  }

  issue(claims: Omit<SessionClaims, 'k'>): IssuedCredentials {
    const accessKeyId = newAccessKeyId('ASIA');
    const full: SessionClaims = { k: accessKeyId, ...claims };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    cipher.setAAD(Buffer.from(accessKeyId, 'latin1'));
    const body = Buffer.concat([cipher.update(JSON.stringify(full), 'utf8'), cipher.final()]);
    const token = Buffer.concat([Buffer.from([TOKEN_VERSION]), iv, body, cipher.getAuthTag()]).toString('base64');
    return { AccessKeyId: accessKeyId, SecretAccessKey: this.secretFor(accessKeyId), SessionToken: token, Expiration: new Date(claims.e) };
  }

  /** Opens a token for an access key id; undefined if it was not issued (for that key) by us. */
  open(accessKeyId: string, token: string): SessionClaims | undefined {
    const raw = Buffer.from(token, 'base64');
    // version + iv + at least one byte + tag; and the text must be canonical base64.
    if (raw.length < 1 + 12 + 1 + 16 || raw[0] !== TOKEN_VERSION || raw.toString('base64') !== token) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, raw.subarray(1, 13));
    decipher.setAAD(Buffer.from(accessKeyId, 'latin1'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]);
    } catch {
      return undefined;
    }
    const claims = JSON.parse(plain.toString('utf8')) as SessionClaims;
    return claims.k === accessKeyId ? claims : undefined;
  }

  async resolve(accessKeyId: string, sessionToken: string | undefined, now: number): Promise<ResolvedCredentials | SigV4Failure> {
    return this.resolveSync(accessKeyId, sessionToken, now);
  }

  resolveSync(accessKeyId: string, sessionToken: string | undefined, now: number): ResolvedCredentials | SigV4Failure {
    if (!accessKeyId.startsWith('ASIA')) return new SigV4Failure('unknown-key', INVALID);
    if (sessionToken === undefined || sessionToken === '') return new SigV4Failure('invalid-token', INVALID);
    let entry = this.#cache.get(sessionToken);
    if (entry === undefined || entry.accessKeyId !== accessKeyId) {
      const claims = this.open(accessKeyId, sessionToken);
      if (claims === undefined || (claims.t === 'r' && claims.rk !== this.rootKey)) return new SigV4Failure('invalid-token', INVALID);
      entry = { accessKeyId, secret: this.secretFor(accessKeyId), principal: principalOf(claims), expiration: claims.e };
      if (this.#cache.size >= this.maxCached) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sessionToken, entry);
    }
    if (now >= entry.expiration) return new SigV4Failure('expired-token', EXPIRED);
    return { secretAccessKey: entry.secret, principal: entry.principal };
  }
}

/** The principal a session's requests run as (one frozen object per cached session). */
export function principalOf(c: SessionClaims): Principal {
  if (c.t === 'r') return Object.freeze({ kind: 'root', accountId: c.a, arn: rootArn(c.a), userId: c.a, accessKeyId: c.k, session: true });
  return Object.freeze({
    kind: 'assumed-role',
    accountId: c.a,
    arn: `arn:aws:sts::${c.a}:assumed-role/${c.rn!}/${c.s!}`,
    userId: `${c.ri!}:${c.s!}`,
    accessKeyId: c.k,
    roleArn: c.ra!,
    roleId: c.ri!,
    roleName: c.rn!,
    sessionName: c.s!,
    expiration: c.e,
    ...(c.p === undefined ? {} : { sessionPolicy: c.p }),
    ...(c.pa === undefined ? {} : { sessionPolicyArns: c.pa }),
    contextKeys: c.c ?? {},
    ...(c.si === undefined ? {} : { sourceIdentity: c.si }),
  });
}
