/**
 * Verifying web identity tokens for AssumeRoleWithWebIdentity. Two sources of trust:
 *
 * - Issuers registered in-process (`registerWebIdentityIssuer`): Gatehouse's own Cognito
 *   Identity (`https://cognito-identity.amazonaws.com` tokens from GetOpenIdToken) verifies its
 *   tokens with its own key.
 * - IAM OIDC providers: a token whose `iss` matches a provider's URL is verified with the keys
 *   the issuer publishes (OIDC discovery → `jwks_uri`, jose's remote JWK set, cached per issuer),
 *   and its `aud` must be one of the provider's client ids.
 *
 * Failures carry AWS's codes and messages: InvalidIdentityToken (400), ExpiredTokenException
 * (400), IDPRejectedClaim (403).
 * @module
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ServiceError } from '../../errors.js';
import type { IamDirectory, OidcProviderRecord } from '../iam/index.js';
import { oidcUrlKey } from '../iam/ids.js';

/** Claims a verified web identity token contributes to the session and the trust policy. */
export interface WebIdentityClaims {
  /** Audience(s) of the token: the identity pool id (Cognito) or an OIDC client id. */
  aud: string | string[];
  /** Subject: the Cognito identity id, or the IdP's user id. */
  sub: string;
  /** Authentication methods (Cognito: `authenticated`/`unauthenticated`, the login provider, …). */
  amr?: string[];
  /** Epoch seconds. */
  exp?: number;
  iss?: string;
}

export type WebIdentityFailure = 'invalid' | 'expired' | 'rejected';

/** What an issuer's `verify` throws for a token it does not accept. */
export class WebIdentityTokenError extends Error {
  constructor(
    readonly kind: WebIdentityFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebIdentityTokenError';
  }
}

/** An issuer whose tokens are verified in-process rather than through an IAM OIDC provider. */
export interface WebIdentityIssuer {
  /** The token's `iss`, exactly (e.g. `https://cognito-identity.amazonaws.com`). */
  issuer: string;
  /** The Federated principal trust policies name (e.g. `cognito-identity.amazonaws.com`). */
  provider: string;
  /** Verifies signature, audience and expiry; throws WebIdentityTokenError. `now` is epoch ms. */
  verify(token: string, now: number): Promise<WebIdentityClaims>;
}

/** The outcome of verification: who the token vouches for, and how trust policies name its issuer. */
export interface VerifiedWebIdentity {
  claims: WebIdentityClaims;
  /** Federated principal: the registered provider, or the IAM OIDC provider's ARN. */
  provider: string;
  /** Prefix of the condition keys (`cognito-identity.amazonaws.com`, or the provider's URL without scheme). */
  keyPrefix: string;
  /** The response's `Provider`: the token's `iss`. */
  issuer: string;
}

const invalidToken = (message: string): ServiceError => new ServiceError('InvalidIdentityToken', message, 400);
/** The model's own description of InvalidIdentityToken, for tokens that do not verify. */
export const INVALID_TOKEN = 'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.';
export const KEY_RETRIEVAL_FAILED = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

export function webIdentityError(e: WebIdentityTokenError): ServiceError {
  if (e.kind === 'expired') return new ServiceError('ExpiredTokenException', e.message, 400);
  if (e.kind === 'rejected') return new ServiceError('IDPRejectedClaim', e.message, 403);
  return invalidToken(e.message);
}

export function expiredMessage(nowMs: number, exp: number): string {
  return `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${exp}`;
}

interface Jwks {
  keys: ReturnType<typeof createRemoteJWKSet>;
  fetched: number;
}

export class WebIdentityVerifier {
  readonly #issuers = new Map<string, WebIdentityIssuer>();
  readonly #jwks = new Map<string, Jwks>();

  constructor(
    private readonly iam: IamDirectory,
    private readonly discoveryTtlMs = 10 * 60_000,
  ) {}

  register(issuer: WebIdentityIssuer): void {
    this.#issuers.set(issuer.issuer, issuer);
  }

  async verify(token: string, now: number): Promise<VerifiedWebIdentity> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw invalidToken('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
    }
    const iss = typeof unverified.iss === 'string' ? unverified.iss : '';
    const registered = this.#issuers.get(iss);
    if (registered !== undefined) {
      try {
        const claims = await registered.verify(token, now);
        return { claims, provider: registered.provider, keyPrefix: registered.provider, issuer: iss };
      } catch (err) {
        if (err instanceof WebIdentityTokenError) throw webIdentityError(err);
        throw err;
      }
    }
    const key = oidcUrlKey(iss);
    const provider = key === undefined ? undefined : await this.iam.oidcProvider(key);
    // The provider is known without its scheme; a token must still name the scheme it was
    // registered with, or an `http://` issuer could stand in for an `https://` one.
    if (provider === undefined || !sameScheme(iss, provider.url)) throw invalidToken(`No OpenIDConnect provider found in your account for ${iss}`);
    return this.#verifyOidc(token, unverified, provider, iss, now);
  }

  async #verifyOidc(token: string, unverified: JWTPayload, provider: OidcProviderRecord, iss: string, now: number): Promise<VerifiedWebIdentity> {
    const keys = await this.#keys(provider, now);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: iss, currentDate: new Date(now) }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new ServiceError('ExpiredTokenException', expiredMessage(now, Number(unverified.exp)), 400);
      const keyProblem =
        !(err instanceof joseErrors.JOSEError) ||
        err instanceof joseErrors.JWKSNoMatchingKey ||
        err instanceof joseErrors.JWKSTimeout ||
        err instanceof joseErrors.JWKSInvalid ||
        err instanceof joseErrors.JWKSMultipleMatchingKeys;
      if (keyProblem) throw invalidToken(KEY_RETRIEVAL_FAILED);
      throw invalidToken(INVALID_TOKEN);
    }
    const aud = payload.aud;
    const audiences = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => provider.clientIds.includes(a))) throw invalidToken('Incorrect token audience');
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new ServiceError('IDPRejectedClaim', 'The token has no subject.', 403);
    const amr = Array.isArray(payload.amr) ? payload.amr.filter((x): x is string => typeof x === 'string') : undefined;
    return {
      claims: { aud: audiences.length === 1 ? audiences[0]! : audiences, sub: payload.sub, ...(amr === undefined ? {} : { amr }), ...(payload.exp === undefined ? {} : { exp: payload.exp }), iss },
      provider: provider.arn,
      keyPrefix: provider.urlKey,
      issuer: iss,
    };
  }

  /**
   * The provider's JWK set, from OIDC discovery at its registered URL; refreshed after the TTL.
   * Kept per provider (not per spelling of a token's `iss`), so unsigned callers cannot make
   * Gatehouse fetch again, or grow this map, by varying how they write the issuer.
   */
  async #keys(provider: OidcProviderRecord, now: number): Promise<Jwks['keys']> {
    const hit = this.#jwks.get(provider.urlKey);
    if (hit !== undefined && now - hit.fetched < this.discoveryTtlMs) return hit.keys;
    let jwksUri: URL;
    try {
      const res = await fetch(`${provider.url}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
      if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
      jwksUri = new URL(doc.jwks_uri);
    } catch {
      throw invalidToken(KEY_RETRIEVAL_FAILED);
    }
    const keys = createRemoteJWKSet(jwksUri, { timeoutDuration: 5000, cooldownDuration: 30_000 });
    this.#jwks.set(provider.urlKey, { keys, fetched: now });
    return keys;
  }
}

function sameScheme(a: string, b: string): boolean {
  return a.slice(0, a.indexOf(':')).toLowerCase() === b.slice(0, b.indexOf(':')).toLowerCase();
}
