/**
 * Checks beyond the model's constraints for pool settings and role assignments: role ARNs,
 * role-mapping keys that must name a provider the pool is configured with, and what each
 * role-mapping type requires.
 * @module
 */
import type { CognitoIdentityProvider, RoleMapping } from './api.generated.js';
import { invalidParameter, invalidRoleMappingProvider, roleForbidden } from './errors.js';
import { oidcLoginKey } from './logins.js';
import type { PoolProviders } from './repository.js';

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/;
/** "You can specify up to 25 rules per identity provider." */
const MAX_RULES = 25;

export function isRoleArn(value: string): boolean {
  return ROLE_ARN.test(value);
}

/** The keys a RoleMappings map may use for this pool's providers. */
export function roleMappingKeys(providers: PoolProviders): Set<string> {
  const keys = new Set<string>();
  for (const p of providers.cognitoIdentityProviders) if (p.ProviderName !== undefined && p.ClientId !== undefined) keys.add(`${p.ProviderName}:${p.ClientId}`);
  for (const arn of providers.openIdConnectProviderArns) {
    const k = oidcLoginKey(arn);
    if (k !== undefined) keys.add(k);
  }
  for (const arn of providers.samlProviderArns) {
    const m = /:saml-provider\/(.+)$/.exec(arn);
    if (m !== null) keys.add(arn);
  }
  for (const k of Object.keys(providers.supportedLoginProviders)) keys.add(k);
  return keys;
}

export function validateRoles(roles: Readonly<Record<string, string>>): void {
  for (const v of Object.values(roles)) if (!isRoleArn(v)) throw roleForbidden(v);
}

export function validateRoleMappings(mappings: Readonly<Record<string, RoleMapping>>, providers: PoolProviders): void {
  const allowed = roleMappingKeys(providers);
  for (const [key, m] of Object.entries(mappings)) {
    if (!allowed.has(key)) throw invalidRoleMappingProvider(key);
    if (m.AmbiguousRoleResolution === undefined) throw invalidParameter(`AmbiguousRoleResolution must be specified for the role mapping of ${key}.`);
    if (m.Type === 'Rules') {
      const rules = m.RulesConfiguration?.Rules;
      if (rules === undefined) throw invalidParameter(`RulesConfiguration must be specified for the Rules role mapping of ${key}.`);
      if (rules.length > MAX_RULES) throw invalidParameter(`A role mapping can have at most ${MAX_RULES} rules; ${key} has ${rules.length}.`);
      for (const r of rules) if (!isRoleArn(r.RoleARN)) throw roleForbidden(r.RoleARN);
    }
  }
}

/** Normalizes the providers part of a Create/UpdateIdentityPool input. */
export function providersFrom(input: {
  SupportedLoginProviders?: Record<string, string>;
  CognitoIdentityProviders?: CognitoIdentityProvider[];
  OpenIdConnectProviderARNs?: string[];
  SamlProviderARNs?: string[];
}): PoolProviders {
  const supported = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(input.SupportedLoginProviders ?? {})) supported[k] = v;
  for (const arn of input.OpenIdConnectProviderARNs ?? []) {
    if (oidcLoginKey(arn) === undefined) throw invalidParameter(`Invalid OpenIdConnectProviderARN: ${arn}`);
  }
  return {
    supportedLoginProviders: supported,
    cognitoIdentityProviders: (input.CognitoIdentityProviders ?? []).map((p) => ({
      ...(p.ProviderName === undefined ? {} : { ProviderName: p.ProviderName }),
      ...(p.ClientId === undefined ? {} : { ClientId: p.ClientId }),
      ServerSideTokenCheck: p.ServerSideTokenCheck ?? false,
    })),
    openIdConnectProviderArns: [...(input.OpenIdConnectProviderARNs ?? [])],
    samlProviderArns: [...(input.SamlProviderARNs ?? [])],
  };
}
