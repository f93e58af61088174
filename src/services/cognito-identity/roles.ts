/**
 * Which IAM role an identity gets: the pool's unauthenticated role for guests; for a login,
 * the role mapping set for its provider (Token: `cognito:preferred_role`, or the one
 * `cognito:roles` entry, or the `CustomRoleArn` the caller picked among them; Rules: the first
 * rule whose claim matches), falling back per `AmbiguousRoleResolution`, else the pool's
 * authenticated role. Pure: no I/O, so every branch is unit-tested.
 * @module
 */
import type { MappingRule, RoleMapping } from './api.generated.js';
import type { Claims } from './ports.js';

export interface AuthenticatedLogin {
  /** Role-mapping key: `cognito-idp.<region>.amazonaws.com/<pool>:<client id>`, an OIDC host, … */
  mappingKey: string;
  /** The login's provider name as AWS names it in the Deny message. */
  providerName: string;
  claims: Claims;
}

export interface RoleRequest {
  roles: Readonly<Record<string, string>>;
  roleMappings: Readonly<Record<string, RoleMapping>>;
  /** Undefined for a guest (unauthenticated) identity. */
  login: AuthenticatedLogin | undefined;
  customRoleArn?: string | undefined;
}

export type RoleDecision =
  | { kind: 'role'; roleArn: string; from: 'unauthenticated' | 'authenticated' | 'token' | 'rules' }
  /** No role to assume: InvalidIdentityPoolConfigurationException. */
  | { kind: 'no-role' }
  /** AmbiguousRoleResolution = Deny: NotAuthorizedException naming the provider. */
  | { kind: 'denied'; providerName: string };

export function resolveRole(req: RoleRequest): RoleDecision {
  if (req.login === undefined) {
    const arn = own(req.roles, 'unauthenticated');
    return arn === undefined ? { kind: 'no-role' } : { kind: 'role', roleArn: arn, from: 'unauthenticated' };
  }
  const mapping = own(req.roleMappings, req.login.mappingKey);
  if (mapping !== undefined) {
    const picked = mapping.Type === 'Token' ? fromToken(req.login.claims, req.customRoleArn) : fromRules(req.login.claims, mapping.RulesConfiguration?.Rules ?? []);
    if (picked !== undefined) return { kind: 'role', roleArn: picked, from: mapping.Type === 'Token' ? 'token' : 'rules' };
    if (mapping.AmbiguousRoleResolution !== 'AuthenticatedRole') return { kind: 'denied', providerName: req.login.providerName };
  }
  const arn = own(req.roles, 'authenticated');
  return arn === undefined ? { kind: 'no-role' } : { kind: 'role', roleArn: arn, from: 'authenticated' };
}

function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Claim values as strings; a multi-valued claim (an array) is each of its members. */
function claimValues(claims: Claims, name: string): string[] | undefined {
  if (!Object.hasOwn(claims, name)) return undefined;
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  const out: string[] = [];
  for (const x of list) {
    if (typeof x === 'string') out.push(x);
    else if (typeof x === 'number' || typeof x === 'boolean') out.push(String(x));
  }
  return out;
}

function fromToken(claims: Claims, customRoleArn: string | undefined): string | undefined {
  const roles = claimValues(claims, 'cognito:roles') ?? [];
  if (customRoleArn !== undefined) return roles.includes(customRoleArn) ? customRoleArn : undefined;
  const preferred = claimValues(claims, 'cognito:preferred_role');
  if (preferred !== undefined && preferred.length === 1) return preferred[0];
  return roles.length === 1 ? roles[0] : undefined;
}

/** Rules are evaluated in order; the first that matches names the role. */
function fromRules(claims: Claims, rules: readonly MappingRule[]): string | undefined {
  for (const rule of rules) if (ruleMatches(claims, rule)) return rule.RoleARN;
  return undefined;
}

export function ruleMatches(claims: Claims, rule: MappingRule): boolean {
  const values = claimValues(claims, rule.Claim);
  if (values === undefined || values.length === 0) return false;
  switch (rule.MatchType) {
    case 'Equals':
      return values.includes(rule.Value);
    case 'NotEqual':
      return !values.includes(rule.Value);
    case 'StartsWith':
      return values.some((v) => v.startsWith(rule.Value));
    case 'Contains':
      return values.some((v) => v.includes(rule.Value));
    default:
      return false;
  }
}
