/**
 * Amazon Cognito Identity (identity pools), AWS JSON 1.1 under `AWSCognitoIdentityService`:
 * pools and their roles, identities and linked logins, Cognito Identity OpenID tokens, and
 * temporary AWS credentials for guests and for users of User Pools, OpenID Connect providers
 * and developer providers. Other services are reached only through the ports it is given.
 * @module
 */
import type { Platform } from '../../platform.js';
import { loadModel } from '../../protocols/model.js';
import { authError } from '../../protocols/auth-errors.js';
import { requestConditionKeys } from '../condition-keys.js';
import type { RawRoute } from '../../protocols/http.js';
import type { ApiService, OperationHandlers, RequestContext } from '../types.js';
import type { Operations } from './api.generated.js';
import { PoolCache, poolArn, type IdentityPoolDeps } from './context.js';
import { developerOperations } from './developer.js';
import { federationOperations } from './federation.js';
import { identityOperations } from './identities.js';
import { LoginVerifier } from './logins.js';
import { COGNITO_IDENTITY_ISSUER, COGNITO_IDENTITY_PROVIDER, OpenIdTokenIssuer } from './openid-token.js';
import { poolOperations } from './pools.js';
import type { IdentityPoolPorts } from './ports.js';

export { cognitoIdentitySchema } from './schema.js';
export type { IdentityPoolPorts } from './ports.js';

export interface CognitoIdentity {
  service: ApiService;
  /** The JWKS of the keys that sign Cognito Identity OpenID tokens. */
  routes: RawRoute[];
  tokens: OpenIdTokenIssuer;
}

export function createCognitoIdentityService(platform: Platform, ports: IdentityPoolPorts): CognitoIdentity {
  const tokens = new OpenIdTokenIssuer(platform.db, platform.secrets, platform.config.region);
  const deps: IdentityPoolDeps = {
    db: platform.db,
    // On a shared store another node may change a pool at any time: no caching there.
    pools: new PoolCache(platform.db),
    region: platform.config.region,
    accountId: platform.config.accountId,
    ports,
    logins: new LoginVerifier(ports, tokens, () => platform.config.publicUrl),
    tokens,
    publicUrl: () => platform.config.publicUrl,
  };
  // The basic flow: STS's public AssumeRoleWithWebIdentity accepts the tokens we issue.
  ports.sts?.registerWebIdentityIssuer({ issuer: COGNITO_IDENTITY_ISSUER, provider: COGNITO_IDENTITY_PROVIDER, verify: (token, now) => tokens.verify(token, now) });

  const operations: OperationHandlers<Operations> = {
    ...poolOperations(deps),
    ...identityOperations(deps),
    ...federationOperations(deps),
    ...developerOperations(deps),
  };

  return {
    tokens,
    routes: [tokens.route()],
    service: {
      name: 'cognito-identity',
      model: loadModel('cognito-identity'),
      validationErrorCode: 'InvalidParameterException',
      internalErrorCode: 'InternalErrorException',
      operations: operations as ApiService['operations'],
      /** Pool-scoped operations are authorized on the pool's ARN, the rest on `*`. */
      async authorize(operation: string, input: unknown, ctx: RequestContext): Promise<void> {
        const principal = ctx.principal!;
        const i = input as { IdentityPoolId?: unknown; ResourceArn?: unknown };
        const resource = typeof i.ResourceArn === 'string' ? i.ResourceArn : typeof i.IdentityPoolId === 'string' ? poolArn(deps, i.IdentityPoolId) : '*';
        const action = `cognito-identity:${operation}`;
        const d = await platform.authorizer.authorize({ principal, action, resource, context: requestConditionKeys(ctx) });
        if (d.decision === 'Allow') return;
        ctx.log.info({ requestId: ctx.requestId, principal: principal.arn, action, resource, decision: d.decision, decidedBy: d.decidedBy }, 'access denied');
        const why = d.decision === 'ExplicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
        throw authError('json', 'denied', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
      },
    },
  };
}
