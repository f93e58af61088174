/**
 * The real neighbours behind Identity Pools' ports: STS's internal web-identity interface,
 * IAM's directory of OpenID Connect providers, and User Pools' ID-token verifier. Each adapter
 * translates shapes and failures only; the decisions stay with the service that owns them.
 * @module
 */
import { ServiceError } from '../../errors.js';
import { requestConditionKeys } from '../../server/api.js';
import type { IamDirectory } from '../iam/index.js';
import { WebIdentityTokenError, type StsService } from '../sts/index.js';
import { expiredMessage, INVALID_TOKEN } from '../sts/web-identity.js';
import type { RequestContext } from '../types.js';
import { oidcLoginKey } from './logins.js';
import { LoginTokenRejected, RoleAssumptionRefused, type IssuedCredentials, type OidcProvider, type OidcProviderDirectory, type WebIdentityAssumption, type WebIdentityIssuer, type WebIdentityStsPort } from './ports.js';

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
