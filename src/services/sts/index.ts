/**
 * STS (Query protocol): who am I, and temporary credentials. AssumeRole (root and role
 * sessions), AssumeRoleWithWebIdentity (unsigned; Cognito Identity tokens and IAM OIDC
 * providers), GetSessionToken (root), GetCallerIdentity. Temporary credentials are resolved
 * by `SessionTokens`, registered with the platform's credential resolver.
 *
 * For other services: `createSts(…).sts` is the StsService with `assumeRoleWithWebIdentity`
 * and `registerWebIdentityIssuer` (see federation.ts for the contract).
 * @module
 */
import { ServiceError } from '../../errors.js';
import { loadModel } from '../../protocols/model.js';
import { requestConditionKeys } from '../condition-keys.js';
import type { CompositeCredentialResolver } from '../../credentials.js';
import type { SecretBox } from '../../store/secrets.js';
import { accessDeniedMessage } from '../iam/authorizer.js';
import type { IamAuthorizer, IamDirectory } from '../iam/index.js';
import type { ApiService, OperationHandlers, RequestContext } from '../types.js';
import type { Credentials, Operations } from './api.generated.js';
import { StsService } from './federation.js';
import { accessDenied } from './sessions.js';
import { SessionTokens, type IssuedCredentials } from './tokens.js';

export { NOT_AUTHORIZED_WEB_IDENTITY, StsService, type StsCallContext, type WebIdentitySession, type WebIdentitySessionRequest } from './federation.js';
export { SessionTokens, type IssuedCredentials } from './tokens.js';
export { WebIdentityTokenError, type WebIdentityClaims, type WebIdentityFailure, type WebIdentityIssuer } from './web-identity.js';

export interface StsDeps {
  iam: IamDirectory;
  authorizer: IamAuthorizer;
  secrets: SecretBox;
  credentials: CompositeCredentialResolver;
  /** The root key: root sessions are bound to it. */
  root: { accessKeyId: string; secretAccessKey: string };
}

export interface Sts {
  sts: StsService;
  service: ApiService;
  tokens: SessionTokens;
}

/** Builds STS and registers its temporary-credential resolver for `ASIA…` keys. */
export function createSts(deps: StsDeps): Sts {
  const tokens = new SessionTokens(deps.secrets.derive('sts-session'), deps.root);
  deps.credentials.addTemporary(tokens);
  const sts = new StsService(deps.iam, deps.authorizer, tokens);
  return { sts, tokens, service: createStsService(sts) };
}

function credentials(c: IssuedCredentials): Credentials {
  return { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration };
}

export function createStsService(sts: StsService): ApiService {
  const call = (ctx: RequestContext) => ({ now: () => ctx.now(), conditionKeys: requestConditionKeys(ctx) });

  const operations: OperationHandlers<Operations> = {
    GetCallerIdentity(_input, ctx) {
      const p = ctx.principal!;
      return { Account: p.accountId, Arn: p.arn, UserId: p.userId };
    },

    async AssumeRole(input, ctx) {
      const s = await sts.sessions.assumeRole(
        ctx.principal!,
        {
          roleArn: input.RoleArn,
          roleSessionName: input.RoleSessionName,
          durationSeconds: input.DurationSeconds,
          policy: input.Policy,
          policyArns: input.PolicyArns?.map((p) => p.arn ?? ''),
          sourceIdentity: input.SourceIdentity,
          tags: input.Tags,
          externalId: input.ExternalId,
        },
        call(ctx),
        ctx.region,
      );
      return {
        Credentials: credentials(s.credentials),
        AssumedRoleUser: s.assumedRoleUser,
        ...(s.packedPolicySize === undefined ? {} : { PackedPolicySize: s.packedPolicySize }),
        ...(input.SourceIdentity === undefined ? {} : { SourceIdentity: input.SourceIdentity }),
      };
    },

    async AssumeRoleWithWebIdentity(input, ctx) {
      const verified = await sts.verifier.verify(input.WebIdentityToken, ctx.now());
      const s = await sts.assumeRoleWithWebIdentity(
        {
          roleArn: input.RoleArn,
          roleSessionName: input.RoleSessionName,
          provider: verified.provider,
          keyPrefix: verified.keyPrefix,
          claims: verified.claims,
          ...(input.DurationSeconds === undefined ? {} : { durationSeconds: input.DurationSeconds }),
          ...(input.Policy === undefined ? {} : { policy: input.Policy }),
          ...(input.PolicyArns === undefined ? {} : { policyArns: input.PolicyArns.map((p) => p.arn ?? '') }),
        },
        { now: () => ctx.now(), region: ctx.region, conditionKeys: requestConditionKeys(ctx) },
      );
      return {
        Credentials: credentials(s.credentials),
        SubjectFromWebIdentityToken: s.subjectFromWebIdentityToken,
        AssumedRoleUser: s.assumedRoleUser,
        ...(s.packedPolicySize === undefined ? {} : { PackedPolicySize: s.packedPolicySize }),
        Provider: verified.issuer,
        Audience: s.audience,
      };
    },

    GetSessionToken(input, ctx) {
      const p = ctx.principal!;
      // Only the root key itself: a session must not renew itself for ever.
      if (p.kind !== 'root' || p.session === true) throw accessDenied('Cannot call GetSessionToken with session credentials');
      // Sessions made from the root user's credentials last at most an hour, as AWS's do.
      const seconds = Math.min(input.DurationSeconds ?? 3600, 3600);
      const now = ctx.now();
      const issued = sts.tokens.issue({ t: 'r', a: p.accountId, i: now, e: Math.floor(now / 1000) * 1000 + seconds * 1000, rk: sts.tokens.rootKey });
      return { Credentials: credentials(issued) };
    },
  };

  return {
    name: 'sts',
    model: loadModel('sts'),
    validationErrorCode: 'ValidationError',
    internalErrorCode: 'InternalFailure',
    operations: operations as ApiService['operations'],
    async authorize(operation: string, _input: unknown, ctx: RequestContext): Promise<void> {
      // GetCallerIdentity needs no permission; AssumeRole and GetSessionToken decide in their handlers.
      if (operation === 'GetCallerIdentity' || operation === 'AssumeRole' || operation === 'GetSessionToken') return;
      const request = { principal: ctx.principal, action: `sts:${operation}`, resource: '*', context: requestConditionKeys(ctx) };
      const d = await sts.authorizer.authorize(request);
      if (d.decision !== 'Allow') throw new ServiceError('AccessDenied', accessDeniedMessage(request, d), 403);
    },
  };
}
