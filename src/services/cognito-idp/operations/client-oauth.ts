/**
 * The OAuth settings an app client is created or updated with, checked as Cognito checks them
 * before anything is written: every AllowedOAuthScopes entry is a standard scope or a scope of
 * one of the pool's resource servers, client_credentials stands alone and needs a secret, and
 * the redirect URLs are absolute, fragment-free and HTTPS unless they point at this machine,
 * and every SupportedIdentityProviders entry is COGNITO or one of the pool's providers.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { CreateUserPoolClientRequest } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { invalidParameter } from '../errors.js';
import { existingCustomScopes } from '../hosted/token.js';

type OAuthInput = Pick<CreateUserPoolClientRequest, 'AllowedOAuthScopes' | 'AllowedOAuthFlows' | 'CallbackURLs' | 'LogoutURLs' | 'DefaultRedirectURI' | 'SupportedIdentityProviders'>;

/** The scopes Cognito itself defines; anything else names a resource server's scope. */
export const STANDARD_SCOPES: ReadonlySet<string> = new Set(['phone', 'email', 'openid', 'profile', 'aws.cognito.signin.user.admin']);

/** Plain HTTP is accepted only toward the loopback hosts (Cognito's rule for local testing). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const scopeMissing = (scope: string): ServiceError => new ServiceError('ScopeDoesNotExistException', `Invalid scope requested: ${scope}`, 400);
const invalidFlow = (message: string): ServiceError => new ServiceError('InvalidOAuthFlowException', message, 400);

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParameter(`${url} is not a valid URL.`);
  }
  // A fragment would be dropped or clash with the implicit grant's own fragment (RFC 6749 §3.1.2).
  if (url.includes('#')) throw invalidParameter(`${url} cannot contain a fragment.`);
  // AWS's wording, as its API answers it.
  if (parsed.protocol === 'http:' && !LOOPBACK.has(parsed.hostname)) throw invalidParameter(`${url} cannot use the HTTP protocol.`);
}

/** Throws the AWS error for the first rule `input` breaks; `hasSecret` is the client's, given or kept. */
export async function checkOAuthSettings(idp: IdpContext, poolId: string, input: OAuthInput, hasSecret: boolean): Promise<void> {
  const flows = input.AllowedOAuthFlows ?? [];
  if (flows.includes('client_credentials')) {
    if (flows.some((f) => f !== 'client_credentials')) throw invalidFlow('client_credentials flow can not be selected along with code flow or implicit flow.');
    if (!hasSecret) throw invalidFlow('client_credentials flow can not be selected if client does not have a client secret.');
  }
  for (const url of [...(input.CallbackURLs ?? []), ...(input.LogoutURLs ?? [])]) checkUrl(url);
  if (input.DefaultRedirectURI !== undefined) {
    checkUrl(input.DefaultRedirectURI);
    if (!(input.CallbackURLs ?? []).includes(input.DefaultRedirectURI)) throw invalidParameter('DefaultRedirectURI must be one of the CallbackURLs.');
  }
  for (const name of input.SupportedIdentityProviders ?? []) {
    if (name !== 'COGNITO' && (name.length > 32 || (await idp.hosted.provider(poolId, name)) === undefined)) throw invalidParameter(`The provider ${name} does not exist for User Pool ${poolId}`);
  }
  const custom = (input.AllowedOAuthScopes ?? []).filter((s) => !STANDARD_SCOPES.has(s));
  if (custom.length === 0) return;
  const existing = await existingCustomScopes(idp, poolId, custom);
  const missing = custom.find((s) => !existing.has(s));
  if (missing !== undefined) throw scopeMissing(missing);
}
