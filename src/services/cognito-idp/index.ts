/**
 * Cognito User Pools (`cognito-idp`, AWS JSON 1.1, `X-Amz-Target:
 * AWSCognitoIdentityProviderService.<Op>`): pools, app clients, users, groups, sign-up and
 * sign-in (SRP and password), tokens, and the JWKS / OpenID discovery routes.
 *
 * Interface for other services — `createCognitoIdpService(platform)` returns
 * `{ service, routes, schema, tokens }`:
 * - `service` is the ApiService the edge dispatches to; `routes` serve
 *   `/<poolId>/.well-known/jwks.json` and `/<poolId>/.well-known/openid-configuration`;
 *   `schema` is this service's tables (list it in SCHEMAS).
 * - `tokens.verifyIdToken(userPoolId, token, { audiences })` fully verifies an ID token
 *   this server issued: RS256 only, signature with the pool's key, issuer
 *   `${publicUrl}/${userPoolId}`, `token_use` = id, not expired, `aud` among `audiences`
 *   (when given), and not revoked (its `origin_jti` session was not ended by RevokeToken,
 *   GlobalSignOut, AdminUserGlobalSignOut, AdminDisableUser or user deletion). It resolves to
 *   the token's claims, or rejects with a `TokenVerificationError` whose `check` says which
 *   test failed ('format' | 'pool' | 'algorithm' | 'signature' | 'issuer' | 'token_use' |
 *   'expired' | 'audience' | 'revoked'; a deleted user's sessions are gone, so their tokens
 *   fail as 'revoked'). Identity Pools call it for Logins keyed
 *   `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
 * @module
 */
import type { Platform } from '../../platform.js';
import { loadModel, type ServiceModel } from '../../protocols/model.js';
import type { RawRoute } from '../../protocols/http.js';
import type { Schema } from '../../store/database.js';
import type { ApiService, OperationHandlers } from '../types.js';
import type { Operations } from './api.generated.js';
import { IdpContext } from './context.js';
import { adminUserOperations } from './operations/admin-users.js';
import { authOperations } from './operations/auth.js';
import { clientOperations } from './operations/clients.js';
import { domainOperations } from './operations/domains.js';
import { identityProviderOperations } from './operations/identity-providers.js';
import { providerLinkOperations } from './operations/provider-links.js';
import { resourceServerOperations } from './operations/resource-servers.js';
import { groupOperations } from './operations/groups.js';
import { mfaOperations } from './operations/mfa.js';
import { softwareTokenOperations } from './operations/software-token.js';
import { webAuthnOperations } from './operations/webauthn.js';
import { deviceOperations } from './operations/devices.js';
import { DeviceAuth } from './device-auth.js';
import { MfaChallenges } from './mfa-challenges.js';
import { selfOperations } from './operations/self.js';
import { userAttributeOperations } from './operations/user-attributes.js';
import { signUpOperations } from './operations/sign-up.js';
import { userPoolOperations } from './operations/user-pools.js';
import { hostedRoutes, isCustomDomainHost } from './hosted/routes.js';
import { discoveryRoutes } from './routes.js';
import { Sessions, type UserPoolTokenVerifier } from './sessions.js';
import { SignIn } from './sign-in.js';
import { TotpSetup } from './totp-setup.js';
import { UserAuth } from './user-auth.js';
import { CustomAuth } from './custom-auth.js';
import { cognitoIdpSchema } from './store/schema.js';
import type { SenderCodes, TriggerInvoker } from './triggers.js';

export { TRIGGER_TIMEOUT_MS, type SenderCodes, type TriggerInvoker, type TriggerOutcome } from './triggers.js';
export { TokenVerificationError, type Claims, type TokenCheck, type UserPoolTokenVerifier } from './sessions.js';

export interface CognitoIdpService {
  service: ApiService;
  routes: RawRoute[];
  schema: Schema;
  tokens: UserPoolTokenVerifier;
  /** Whether a host name is a user pool's custom domain (the edge's TLS gives such names their own certificate). */
  customDomains: { has(host: string): Promise<boolean> };
}

/**
 * AWS's model, less DomainType's pattern and 63-character limit: AWS checks a domain itself,
 * a prefix with its own message and a custom domain (which has dots) as a host name
 * (domain/custom-domains.ts); the SDKs and the CLI send `auth.example.com` as it is.
 */
function cognitoIdpModel(): ServiceModel {
  const model = loadModel('cognito-idp');
  const { pattern: _pattern, ...domainType } = model.shapes.DomainType!;
  return { ...model, shapes: { ...model.shapes, DomainType: { ...domainType, max: 253 } } };
}

export function createCognitoIdpService(platform: Platform, ports: { triggers?: TriggerInvoker; senderCodes?: SenderCodes } = {}): CognitoIdpService {
  const idp = new IdpContext(platform, ports.triggers, ports.senderCodes);
  const sessions = new Sessions(idp);
  const devices = new DeviceAuth(idp, sessions);
  const mfa = new MfaChallenges(idp, devices);
  const signIn = new SignIn(idp, devices, mfa);
  const totp = new TotpSetup(idp, mfa);
  const userAuth = new UserAuth(idp, signIn, mfa);
  const customAuth = new CustomAuth(idp, sessions, signIn);
  const operations: OperationHandlers<Operations> = {
    ...userPoolOperations(idp),
    ...clientOperations(idp),
    ...signUpOperations(idp),
    ...authOperations(idp, sessions, signIn, mfa, userAuth, devices, customAuth),
    ...selfOperations(idp, sessions),
    ...userAttributeOperations(idp, sessions),
    ...adminUserOperations(idp, sessions),
    ...groupOperations(idp),
    ...mfaOperations(idp, sessions),
    ...softwareTokenOperations(sessions, totp),
    ...webAuthnOperations(idp, sessions),
    ...deviceOperations(idp, sessions),
    ...domainOperations(idp),
    ...resourceServerOperations(idp),
    ...identityProviderOperations(idp),
    ...providerLinkOperations(idp),
  };
  return {
    service: {
      name: 'cognito-idp',
      model: cognitoIdpModel(),
      validationErrorCode: 'InvalidParameterException',
      internalErrorCode: 'InternalErrorException',
      operations: operations as ApiService['operations'],
    },
    routes: [...discoveryRoutes(idp), ...hostedRoutes(idp, sessions, signIn, totp)],
    schema: cognitoIdpSchema,
    tokens: sessions,
    customDomains: { has: (host) => isCustomDomainHost(idp, host) },
  };
}
