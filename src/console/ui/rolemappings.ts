/**
 * "Edit identity pool" → role mappings, per Cognito provider, in the AWS console's words:
 * "Authenticated role selection" is "Use default role" (no mapping), "Choose role with rules"
 * (rules of "Claim", "Match type", "Value" and "Role", tried in order, at most 25) or "Choose
 * role from token" (the user's groups' cognito:preferred_role); "Role resolution" says what
 * happens when nothing decides. Saved with one SetIdentityPoolRoles that keeps the pool's roles,
 * so cognito-identity's own validation (role ARNs, providers, lengths) is what the page shows.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, Saved, Select, attempt, message } from './kit.js';

type MatchType = 'Equals' | 'Contains' | 'StartsWith' | 'NotEqual';
interface Rule {
  Claim: string;
  MatchType: MatchType;
  Value: string;
  RoleARN: string;
}
interface RoleMapping {
  Type: 'Token' | 'Rules';
  AmbiguousRoleResolution: 'AuthenticatedRole' | 'Deny';
  RulesConfiguration?: { Rules: Rule[] };
}

/** SetIdentityPoolRoles accepts up to 25 rules per provider. */
export const MAX_RULES = 25;
const MATCH_TYPES: [MatchType, string][] = [['Equals', 'Equals'], ['Contains', 'Contains'], ['StartsWith', 'Starts with'], ['NotEqual', 'Not equal']];
const SELECTION: [string, string][] = [['default', 'Use default role'], ['Rules', 'Choose role with rules'], ['Token', 'Choose role from token']];
const RESOLUTION: [RoleMapping['AmbiguousRoleResolution'], string][] = [['AuthenticatedRole', 'Use default Authenticated role'], ['Deny', 'DENY']];

function emptyRule(): Rule {
  return { Claim: '', MatchType: 'Equals', Value: '', RoleARN: '' };
}

/** The mapping a new "Authenticated role selection" gives, keeping what still applies. */
function select(kind: string, was: RoleMapping | undefined, draft: Rule[] | undefined): RoleMapping | undefined {
  const AmbiguousRoleResolution = was?.AmbiguousRoleResolution ?? 'AuthenticatedRole';
  if (kind === 'Token') return { Type: 'Token', AmbiguousRoleResolution };
  if (kind === 'Rules') return { Type: 'Rules', AmbiguousRoleResolution, RulesConfiguration: { Rules: draft ?? was?.RulesConfiguration?.Rules ?? [emptyRule()] } };
  return undefined;
}

export function RoleMappings(p: { identityPoolId: string; providers: string[]; roles: Record<string, string> }) {
  const [mappings, setMappings] = useState<Record<string, RoleMapping>>();
  /** Rules set aside when the selection moves away from rules, so moving back restores them. */
  const [drafts, setDrafts] = useState<Record<string, Rule[]>>({});
  const [roleArns, setRoleArns] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ RoleMappings?: Record<string, RoleMapping> }>('cognito-identity', 'GetIdentityPoolRoles', { IdentityPoolId: p.identityPoolId }).then((o) => setMappings(o.RoleMappings ?? {}), (e) => setError(message(e)));
    call<{ Roles?: { Arn: string }[] }>('iam', 'ListRoles', { MaxItems: 1000 }).then((o) => setRoleArns((o.Roles ?? []).map((r) => r.Arn)), (e) => setError(message(e)));
  }, [p.identityPoolId]);
  if (mappings === undefined) return h(ErrorNote, { error });
  const set = (key: string, m: RoleMapping | undefined) => {
    setSaved(false);
    const next = { ...mappings };
    if (m === undefined) delete next[key];
    else next[key] = m;
    setMappings(next);
  };
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void attempt(setError, async () => {
      await call('cognito-identity', 'SetIdentityPoolRoles', { IdentityPoolId: p.identityPoolId, Roles: p.roles, RoleMappings: mappings });
      setSaved(true);
    });
  };
  return h(
    'form',
    { onSubmit: save, 'aria-label': 'Role mappings' },
    h('h3', null, 'Role mappings'),
    p.providers.length === 0 && h('p', null, 'No Cognito authentication provider.'),
    p.providers.map((key) => {
      const m = mappings[key];
      const changeKind = (kind: string) => {
        if (m?.Type === 'Rules' && m.RulesConfiguration !== undefined) setDrafts({ ...drafts, [key]: m.RulesConfiguration.Rules });
        set(key, select(kind, m, drafts[key]));
      };
      return h(
        'fieldset',
        { key },
        h('legend', null, `Cognito: ${key.split('/').pop() ?? key}`),
        h(Select, { label: 'Authenticated role selection', value: m?.Type ?? 'default', options: SELECTION, onChange: changeKind }),
        m?.Type === 'Rules' && h(Rules, { rules: m.RulesConfiguration?.Rules ?? [], roleArns, onChange: (rules) => set(key, { ...m, RulesConfiguration: { Rules: rules } }) }),
        m !== undefined && h(Select, { label: 'Role resolution', value: m.AmbiguousRoleResolution, options: RESOLUTION, onChange: (v) => set(key, { ...m, AmbiguousRoleResolution: v as RoleMapping['AmbiguousRoleResolution'] }) }),
      );
    }),
    h(ErrorNote, { error }),
    h(Saved, { show: saved, text: 'Role mappings saved.' }),
    p.providers.length > 0 && h('button', { type: 'submit' }, 'Save role mappings'),
  );
}

/** The rules of one provider, in the order they are tried; each names its role from ListRoles. */
function Rules(p: { rules: Rule[]; roleArns: string[]; onChange: (rules: Rule[]) => void }) {
  const update = (i: number, change: Partial<Rule>) => p.onChange(p.rules.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return h(
    'div',
    { class: 'rules' },
    h('p', { class: 'meta' }, 'Rules are tried in order; the first whose claim matches gives the role.'),
    p.rules.map((rule, i) => {
      // A role not (or no longer) listed stays selectable, so saving never silently drops it.
      const arns = rule.RoleARN !== '' && !p.roleArns.includes(rule.RoleARN) ? [rule.RoleARN, ...p.roleArns] : p.roleArns;
      return h(
        'fieldset',
        { key: i, class: 'rule' },
        h('legend', null, `Rule ${i + 1}`),
        h(Field, { label: 'Claim', value: rule.Claim, onInput: (v) => update(i, { Claim: v }), required: true }),
        h(Select, { label: 'Match type', value: rule.MatchType, options: MATCH_TYPES, onChange: (v) => update(i, { MatchType: v as MatchType }) }),
        h(Field, { label: 'Value', value: rule.Value, onInput: (v) => update(i, { Value: v }), required: true }),
        h(Select, { label: 'Role', value: rule.RoleARN, required: true, options: [['', 'Choose role'], ...arns.map((a): [string, string] => [a, a.slice(a.indexOf(':role/') + 6)])], onChange: (v) => update(i, { RoleARN: v }) }),
        p.rules.length > 1 && h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove rule ${i + 1}`, onClick: () => p.onChange(p.rules.filter((_, j) => j !== i)) }, 'Remove'),
      );
    }),
    h('button', { type: 'button', class: 'secondary', disabled: p.rules.length >= MAX_RULES, onClick: () => p.onChange([...p.rules, emptyRule()]) }, 'Add another rule'),
  );
}
