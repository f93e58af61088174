/**
 * Turns a `Logins` map into verified logins for one identity pool. Keys are what AWS clients
 * send: `cognito-idp.<region>.amazonaws.com/<userPoolId>` for User Pools (the same string
 * whatever URL Gatehouse runs at), an OpenID Connect provider's host and path, or
 * `cognito-identity.amazonaws.com` for tokens from GetOpenIdTokenForDeveloperIdentity. Each
 * login says who the user is at that provider (the subject linked to an identity), which
 * role-mapping key applies, and the `amr` entry Cognito Identity records for it.
 * @module
 */
import { ServiceError } from '../../errors.js';
import { invalidLoginToken, unsupportedProvider } from './errors.js';
import { COGNITO_IDENTITY_PROVIDER, type OpenIdTokenIssuer } from './openid-token.js';
import { LoginTokenRejected, type Claims, type IdentityPoolPorts } from './ports.js';
import type { PoolRecord } from './repository.js';

export interface VerifiedLogin {
  kind: 'user-pool' | 'oidc' | 'developer' | 'cognito-identity';
  /** The Logins key; for linked logins, the provider half of (provider, subject). */
  provider: string;
  /** Who the user is at the provider (`sub`, or the developer user identifier). */
  subject: string;
  /** Key into the pool's RoleMappings. */
  mappingKey: string;
  /** `amr` entries this login contributes after `authenticated`. */
  amr: string[];
  claims: Claims;
}

const USER_POOL_KEY = /^cognito-idp\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com\/(([a-z]{2}(?:-gov)?-[a-z]+-\d)_[0-9A-Za-z]+)$/;

/** Providers AWS federates with directly; Gatehouse cannot reach them to check tokens. */
const SOCIAL_PROVIDERS = new Set(['graph.facebook.com', 'accounts.google.com', 'www.amazon.com', 'api.twitter.com', 'www.digits.com', 'appleid.apple.com']);

const USER_POOL_ID = /^([a-z]{2}(?:-gov)?-[a-z]+-\d)_[0-9A-Za-z]+$/;

/**
 * The AWS name of a User Pool login. Apps built on amazon-cognito-identity-js and the AWS SDKs
 * send `cognito-idp.<region>.amazonaws.com/<poolId>` whatever URL Gatehouse runs at; Amplify
 * derives the key from the ID token's `iss` instead, which here is `<public URL>/<poolId>`. Both
 * name the same provider, so the second is read as the first; anything else is not a User Pool key.
 */
export function canonicalUserPoolKey(key: string, publicUrl: string): string | undefined {
  if (USER_POOL_KEY.test(key)) return key;
  const base = `${publicUrl.replace(/^\w+:\/\//, '').replace(/\/+$/, '')}/`;
  if (!key.startsWith(base)) return undefined;
  const poolId = key.slice(base.length);
  const m = USER_POOL_ID.exec(poolId);
  return m === null ? undefined : `cognito-idp.${m[1]!}.amazonaws.com/${poolId}`;
}

/** `arn:aws:iam::<acct>:oidc-provider/<host/path>` → `<host/path>`, the provider's Logins key. */
export function oidcLoginKey(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(arn);
  return m?.[1];
}

export class LoginVerifier {
  constructor(
    private readonly ports: IdentityPoolPorts,
    private readonly openIdTokens: OpenIdTokenIssuer,
    /** Gatehouse's public URL (it is known only once the server listens). */
    private readonly publicUrl: () => string,
  ) {}

  /** Verifies every login; the first refusal is the answer, as AWS gives one error. */
  async verifyAll(pool: PoolRecord, logins: Readonly<Record<string, string>>, now: number): Promise<VerifiedLogin[]> {
    const out: VerifiedLogin[] = [];
    for (const [key, token] of Object.entries(logins)) out.push(await this.verify(pool, key, token, now));
    return out;
  }

