/**
 * RS256 JSON Web Tokens, signed and checked with node:crypto (OpenSSL) directly: the header
 * of each pool is encoded once, and signing is one `crypto.sign` per token.
 * @module
 */
import { createPublicKey, generateKeyPair, sign, verify, createHash, type KeyObject, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface PoolSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as served in the pool's JWKS. */
  jwk: { alg: 'RS256'; e: string; kid: string; kty: 'RSA'; n: string; use: 'sig' };
  /** base64url of `{"kid":…,"alg":"RS256"}`, Cognito's header. */
  header: string;
}

/** A new RSA-2048 key: PKCS#8 PEM to seal, and a kid stable for the key (its RFC 7638 thumbprint). */
export async function newSigningKey(): Promise<{ pem: string; kid: string }> {
  const { privateKey } = await generate('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { pem, kid: thumbprint(createPublicKey(privateKey).export({ format: 'jwk' })) };
}

function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
}

export function loadSigningKey(privateKey: KeyObject, kid: string): PoolSigningKey {
  const publicKey = createPublicKey(privateKey);
  const { e, n } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { alg: 'RS256', e: e!, kid, kty: 'RSA', n: n!, use: 'sig' },
    header: Buffer.from(JSON.stringify({ kid, alg: 'RS256' })).toString('base64url'),
  };
}

export function signJwt(key: PoolSigningKey, claims: object): string {
  const input = `${key.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Splits and parses a compact JWS without trusting it; undefined if it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when the token names RS256 and this key, and the signature checks. */
export function verifyJwtSignature(key: PoolSigningKey, jwt: DecodedJwt): boolean {
  if (jwt.header.alg !== 'RS256' || jwt.header.kid !== key.kid) return false;
  return verify('sha256', Buffer.from(jwt.signingInput), key.publicKey, jwt.signature);
}
