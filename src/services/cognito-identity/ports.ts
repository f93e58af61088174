/**
 * What Identity Pools need from the other services, as narrow interfaces: verifying a User
 * Pool ID token, looking up an IAM OpenID Connect provider, and having STS issue temporary
 * credentials for a role on the strength of a Cognito Identity web-identity token. The real
 * services are adapted to these in `adapters.ts`; tests can hand in their own.
 * @module
 */
import type { RequestContext } from '../types.js';

/** Why a login token was refused; each maps to one of AWS's "Invalid login token. …" messages. */
export type LoginTokenProblem =
  | { kind: 'malformed' }
  | { kind: 'signature' }
  | { kind: 'issuer' }
  | { kind: 'audience' }
  | { kind: 'missing-claim'; claim: string }
  | { kind: 'token-use' }
  | { kind: 'expired'; now: number; exp: number }
  | { kind: 'revoked' };

/** Thrown by verifiers; the service turns it into AWS's NotAuthorizedException. */
export class LoginTokenRejected extends Error {
  constructor(readonly problem: LoginTokenProblem) {
    super(`login token rejected: ${problem.kind}`);
    this.name = 'LoginTokenRejected';
  }
}

export type Claims = Readonly<Record<string, unknown>>;

/** From User Pools: full verification of an ID token issued by one of Gatehouse's pools. */
export interface UserPoolTokenVerifier {
  /**
   * RS256 signature with the pool's key, issuer, `token_use` = id, expiry, `aud` among
   * `audiences`, and not revoked; `now` (epoch ms) is the request's time. Resolves with the token's claims; throws
   * `LoginTokenRejected` (or anything else, which counts as a malformed token).
   */
  verifyIdToken(userPoolId: string, token: string, options: { audiences: readonly string[]; now: number }): Promise<Claims>;
}

/** An IAM OpenID Connect provider as `CreateOpenIDConnectProvider` registered it. */
export interface OidcProvider {
  arn: string;
  /** The issuer URL as registered, with its scheme (`https://issuer.example/path`). */
  url: string;
  clientIds: readonly string[];
  thumbprints: readonly string[];
}

/** From IAM: the account's OpenID Connect providers. */
export interface OidcProviderDirectory {
  getOpenIdConnectProvider(arn: string): Promise<OidcProvider | undefined>;
}

/** Verifies a third-party OpenID Connect ID token against its issuer's published keys. */
export interface OidcTokenVerifier {
  verify(provider: OidcProvider, token: string, now: number): Promise<Claims>;
}

/** The session STS is asked to make for an identity (the enhanced flow). */
export interface WebIdentityAssumption {
  roleArn: string;
  roleSessionName: string;
  /** The web identity provider, `cognito-identity.amazonaws.com`. */
  provider: string;
  /** `aud` = identity pool id, `sub` = identity id, `amr` as GetOpenIdToken would put it. */
  claims: { aud: string; sub: string; amr: readonly string[] };
  durationSeconds?: number;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
}

/** Thrown by STS when the role does not exist or its trust policy does not admit the session. */
export class RoleAssumptionRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RoleAssumptionRefused';
  }
}

export interface WebIdentityIssuer {
  /** The `iss` of the tokens (`https://cognito-identity.amazonaws.com`). */
  issuer: string;
  /** The provider name policies see (`cognito-identity.amazonaws.com`). */
  provider: string;
  /** Verifies a token fully and returns its claims; throws when it is not valid. */
  verify(token: string, now: number): Promise<Claims>;
}

/** From STS. */
export interface WebIdentityStsPort {
  assumeRoleWithWebIdentity(request: WebIdentityAssumption, ctx: RequestContext): Promise<IssuedCredentials>;
  /** So that STS's public AssumeRoleWithWebIdentity accepts the OpenID tokens we issue. */
  registerWebIdentityIssuer(issuer: WebIdentityIssuer): void;
}

/** Everything Identity Pools may use from its neighbours; any of it may be absent. */
export interface IdentityPoolPorts {
  userPools?: UserPoolTokenVerifier;
  oidcProviders?: OidcProviderDirectory;
  oidcVerifier?: OidcTokenVerifier;
  sts?: WebIdentityStsPort;
}