  async verify(pool: PoolRecord, key: string, token: string, now: number): Promise<VerifiedLogin> {
    try {
      if (key === COGNITO_IDENTITY_PROVIDER) return await this.#cognitoIdentity(pool, token, now);
      const userPoolKey = canonicalUserPoolKey(key, this.publicUrl());
      if (userPoolKey !== undefined) return await this.#userPool(pool, userPoolKey, token, now);
      const arn = pool.providers.openIdConnectProviderArns.find((a) => oidcLoginKey(a) === key);
      if (arn !== undefined) return await this.#oidc(key, arn, token, now);
      if (SOCIAL_PROVIDERS.has(key) && Object.hasOwn(pool.providers.supportedLoginProviders, key)) {
        throw new ServiceError(
          'NotAuthorizedException',
          `Invalid login token. Gatehouse cannot check ${key} tokens offline; register the provider as an IAM OpenID Connect provider instead.`,
          400,
        );
      }
      throw unsupportedProvider();
    } catch (err) {
      if (err instanceof LoginTokenRejected) throw invalidLoginToken(err.problem);
      throw err;
    }
  }

  async #cognitoIdentity(pool: PoolRecord, token: string, now: number): Promise<VerifiedLogin> {
    const claims = await this.openIdTokens.verify(token, now);
    if (claims.aud !== pool.id) throw unsupportedProvider();
    // A guest's token (GetOpenIdToken without logins, amr `unauthenticated`) proves no login:
    // taken as one it would lift the guest to the authenticated role.
    if (!Array.isArray(claims.amr) || !claims.amr.includes('authenticated')) throw new LoginTokenRejected({ kind: 'token-use' });
    const amr = claims.amr.filter((x): x is string => typeof x === 'string' && x !== 'authenticated');
    return { kind: 'cognito-identity', provider: COGNITO_IDENTITY_PROVIDER, subject: String(claims.sub), mappingKey: COGNITO_IDENTITY_PROVIDER, amr, claims };
  }

  async #userPool(pool: PoolRecord, key: string, token: string, now: number): Promise<VerifiedLogin> {
    const configured = pool.providers.cognitoIdentityProviders.filter((p) => p.ProviderName === key);
    if (configured.length === 0) throw unsupportedProvider();
    const userPools = this.ports.userPools;
    if (userPools === undefined) throw new ServiceError('InternalErrorException', 'User Pools are not available in this Gatehouse.', 500);
    const userPoolId = USER_POOL_KEY.exec(key)![2]!;
    const audiences = configured.map((p) => p.ClientId).filter((c): c is string => typeof c === 'string');
    let claims: Claims;
    try {
      claims = await userPools.verifyIdToken(userPoolId, token, { audiences, now });
    } catch (err) {
      if (err instanceof LoginTokenRejected || err instanceof ServiceError) throw err;
      throw new LoginTokenRejected({ kind: 'malformed' });
    }
    const sub = claims.sub;
    const aud = claims.aud;
    if (typeof sub !== 'string' || sub === '') throw new LoginTokenRejected({ kind: 'missing-claim', claim: 'sub' });
    if (typeof aud !== 'string' || !audiences.includes(aud)) throw new LoginTokenRejected({ kind: 'audience' });
    return { kind: 'user-pool', provider: key, subject: sub, mappingKey: `${key}:${aud}`, amr: [key, `${key}:CognitoSignIn:${sub}`], claims };
  }

  async #oidc(key: string, arn: string, token: string, now: number): Promise<VerifiedLogin> {
    const { oidcProviders, oidcVerifier } = this.ports;
    if (oidcProviders === undefined || oidcVerifier === undefined) {
      throw new ServiceError('InternalErrorException', 'IAM OpenID Connect providers are not available in this Gatehouse.', 500);
    }
    const provider = await oidcProviders.getOpenIdConnectProvider(arn);
    if (provider === undefined) throw unsupportedProvider();
    const claims = await oidcVerifier.verify(provider, token, now);
    const sub = String(claims.sub);
    const aud = Array.isArray(claims.aud) ? claims.aud.find((a) => provider.clientIds.includes(String(a))) : claims.aud;
    return { kind: 'oidc', provider: key, subject: sub, mappingKey: key, amr: [key, `${key}:${String(aud)}:${sub}`], claims };
  }
}

/** `authenticated` followed by each login's entries, without repeats. */
export function amrFor(logins: readonly VerifiedLogin[]): string[] {
  const amr = ['authenticated'];
  for (const l of logins) for (const a of l.amr) if (!amr.includes(a)) amr.push(a);
  return amr;
}
