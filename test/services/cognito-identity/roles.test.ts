import { describe, expect, it } from 'vitest';
import type { MappingRule, RoleMapping } from '../../../src/services/cognito-identity/api.generated.js';
import { resolveRole, ruleMatches, type AuthenticatedLogin } from '../../../src/services/cognito-identity/roles.js';

const AUTH = 'arn:aws:iam::000000000000:role/Auth';
const UNAUTH = 'arn:aws:iam::000000000000:role/Unauth';
const ADMIN = 'arn:aws:iam::000000000000:role/Admin';
const EDITOR = 'arn:aws:iam::000000000000:role/Editor';
const KEY = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc:client1';

function login(claims: Record<string, unknown>): AuthenticatedLogin {
  return { mappingKey: KEY, providerName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc', claims };
}

const roles = { authenticated: AUTH, unauthenticated: UNAUTH };

describe('role resolution: defaults', () => {
  it('gives a guest the unauthenticated role', () => {
    expect(resolveRole({ roles, roleMappings: {}, login: undefined })).toEqual({ kind: 'role', roleArn: UNAUTH, from: 'unauthenticated' });
  });

  it('has no role for a guest when the pool has no unauthenticated role', () => {
    expect(resolveRole({ roles: { authenticated: AUTH }, roleMappings: {}, login: undefined })).toEqual({ kind: 'no-role' });
  });

  it('gives a login without a role mapping the authenticated role', () => {
    expect(resolveRole({ roles, roleMappings: {}, login: login({}) })).toMatchObject({ roleArn: AUTH, from: 'authenticated' });
  });

  it('has no role for a login when the pool has no authenticated role', () => {
    expect(resolveRole({ roles: { unauthenticated: UNAUTH }, roleMappings: {}, login: login({}) })).toEqual({ kind: 'no-role' });
  });

  it('ignores a mapping for another provider', () => {
    const roleMappings: Record<string, RoleMapping> = { 'other.example': { Type: 'Token', AmbiguousRoleResolution: 'Deny' } };
    expect(resolveRole({ roles, roleMappings, login: login({}) })).toMatchObject({ roleArn: AUTH });
  });

  it('does not read inherited keys as mappings or roles', () => {
    expect(resolveRole({ roles: {}, roleMappings: {}, login: { ...login({}), mappingKey: 'constructor' } })).toEqual({ kind: 'no-role' });
  });
});

describe('role resolution: Token', () => {
  const token = (ambiguous: 'AuthenticatedRole' | 'Deny'): Record<string, RoleMapping> => ({ [KEY]: { Type: 'Token', AmbiguousRoleResolution: ambiguous } });

  it('takes cognito:preferred_role', () => {
    const d = resolveRole({ roles, roleMappings: token('Deny'), login: login({ 'cognito:roles': [ADMIN, EDITOR], 'cognito:preferred_role': EDITOR }) });
    expect(d).toEqual({ kind: 'role', roleArn: EDITOR, from: 'token' });
  });

  it('takes the only cognito:roles entry when there is no preferred role', () => {
    expect(resolveRole({ roles, roleMappings: token('Deny'), login: login({ 'cognito:roles': [ADMIN] }) })).toMatchObject({ roleArn: ADMIN, from: 'token' });
  });

  it('takes the CustomRoleArn the caller picked among cognito:roles, over the preferred role', () => {
    const d = resolveRole({ roles, roleMappings: token('Deny'), login: login({ 'cognito:roles': [ADMIN, EDITOR], 'cognito:preferred_role': EDITOR }), customRoleArn: ADMIN });
    expect(d).toMatchObject({ roleArn: ADMIN });
  });

  it('does not let CustomRoleArn pick a role the token does not carry', () => {
    const d = resolveRole({ roles, roleMappings: token('Deny'), login: login({ 'cognito:roles': [EDITOR], 'cognito:preferred_role': EDITOR }), customRoleArn: ADMIN });
    expect(d).toEqual({ kind: 'denied', providerName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc' });
  });

  it('is ambiguous with several roles and no preferred role: AuthenticatedRole falls back', () => {
    expect(resolveRole({ roles, roleMappings: token('AuthenticatedRole'), login: login({ 'cognito:roles': [ADMIN, EDITOR] }) })).toMatchObject({ roleArn: AUTH, from: 'authenticated' });
  });

  it('is ambiguous with several roles and no preferred role: Deny refuses', () => {
    expect(resolveRole({ roles, roleMappings: token('Deny'), login: login({ 'cognito:roles': [ADMIN, EDITOR] }) })).toMatchObject({ kind: 'denied' });
  });

  it('is ambiguous without any role claim', () => {
    expect(resolveRole({ roles, roleMappings: token('Deny'), login: login({}) })).toMatchObject({ kind: 'denied' });
    expect(resolveRole({ roles, roleMappings: token('AuthenticatedRole'), login: login({}) })).toMatchObject({ roleArn: AUTH });
  });

  it('falls back to nothing when AuthenticatedRole is asked for and the pool has none', () => {
    expect(resolveRole({ roles: {}, roleMappings: token('AuthenticatedRole'), login: login({}) })).toEqual({ kind: 'no-role' });
  });
});

describe('role resolution: Rules', () => {
  const rules = (list: MappingRule[], ambiguous: 'AuthenticatedRole' | 'Deny' = 'Deny'): Record<string, RoleMapping> => ({
    [KEY]: { Type: 'Rules', AmbiguousRoleResolution: ambiguous, RulesConfiguration: { Rules: list } },
  });

  it('takes the first rule that matches, in order', () => {
    const m = rules([
      { Claim: 'custom:dept', MatchType: 'Equals', Value: 'eng', RoleARN: EDITOR },
      { Claim: 'custom:dept', MatchType: 'StartsWith', Value: 'e', RoleARN: ADMIN },
    ]);
    expect(resolveRole({ roles, roleMappings: m, login: login({ 'custom:dept': 'eng' }) })).toEqual({ kind: 'role', roleArn: EDITOR, from: 'rules' });
    expect(resolveRole({ roles, roleMappings: m, login: login({ 'custom:dept': 'education' }) })).toMatchObject({ roleArn: ADMIN });
  });

  it('applies AmbiguousRoleResolution when no rule matches', () => {
    const list = [{ Claim: 'custom:dept', MatchType: 'Equals' as const, Value: 'eng', RoleARN: EDITOR }];
    expect(resolveRole({ roles, roleMappings: rules(list, 'Deny'), login: login({ 'custom:dept': 'ops' }) })).toMatchObject({ kind: 'denied' });
    expect(resolveRole({ roles, roleMappings: rules(list, 'AuthenticatedRole'), login: login({ 'custom:dept': 'ops' }) })).toMatchObject({ roleArn: AUTH });
  });

  it('ignores CustomRoleArn', () => {
    const list = [{ Claim: 'email_verified', MatchType: 'Equals' as const, Value: 'true', RoleARN: EDITOR }];
    expect(resolveRole({ roles, roleMappings: rules(list), login: login({ email_verified: true }), customRoleArn: ADMIN })).toMatchObject({ roleArn: EDITOR });
  });
});

describe('rule matching', () => {
  const rule = (MatchType: MappingRule['MatchType'], Value: string): MappingRule => ({ Claim: 'c', MatchType, Value, RoleARN: ADMIN });

  it('Equals, NotEqual, StartsWith and Contains on a string claim', () => {
    const claims = { c: 'paid-user' };
    expect(ruleMatches(claims, rule('Equals', 'paid-user'))).toBe(true);
    expect(ruleMatches(claims, rule('Equals', 'paid'))).toBe(false);
    expect(ruleMatches(claims, rule('NotEqual', 'free'))).toBe(true);
    expect(ruleMatches(claims, rule('NotEqual', 'paid-user'))).toBe(false);
    expect(ruleMatches(claims, rule('StartsWith', 'paid'))).toBe(true);
    expect(ruleMatches(claims, rule('StartsWith', 'user'))).toBe(false);
    expect(ruleMatches(claims, rule('Contains', 'd-u'))).toBe(true);
    expect(ruleMatches(claims, rule('Contains', 'x'))).toBe(false);
  });

  it('matches any member of a multi-valued claim (cognito:groups)', () => {
    const claims = { c: ['readers', 'admins'] };
    expect(ruleMatches(claims, rule('Equals', 'admins'))).toBe(true);
    expect(ruleMatches(claims, rule('Contains', 'min'))).toBe(true);
    expect(ruleMatches(claims, rule('NotEqual', 'admins'))).toBe(false);
    expect(ruleMatches(claims, rule('NotEqual', 'owners'))).toBe(true);
  });

  it('compares numbers and booleans as their text', () => {
    expect(ruleMatches({ c: true }, rule('Equals', 'true'))).toBe(true);
    expect(ruleMatches({ c: 42 }, rule('Equals', '42'))).toBe(true);
  });

  it('never matches a claim the token does not have, not even NotEqual', () => {
    expect(ruleMatches({}, rule('NotEqual', 'x'))).toBe(false);
    expect(ruleMatches({ c: null }, rule('NotEqual', 'x'))).toBe(false);
    expect(ruleMatches({ c: [] }, rule('NotEqual', 'x'))).toBe(false);
  });
});
