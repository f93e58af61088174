/**
 * IAM (Query protocol, XML): roles with trust policies, inline and managed policies, AWS-managed
 * policies, OIDC providers; and the IamAuthorizer every service asks. `createIam` builds the
 * pieces that belong together: repository, directory (what STS and the authorizer read),
 * authorizer, and the API service.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { loadModel } from '../../protocols/model.js';
import { requestConditionKeys } from '../condition-keys.js';
import type { Database } from '../../store/database.js';
import { SHARED_MAX_AGE_MS } from '../../store/row-cache.js';
import type { ApiService, OperationHandlers, RequestContext } from '../types.js';
import type { Operations } from './api.generated.js';
import { accessDeniedMessage } from './authorizer.js';
import { IamAuthorizer } from './authz.js';
import { IamDirectory } from './directory.js';
import { oidcProviderArn, oidcUrlKey, policyArn, roleArn } from './ids.js';
import { oidcOperations } from './oidc.js';
import { policyOperations } from './policies.js';
import { IamRepository } from './repository.js';
import { roleOperations } from './roles.js';

export { iamSchema } from './schema.js';
export { IamAuthorizer, type DecideRequest } from './authz.js';
export { IamDirectory, type IamChange, type ManagedPolicyRecord, type OidcProviderRecord, type RoleRecord } from './directory.js';

export interface Iam {
  directory: IamDirectory;
  authorizer: IamAuthorizer;
  service: ApiService;
}

export function createIam(deps: { db: Database; accountId: string; log: Logger }): Iam {
  const directory = new IamDirectory(new IamRepository(deps.db), deps.accountId, deps.db.changes);
  const authorizer = new IamAuthorizer(directory, deps.log, deps.db.shared ? SHARED_MAX_AGE_MS : Infinity);
  return { directory, authorizer, service: createIamService(directory, authorizer) };
}

/** The ARN IAM authorizes an operation against (AWS's resource types per action). */
async function resourceFor(dir: IamDirectory, input: Record<string, unknown>, operation: string): Promise<string> {
  const acct = dir.accountId;
  if (typeof input.RoleName === 'string') {
    if (operation === 'CreateRole') return roleArn(acct, typeof input.Path === 'string' ? input.Path : '/', input.RoleName);
    const role = await dir.role(input.RoleName);
    return role?.arn ?? roleArn(acct, '/', input.RoleName);
  }
  if (typeof input.PolicyArn === 'string') return input.PolicyArn;
  if (operation === 'CreatePolicy' && typeof input.PolicyName === 'string') return policyArn(acct, typeof input.Path === 'string' ? input.Path : '/', input.PolicyName);
  if (typeof input.OpenIDConnectProviderArn === 'string') return input.OpenIDConnectProviderArn;
  if (operation === 'CreateOpenIDConnectProvider' && typeof input.Url === 'string') return oidcProviderArn(acct, oidcUrlKey(input.Url) ?? input.Url);
  return '*';
}

export function createIamService(dir: IamDirectory, authorizer: IamAuthorizer): ApiService {
  const operations: OperationHandlers<Operations> = {
    ...roleOperations(dir),
    ...policyOperations(dir),
    ...oidcOperations(dir),
  };
  return {
    name: 'iam',
    model: loadModel('iam'),
    validationErrorCode: 'ValidationError',
    internalErrorCode: 'ServiceFailure',
    // As at AWS: credentials from GetSessionToken (without MFA, which Gatehouse does not take)
    // cannot call IAM, so a leaked session cannot mint itself roles or rewrite policies.
    refusesRootSessions: true,
    operations: operations as ApiService['operations'],
    async authorize(operation: string, input: unknown, ctx: RequestContext): Promise<void> {
      const request = {
        principal: ctx.principal,
        action: `iam:${operation}`,
        resource: await resourceFor(dir, (input ?? {}) as Record<string, unknown>, operation),
        context: requestConditionKeys(ctx),
      };
      const d = await authorizer.authorize(request);
      if (d.decision !== 'Allow') throw new ServiceError('AccessDenied', accessDeniedMessage(request, d), 403);
    },
  };
}
