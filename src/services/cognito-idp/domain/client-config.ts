/**
 * App client settings: what CreateUserPoolClient and UpdateUserPoolClient accept, the
 * defaults AWS applies (token lifetimes, auth flows), and the SECRET_HASH check.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CreateUserPoolClientRequest, ExplicitAuthFlowsType, TimeUnitsType, UserPoolClientType } from '../api.generated.js';
import { invalidParameter, notAuthorized } from '../errors.js';

export type ClientConfig = Omit<UserPoolClientType, 'ClientId' | 'UserPoolId' | 'ClientName' | 'ClientSecret' | 'CreationDate' | 'LastModifiedDate'>;

type Settable = Omit<CreateUserPoolClientRequest, 'UserPoolId' | 'ClientName' | 'GenerateSecret' | 'ClientSecret'>;

const LEGACY_FLOWS = new Set<ExplicitAuthFlowsType>(['ADMIN_NO_SRP_AUTH', 'CUSTOM_AUTH_FLOW_ONLY', 'USER_PASSWORD_AUTH']);

const UNIT_SECONDS: Record<TimeUnitsType, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

function checkValidity(name: string, value: number | undefined, unit: TimeUnitsType, minSeconds: number, maxSeconds: number): void {
  if (value === undefined) return;
  const s = value * UNIT_SECONDS[unit];
  if (s < minSeconds || s > maxSeconds) throw invalidParameter(`Invalid range for token validity: ${name} must be between ${minSeconds} and ${maxSeconds} seconds.`);
}

/** Validates and fills the defaults AWS stores for a new or updated client (`doing` words AWS's errors). */
export function clientConfig(input: Settable, schemaNames: ReadonlySet<string>, doing: 'creating' | 'updating'): ClientConfig {
  const flows = input.ExplicitAuthFlows;
  if (flows !== undefined) {
    const legacy = flows.some((f) => LEGACY_FLOWS.has(f));
    const modern = flows.some((f) => !LEGACY_FLOWS.has(f));
    if (legacy && modern) throw invalidParameter('ExplicitAuthFlows can not have both ALLOW_ prefixed and non prefixed values.');
  }
  const units = input.TokenValidityUnits ?? {};
  checkValidity('AccessTokenValidity', input.AccessTokenValidity, units.AccessToken ?? 'hours', 300, 86400);
  checkValidity('IdTokenValidity', input.IdTokenValidity, units.IdToken ?? 'hours', 300, 86400);
  checkValidity('RefreshTokenValidity', input.RefreshTokenValidity, units.RefreshToken ?? 'days', 3600, 3650 * 86400);
  if (input.AuthSessionValidity !== undefined && (input.AuthSessionValidity < 3 || input.AuthSessionValidity > 15)) {
    throw invalidParameter('AuthSessionValidity must be between 3 and 15 minutes.');
  }
  for (const [kind, list] of [['read', input.ReadAttributes], ['write', input.WriteAttributes]] as const) {
    for (const a of list ?? []) if (!schemaNames.has(a)) throw invalidParameter(`Invalid ${kind} attributes specified while ${doing} a client`);
  }
  if (input.WriteAttributes?.some((a) => a === 'sub' || a === 'email_verified' || a === 'phone_number_verified') === true) {
    throw invalidParameter(`Invalid write attributes specified while ${doing} a client`);
  }
  return {
    RefreshTokenValidity: input.RefreshTokenValidity ?? 30,
    ...(input.AccessTokenValidity === undefined ? {} : { AccessTokenValidity: input.AccessTokenValidity }),
    ...(input.IdTokenValidity === undefined ? {} : { IdTokenValidity: input.IdTokenValidity }),
    TokenValidityUnits: { ...units },
    ...(input.ReadAttributes === undefined ? {} : { ReadAttributes: input.ReadAttributes }),
    ...(input.WriteAttributes === undefined ? {} : { WriteAttributes: input.WriteAttributes }),
    ...(flows === undefined ? {} : { ExplicitAuthFlows: [...new Set(flows)] }),
    ...(input.SupportedIdentityProviders === undefined ? {} : { SupportedIdentityProviders: input.SupportedIdentityProviders }),
    ...(input.CallbackURLs === undefined ? {} : { CallbackURLs: input.CallbackURLs }),
    ...(input.LogoutURLs === undefined ? {} : { LogoutURLs: input.LogoutURLs }),
    ...(input.DefaultRedirectURI === undefined ? {} : { DefaultRedirectURI: input.DefaultRedirectURI }),
    ...(input.AllowedOAuthFlows === undefined ? {} : { AllowedOAuthFlows: input.AllowedOAuthFlows }),
    ...(input.AllowedOAuthScopes === undefined ? {} : { AllowedOAuthScopes: input.AllowedOAuthScopes }),
    AllowedOAuthFlowsUserPoolClient: input.AllowedOAuthFlowsUserPoolClient ?? false,
    ...(input.AnalyticsConfiguration === undefined ? {} : { AnalyticsConfiguration: input.AnalyticsConfiguration }),
    ...(input.PreventUserExistenceErrors === undefined ? {} : { PreventUserExistenceErrors: input.PreventUserExistenceErrors }),
    EnableTokenRevocation: input.EnableTokenRevocation ?? true,
    EnablePropagateAdditionalUserContextData: input.EnablePropagateAdditionalUserContextData ?? false,
    AuthSessionValidity: input.AuthSessionValidity ?? 3,
    ...(input.RefreshTokenRotation === undefined ? {} : { RefreshTokenRotation: input.RefreshTokenRotation }),
  };
}

