/**
 * Verifies ID tokens from generic OpenID Connect providers registered in IAM: discovery
 * (`<issuer>/.well-known/openid-configuration`) → `jwks_uri`, signature with the issuer's
 * published keys (jose's remote JWK set, cached and refreshed on unknown `kid`), issuer,
 * expiry, and `aud` among the provider's client ids.
 * @module
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LoginTokenRejected, type Claims, type OidcProvider, type OidcTokenVerifier } from './ports.js';

/** Tokens may be signed with any of the asymmetric algorithms OpenID Connect providers use. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/**
 * The issuer a provider's tokens must carry: the provider's URL as registered (with its
 * scheme). When only IAM's scheme-less name is known, https — or, for loopback issuers, http,
 * so tests and local development can run an issuer without certificates.
 */
export function issuersFor(provider: OidcProvider): string[] {
  if (/^https?:\/\//.test(provider.url)) return [provider.url.replace(/\/+$/, '')];
  const bare = provider.url.replace(/\/+$/, '');
  const host = bare.split('/')[0] ?? '';
  return isLoopback(host.replace(/:\d+$/, '')) ? [`https://${bare}`, `http://${bare}`] : [`https://${bare}`];
}

export class JoseOidcVerifier implements OidcTokenVerifier {
  readonly #jwks = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async verify(provider: OidcProvider, token: string, now: number): Promise<Claims> {
    let iss: unknown;
    try {
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
      iss = payload.iss;
    } catch {
      throw new LoginTokenRejected({ kind: 'malformed' });
    }
    if (iss === undefined) throw new LoginTokenRejected({ kind: 'missing-claim', claim: 'iss' });
    if (typeof iss !== 'string' || !issuersFor(provider).includes(iss.replace(/\/+$/, ''))) throw new LoginTokenRejected({ kind: 'issuer' });
    const keys = await this.#keysFor(iss.replace(/\/+$/, ''));
    let claims: Claims;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, { algorithms: ALGORITHMS, currentDate: new Date(now), clockTolerance: 0 }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new LoginTokenRejected({ kind: 'expired', now, exp: Number(err.payload.exp) });
      if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JOSEAlgNotAllowed) {
        throw new LoginTokenRejected({ kind: 'signature' });
      }
      throw new LoginTokenRejected({ kind: 'malformed' });
    }
    const aud = claims.aud;
    if (aud === undefined) throw new LoginTokenRejected({ kind: 'missing-claim', claim: 'aud' });
    const auds = Array.isArray(aud) ? aud : [aud];
    if (!auds.some((a) => typeof a === 'string' && provider.clientIds.includes(a))) throw new LoginTokenRejected({ kind: 'audience' });
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new LoginTokenRejected({ kind: 'missing-claim', claim: 'sub' });
    return claims;
  }

  #keysFor(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = this.#jwks.get(issuer);
    if (keys === undefined) {
      keys = this.#discover(issuer);
      this.#jwks.set(issuer, keys);
      keys.catch(() => this.#jwks.delete(issuer));
    }
    return keys;
  }

  async #discover(issuer: string): Promise<JWTVerifyGetKey> {
    let jwksUri: unknown;
    try {
      const res = await this.fetchImpl(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      jwksUri = ((await res.json()) as { jwks_uri?: unknown }).jwks_uri;
    } catch {
      throw new LoginTokenRejected({ kind: 'signature' });
    }
    if (typeof jwksUri !== 'string') throw new LoginTokenRejected({ kind: 'signature' });
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }
}
