/**
 * STS's internal interface, for services that issue credentials themselves (Cognito Identity's
 * GetCredentialsForIdentity) and for the AssumeRoleWithWebIdentity operation:
 *
 *   sts.assumeRoleWithWebIdentity({ roleArn, roleSessionName, provider, claims, … }, ctx)
 *     Evaluates the role's trust policy for a web identity that the caller has ALREADY
 *     VERIFIED: the request principal is `{ Federated: provider }`, the action
 *     `sts:AssumeRoleWithWebIdentity`, and the condition keys `<keyPrefix>:aud` (the pool id /
 *     client id), `<keyPrefix>:sub` (the identity id / subject) and `<keyPrefix>:amr` (a
 *     multi-valued key, e.g. ['authenticated', 'cognito-idp.<region>.amazonaws.com/<pool>',
 *     'cognito-idp.<region>.amazonaws.com/<pool>:CognitoSignIn:<sub>']). On success it issues
 *     credentials whose session carries those keys (and `aws:FederatedProvider`) as context
 *     keys, so `${cognito-identity.amazonaws.com:sub}` resolves in later policy decisions.
 *     Throws ServiceError: AccessDenied (403, "Not authorized to perform
 *     sts:AssumeRoleWithWebIdentity") when the role does not exist or its trust policy does not
 *     allow; ValidationError (DurationSeconds); MalformedPolicyDocument / PackedPolicyTooLarge
 *     (session policies). Callers map these to their own service's errors.
 *
 *   sts.registerWebIdentityIssuer({ issuer, provider, verify(token, now) })
 *     Makes STS accept tokens from an in-process issuer when a client calls
 *     AssumeRoleWithWebIdentity directly (Cognito's "basic flow": GetOpenIdToken, then STS).
 *     `verify` checks signature, audience and expiry and returns the claims, or throws
 *     WebIdentityTokenError('invalid' | 'expired' | 'rejected', message).
 * @module
 */
import type { IamAuthorizer, IamDirectory } from '../iam/index.js';
import { accessDenied, RoleSessions, type CallContext, type IssuedSession, type SessionRequest } from './sessions.js';
import type { SessionTokens } from './tokens.js';
import { WebIdentityVerifier, type WebIdentityClaims, type WebIdentityIssuer } from './web-identity.js';

export interface WebIdentitySessionRequest {
  roleArn: string;
  roleSessionName: string;
  /** The Federated principal trust policies name: `cognito-identity.amazonaws.com`, or an IAM OIDC provider ARN. */
  provider: string;
  /** Prefix of the condition keys; defaults to `provider` (right for Cognito Identity). */
  keyPrefix?: string;
  /** Verified claims: `aud`, `sub`, and `amr` when the issuer has it. */
  claims: WebIdentityClaims;
  /** 900 … the role's MaxSessionDuration; default 3600. */
  durationSeconds?: number;
  /** Inline session policy (JSON) and managed session policy ARNs. */
  policy?: string;
  policyArns?: readonly string[];
  sourceIdentity?: string;
}

export interface WebIdentitySession extends IssuedSession {
  subjectFromWebIdentityToken: string;
  audience: string;
  /** Federated principal the trust policy matched. */
  provider: string;
}

/** What a caller outside a request pipeline provides: the clock, and the request's global condition keys. */
export interface StsCallContext {
  now(): number;
  region: string;
  conditionKeys?: Readonly<Record<string, string>>;
}

export const NOT_AUTHORIZED_WEB_IDENTITY = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';

export class StsService {
  readonly sessions: RoleSessions;
  readonly verifier: WebIdentityVerifier;

  constructor(
    readonly iam: IamDirectory,
    readonly authorizer: IamAuthorizer,
    readonly tokens: SessionTokens,
  ) {
    this.sessions = new RoleSessions(iam, authorizer, tokens);
    this.verifier = new WebIdentityVerifier(iam);
  }

  registerWebIdentityIssuer(issuer: WebIdentityIssuer): void {
    this.verifier.register(issuer);
  }

  async assumeRoleWithWebIdentity(req: WebIdentitySessionRequest, ctx: StsCallContext): Promise<WebIdentitySession> {
    const prefix = req.keyPrefix ?? req.provider;
    const aud = Array.isArray(req.claims.aud) ? req.claims.aud : [req.claims.aud];
    const identityKeys: Record<string, string | string[]> = {
      [`${prefix}:aud`]: aud.length === 1 ? aud[0]! : aud,
      [`${prefix}:sub`]: req.claims.sub,
      'aws:FederatedProvider': req.provider,
    };
    if (req.claims.amr !== undefined) identityKeys[`${prefix}:amr`] = [...req.claims.amr];

    const role = await this.sessions.role(req.roleArn);
    if (role === undefined) throw accessDenied(NOT_AUTHORIZED_WEB_IDENTITY);
    const call: CallContext = { now: ctx.now, conditionKeys: ctx.conditionKeys ?? {} };
    const context = { ...call.conditionKeys, ...identityKeys, 'sts:RoleSessionName': req.roleSessionName };
    const decision = await this.authorizer.decide({
      principal: undefined,
      federated: req.provider,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: role.arn,
      context,
      resourcePolicies: [this.sessions.trustPolicy(role)],
      requireResourceAllow: true,
    });
    if (decision.decision !== 'Allow') throw accessDenied(NOT_AUTHORIZED_WEB_IDENTITY);

    const duration = this.sessions.checkDuration(role, req.durationSeconds, false);
    const sessionReq: SessionRequest = {
      roleArn: req.roleArn,
      roleSessionName: req.roleSessionName,
      policy: req.policy,
      policyArns: req.policyArns,
      sourceIdentity: req.sourceIdentity,
    };
    const packed = await this.sessions.checkSessionPolicies(sessionReq);
    const issued = await this.sessions.issue(role, sessionReq, duration, ctx.now(), identityKeys, packed, ctx.region);
    return { ...issued, subjectFromWebIdentityToken: req.claims.sub, audience: aud[0] ?? '', provider: req.provider };
  }
}