export type AuthFlow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH' | 'CUSTOM_AUTH' | 'ADMIN_USER_PASSWORD_AUTH' | 'USER_AUTH';

/** Which flows a client allows: its ALLOW_ list, or what the legacy names and the default imply. */
export function allowsFlow(config: ClientConfig, flow: AuthFlow): boolean {
  const flows = config.ExplicitAuthFlows;
  if (flows === undefined || flows.length === 0) return flow === 'USER_SRP_AUTH' || flow === 'CUSTOM_AUTH' || flow === 'REFRESH_TOKEN_AUTH';
  if (flows.some((f) => LEGACY_FLOWS.has(f))) {
    if (flows.includes('CUSTOM_AUTH_FLOW_ONLY')) return flow === 'CUSTOM_AUTH';
    if (flow === 'USER_SRP_AUTH' || flow === 'REFRESH_TOKEN_AUTH') return true;
    if (flow === 'USER_PASSWORD_AUTH') return flows.includes('USER_PASSWORD_AUTH');
    if (flow === 'ADMIN_USER_PASSWORD_AUTH') return flows.includes('ADMIN_NO_SRP_AUTH');
    return false;
  }
  return flows.includes(`ALLOW_${flow}` as ExplicitAuthFlowsType);
}

/** Token lifetimes in seconds. */
export function tokenLifetimes(config: ClientConfig): { access: number; id: number; refresh: number } {
  const u = config.TokenValidityUnits ?? {};
  return {
    access: config.AccessTokenValidity === undefined ? 3600 : config.AccessTokenValidity * UNIT_SECONDS[u.AccessToken ?? 'hours'],
    id: config.IdTokenValidity === undefined ? 3600 : config.IdTokenValidity * UNIT_SECONDS[u.IdToken ?? 'hours'],
    refresh: (config.RefreshTokenValidity ?? 30) * UNIT_SECONDS[u.RefreshToken ?? 'days'],
  };
}

/** Whether `given` is the client's secret itself (GetTokensFromRefreshToken, RevokeToken), compared in constant time. */
export function clientSecretMatches(secret: string, given: string | undefined): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function secretHash(secret: string, username: string, clientId: string): string {
  return createHmac('sha256', secret).update(username + clientId).digest('base64');
}

/**
 * Checks SECRET_HASH for clients that have a secret. `usernames` are the names the caller
 * may have hashed (what it sent, and the canonical username), since AWS accepts either.
 * `kind` picks AWS's wording: sign-in calls say SECRET_HASH, the others say secret.
 */
export function checkSecretHash(
  clientId: string,
  secret: string | undefined,
  given: string | undefined,
  usernames: readonly string[],
  kind: 'auth' | 'other',
): void {
  if (secret === undefined) {
    if (given !== undefined && given !== '') throw invalidParameter(`Client ${clientId} is not configured for secret but secret hash was received`);
    return;
  }
  if (given === undefined || given === '') {
    throw notAuthorized(
      kind === 'auth' ? `Client ${clientId} is configured with secret but SECRET_HASH was not received` : `Client ${clientId} is configured for secret but secret was not received`,
    );
  }
  const got = Buffer.from(given, 'base64');
  for (const u of usernames) {
    const want = Buffer.from(secretHash(secret, u, clientId), 'base64');
    if (got.length === want.length && timingSafeEqual(got, want)) return;
  }
  throw notAuthorized(`Unable to verify secret hash for client ${clientId}`);
}
