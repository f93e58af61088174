/**
 * Identity Pools' errors, with the codes and messages Amazon Cognito Identity answers. Every
 * message here was checked against AWS's answers as clients report them, except where a
 * comment says otherwise.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { LoginTokenProblem } from './ports.js';

export function poolNotFound(id: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `IdentityPool '${id}' not found.`, 400);
}

export function identityNotFound(id: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `Identity '${id}' not found.`, 400);
}

export function identityForbidden(id: string): ServiceError {
  return new ServiceError('NotAuthorizedException', `Access to Identity '${id}' is forbidden.`, 400);
}

export function unauthenticatedNotSupported(): ServiceError {
  return new ServiceError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.', 400);
}

export function loginsDontMatch(): ServiceError {
  return new ServiceError('NotAuthorizedException', "Logins don't match. Please include at least one valid login for this identity or identity pool.", 400);
}

export function unsupportedProvider(): ServiceError {
  return new ServiceError('NotAuthorizedException', 'Token is not from a supported provider of this identity pool.', 400);
}

export function invalidConfiguration(): ServiceError {
  return new ServiceError('InvalidIdentityPoolConfigurationException', 'Invalid identity pool configuration. Check assigned IAM roles for this pool.', 400);
}

export function ambiguousRoleDenied(provider: string): ServiceError {
  return new ServiceError('NotAuthorizedException', `The ambiguous role mapping rules for: ${provider} denied this request.`, 400);
}

export function classicFlowDisabled(): ServiceError {
  return new ServiceError('InvalidParameterException', 'Basic (classic) flow is not enabled, please use enhanced flow.', 400);
}

export function classicFlowWithRoleMappings(): ServiceError {
  return new ServiceError('InvalidParameterException', 'Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.', 400);
}

export function roleForbidden(value: string): ServiceError {
  return new ServiceError('NotAuthorizedException', `Access to Role '${value}' is forbidden.`, 400);
}

export function invalidRoleMappingProvider(key: string): ServiceError {
  return new ServiceError('InvalidParameterException', `(${key}) is not a valid RoleMapping ProviderName or is not a configured provider.`, 400);
}

export function developerProviderNotSupported(): ServiceError {
  // Wording as clients report it; the code is not in those reports.
  return new ServiceError('NotAuthorizedException', 'This identity pool does not support the specified developer provider', 400);
}

/** Gatehouse-worded: AWS's exact text for these was not found in public reports. */
export function invalidParameter(message: string): ServiceError {
  return new ServiceError('InvalidParameterException', message, 400);
}

export function resourceConflict(message: string): ServiceError {
  return new ServiceError('ResourceConflictException', message, 400);
}

/**
 * AWS's "Invalid login token. …" family. A token for another app client is "not from a
 * supported provider", as AWS answers; the revoked wording is Gatehouse's (AWS's was not
 * found).
 */
export function invalidLoginToken(problem: LoginTokenProblem): ServiceError {
  if (problem.kind === 'audience') return unsupportedProvider();
  const suffix = ((): string => {
    switch (problem.kind) {
      case 'expired':
        return `Token expired: ${Math.floor(problem.now / 1000)} >= ${problem.exp}`;
      case 'issuer':
        return "Issuer doesn't match providerName";
      case 'missing-claim':
        return `Missing a required claim: ${problem.claim}`;
      case 'signature':
        return "Couldn't verify signed token.";
      case 'token-use':
        return 'Not a valid OpenId Connect identity token.';
      case 'revoked':
        return 'Token has been revoked.';
      case 'malformed':
        return 'Not a valid OpenId Connect identity token.';
    }
  })();
  return new ServiceError('NotAuthorizedException', `Invalid login token. ${suffix}`, 400);
}
