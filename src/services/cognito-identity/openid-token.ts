/**
 * Cognito Identity's own OpenID tokens (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity):
 * RS512 JWTs signed with a Gatehouse-held RSA key, shaped as AWS issues them — header
 * `{kid, typ: "JWS", alg: "RS512"}`, issuer `https://cognito-identity.amazonaws.com`, `aud` the
 * identity pool id, `sub` the identity id, `amr` the authentication methods. The private key is
 * generated on first use and kept sealed in the database; the public half is served as a JWKS.
 * Signing and verifying go straight to OpenSSL through node:crypto.
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPair, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Database } from '../../store/database.js';
import type { SecretBox } from '../../store/secrets.js';
import { send, type RawRoute } from '../../protocols/http.js';
import { LoginTokenRejected, type Claims } from './ports.js';
import { insertSigningKey, signingKeys } from './repository.js';

export const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';
export const COGNITO_IDENTITY_PROVIDER = 'cognito-identity.amazonaws.com';
export const POOL_ARN_CLAIM = 'https://cognito-identity.amazonaws.com/identity-pool-arn';
/** Where AWS publishes the keys (`https://cognito-identity.amazonaws.com/.well-known/jwks_uri`). */
export const JWKS_PATH = '/.well-known/jwks_uri';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JsonWebKey;
}

export interface OpenIdTokenClaims {
  sub: string;
  aud: string;
  amr: readonly string[];
  poolArn: string;
  /** STS session tags (`https://aws.amazon.com/tags`), for developer-provided principal tags. */
  principalTags?: Readonly<Record<string, string>>;
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

/** Verified tokens remembered, so an app presenting the same token again costs no RSA work. */
const VERIFIED_CACHE_SIZE = 10_000;

export class OpenIdTokenIssuer {
  #keys: Promise<SigningKey[]> | undefined;
  /** token → its claims, once signature, issuer and claims have checked out (expiry is checked on every use). */
  readonly #verified = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly region: string,
  ) {}

  /** Loads the keys, creating the first one on first use (once, however many ask at once). */
  keys(): Promise<SigningKey[]> {
    this.#keys ??= this.#load().catch((err: unknown) => {
      this.#keys = undefined;
      throw err;
    });
    return this.#keys;
  }

  async #load(): Promise<SigningKey[]> {
    let rows = await signingKeys(this.db);
    if (rows.length === 0) {
      const kid = `${this.region}1`;
      const privatePem = await new Promise<string>((resolve, reject) =>
        generateKeyPair('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }, (err, _pub, priv) =>
          err ? reject(err) : resolve(priv),
        ),
      );
      const jwk = createPublicKey(createPrivateKey(privatePem)).export({ format: 'jwk' });
      await insertSigningKey(this.db, {
        kid,
        sealedPrivateKey: this.secrets.seal(privatePem, `cognito-identity-key:${kid}`),
        publicJwk: JSON.stringify(jwk),
        createdAt: Date.now(),
      });
      rows = await signingKeys(this.db);
    }
    return rows.map((r) => {
      const privateKey = createPrivateKey(this.secrets.openString(r.sealed_private_key, `cognito-identity-key:${r.kid}`));
      return { kid: r.kid, privateKey, publicKey: createPublicKey(privateKey), jwk: JSON.parse(r.public_jwk) as JsonWebKey };
    });
  }

  /** Signs a token valid for `ttlSeconds` from `now` (epoch ms). */
  async issue(claims: OpenIdTokenClaims, now: number, ttlSeconds: number): Promise<string> {
    const keys = await this.keys();
    const key = keys[keys.length - 1]!;
    const iat = Math.floor(now / 1000);
    const payload: Record<string, unknown> = {
      sub: claims.sub,
      aud: claims.aud,
      amr: claims.amr,
      iss: COGNITO_IDENTITY_ISSUER,
      [POOL_ARN_CLAIM]: claims.poolArn,
      exp: iat + ttlSeconds,
      iat,
    };
    if (claims.principalTags !== undefined && Object.keys(claims.principalTags).length > 0) {
      const tags: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(claims.principalTags)) tags[k] = [v];
      payload['https://aws.amazon.com/tags'] = { principal_tags: tags };
    }
    const signingInput = `${b64url(JSON.stringify({ kid: key.kid, typ: 'JWS', alg: 'RS512' }))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign('sha512', Buffer.from(signingInput), key.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  /**
   * Verifies a token we issued: structure, RS512 signature with one of our keys, issuer and
   * expiry. Throws `LoginTokenRejected`; the caller checks `aud` against the pool.
   */
  async verify(token: string, now: number): Promise<Claims> {
    const hit = this.#verified.get(token);
    if (hit !== undefined) {
      const exp = hit.exp as number;
      if (now >= exp * 1000) throw new LoginTokenRejected({ kind: 'expired', now, exp });
      return hit;
    }
    const claims = await this.#verifyFully(token, now);
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, claims);
    return claims;
  }

  async #verifyFully(token: string, now: number): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new LoginTokenRejected({ kind: 'malformed' });
    let header: { kid?: unknown; alg?: unknown };
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { kid?: unknown; alg?: unknown };
      payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new LoginTokenRejected({ kind: 'malformed' });
    }
    for (const part of [header, payload]) if (typeof part !== 'object' || part === null || Array.isArray(part)) throw new LoginTokenRejected({ kind: 'malformed' });
    if (header.alg !== 'RS512') throw new LoginTokenRejected({ kind: 'signature' });
    const key = (await this.keys()).find((k) => k.kid === header.kid);
    if (key === undefined) throw new LoginTokenRejected({ kind: 'signature' });
    const ok = verify('sha512', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2]!, 'base64url'));
    if (!ok) throw new LoginTokenRejected({ kind: 'signature' });
    if (payload.iss !== COGNITO_IDENTITY_ISSUER) throw new LoginTokenRejected({ kind: 'issuer' });
    for (const claim of ['sub', 'aud', 'exp']) if (payload[claim] === undefined) throw new LoginTokenRejected({ kind: 'missing-claim', claim });
    const exp = payload.exp;
    if (typeof exp !== 'number') throw new LoginTokenRejected({ kind: 'malformed' });
    if (now >= exp * 1000) throw new LoginTokenRejected({ kind: 'expired', now, exp });
    return payload;
  }

  async jwks(): Promise<{ keys: JsonWebKey[] }> {
    const keys = await this.keys();
    return { keys: keys.map((k) => ({ kty: k.jwk.kty, kid: k.kid, use: 'sig', alg: 'RS512', n: k.jwk.n, e: k.jwk.e })) };
  }

  /** The JWKS as a route, so STS and any OpenID consumer can check our tokens. */
  route(): RawRoute {
    return {
      name: 'cognito-identity.jwks',
      matches: (r) => r.path === JWKS_PATH && (r.method === 'GET' || r.method === 'HEAD'),
      handle: async (r) => {
        const body = JSON.stringify(await this.jwks());
        send(r.res, 200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600', 'access-control-allow-origin': '*' }, r.method === 'HEAD' ? undefined : body);
      },
    };
  }
}
