/**
 * The real neighbours behind Identity Pools' ports: STS's internal web-identity interface,
 * IAM's directory of OpenID Connect providers, and User Pools' ID-token verifier. Each adapter
 * translates shapes and failures only; the decisions stay with the service that owns them.
 * @module
 */
import { ServiceError } from '../../errors.js';
import { requestConditionKeys } from '../condition-keys.js';
import { TokenVerificationError, type TokenCheck, type UserPoolTokenVerifier as IdpTokenVerifier } from '../cognito-idp/index.js';
import type { IamDirectory } from '../iam/index.js';
import { WebIdentityTokenError, type StsService } from '../sts/index.js';
import { expiredMessage, INVALID_TOKEN } from '../sts/web-identity.js';
import type { RequestContext } from '../types.js';
import { oidcLoginKey } from './logins.js';
import {
  LoginTokenRejected,
  RoleAssumptionRefused,
  type Claims,
  type IssuedCredentials,
  type LoginTokenProblem,
  type OidcProvider,
  type OidcProviderDirectory,
  type UserPoolTokenVerifier,
  type WebIdentityAssumption,
  type WebIdentityIssuer,
  type WebIdentityStsPort,
} from './ports.js';

function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * User Pools verify the token fully; Cognito Identity's answers come first in AWS's order:
 * a token naming another issuer is "Issuer doesn't match providerName" before its signature is
 * looked at, and a token without `aud` (an access token) is "Missing a required claim: aud".
 */
export function userPoolsPort(verifier: IdpTokenVerifier): UserPoolTokenVerifier {
  const problem = (check: TokenCheck, claims: Record<string, unknown>, now: number): LoginTokenProblem => {
    switch (check) {
      case 'format':
        return { kind: 'malformed' };
      case 'pool':
      case 'issuer':
        return { kind: 'issuer' };
      case 'algorithm':
      case 'signature':
        return { kind: 'signature' };
      case 'token_use':
        return { kind: 'token-use' };
      case 'expired':
        return { kind: 'expired', now, exp: Number(claims.exp) };
      case 'audience':
        return { kind: 'audience' };
      case 'revoked':
        return { kind: 'revoked' };
    }
  };
  return {
    async verifyIdToken(userPoolId: string, token: string, options: { audiences: readonly string[]; now: number }): Promise<Claims> {
      const claims = unverifiedClaims(token);
      if (claims === undefined) throw new LoginTokenRejected({ kind: 'malformed' });
      if (typeof claims.iss !== 'string' || !claims.iss.endsWith(`/${userPoolId}`)) throw new LoginTokenRejected({ kind: 'issuer' });
      if (claims.aud === undefined) throw new LoginTokenRejected({ kind: 'missing-claim', claim: 'aud' });
      try {
        return await verifier.verifyIdToken(userPoolId, token, { audiences: options.audiences });
      } catch (err) {
        if (err instanceof TokenVerificationError) throw new LoginTokenRejected(problem(err.check, claims, options.now));
        throw err;
      }
    },
  };
}

export function stsPort(sts: StsService): WebIdentityStsPort {
  return {
    async assumeRoleWithWebIdentity(request: WebIdentityAssumption, ctx: RequestContext): Promise<IssuedCredentials> {
      try {
        const s = await sts.assumeRoleWithWebIdentity(
          {
            roleArn: request.roleArn,
            roleSessionName: request.roleSessionName,
            provider: request.provider,
            claims: { aud: request.claims.aud, sub: request.claims.sub, amr: [...request.claims.amr] },
            ...(request.durationSeconds === undefined ? {} : { durationSeconds: request.durationSeconds }),
          },
          { now: () => ctx.now(), region: ctx.region, conditionKeys: requestConditionKeys(ctx) },
        );
        return {
          accessKeyId: s.credentials.AccessKeyId,
          secretAccessKey: s.credentials.SecretAccessKey,
          sessionToken: s.credentials.SessionToken,
          expiration: s.credentials.Expiration.getTime(),
        };
      } catch (err) {
        // AWS: any STS error assuming the pool's role is the pool's configuration problem.
        if (err instanceof ServiceError && err.fault === 'client') throw new RoleAssumptionRefused(`${err.code}: ${err.message}`);
        throw err;
      }
    },

    registerWebIdentityIssuer(issuer: WebIdentityIssuer): void {
      sts.registerWebIdentityIssuer({
        issuer: issuer.issuer,
        provider: issuer.provider,
        async verify(token, now) {
          let claims;
          try {
            claims = await issuer.verify(token, now);
          } catch (err) {
            if (err instanceof LoginTokenRejected && err.problem.kind === 'expired') throw new WebIdentityTokenError('expired', expiredMessage(now, err.problem.exp));
            if (err instanceof LoginTokenRejected) throw new WebIdentityTokenError('invalid', INVALID_TOKEN);
            throw err;
          }
          const amr = Array.isArray(claims.amr) ? claims.amr.filter((x): x is string => typeof x === 'string') : undefined;
          return {
            aud: String(claims.aud),
            sub: String(claims.sub),
            ...(amr === undefined ? {} : { amr }),
            ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
            ...(typeof claims.iss === 'string' ? { iss: claims.iss } : {}),
          };
        },
      });
    },
  };
}

/** IAM names OpenID Connect providers by their scheme-less URL, which is also their ARN's tail. */
export function oidcDirectoryPort(iam: IamDirectory): OidcProviderDirectory {
  return {
    async getOpenIdConnectProvider(arn: string): Promise<OidcProvider | undefined> {
      const key = oidcLoginKey(arn);
      if (key === undefined) return undefined;
      const p = await iam.oidcProvider(key);
      if (p === undefined || p.arn !== arn) return undefined;
      return { arn: p.arn, url: p.url, clientIds: p.clientIds, thumbprints: p.thumbprints };
    },
  };
}
