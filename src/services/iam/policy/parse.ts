/**
 * JSON policy document → validated, compiled policy. Validation follows AWS's order and
 * wording (IAM's MalformedPolicyDocument messages): JSON and grammar ("Syntax errors in
 * policy."), elements the policy kind forbids ("Policy document should not specify a
 * principal.", "Has prohibited field Resource"), version, legacy parsing (dates, ARN shapes),
 * unique Sids, actions, resources, ARN formats, action vendors, principals.
 * @module
 */
import { compileCondition, isKnownOperator } from './conditions.js';
import { PolicyDocumentError } from './errors.js';
import { compileMatcher } from './match.js';
import type { CompiledPolicy, CompiledPrincipal, CompiledStatement, PolicyKind } from './types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const SYNTAX = 'Syntax errors in policy.';
const TOP = new Set(['Version', 'Id', 'Statement']);
const ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);
const IAM_RESOURCE_PREFIXES = ['user/', 'federated-user/', 'role/', 'group/', 'instance-profile/', 'mfa/', 'server-certificate/', 'policy/', 'sms-mfa/', 'saml-provider/', 'oidc-provider/', 'report/', 'access-report/'];

function fail(message: string, reason: PolicyDocumentError['reason']): never {
  throw new PolicyDocumentError(message, reason);
}

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringOrStrings(v: Json | undefined): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

function strings(v: Json | undefined): string[] {
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : (v as string[]);
}

/** Grammar: shapes and element names, before any meaning is checked. */
function checkSyntax(doc: Json): Obj[] {
  if (!isObj(doc)) fail(SYNTAX, 'syntax');
  for (const k of Object.keys(doc)) if (!TOP.has(k)) fail(SYNTAX, 'syntax');
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') fail(SYNTAX, 'syntax');
  if (doc.Id !== undefined && typeof doc.Id !== 'string') fail(SYNTAX, 'syntax');
  const raw = doc.Statement;
  const statements = isObj(raw) ? [raw] : Array.isArray(raw) ? raw : fail(SYNTAX, 'syntax');
  if (statements.length === 0) fail(SYNTAX, 'syntax');
  for (const s of statements) {
    if (!isObj(s)) fail(SYNTAX, 'syntax');
    for (const k of Object.keys(s)) if (!ELEMENTS.has(k)) fail(SYNTAX, 'syntax');
    if ('Action' in s && 'NotAction' in s) fail(SYNTAX, 'syntax');
    if ('Resource' in s && 'NotResource' in s) fail(SYNTAX, 'syntax');
    if ('Principal' in s && 'NotPrincipal' in s) fail(SYNTAX, 'syntax');
    if (typeof s.Effect !== 'string' || !/^(allow|deny)$/i.test(s.Effect)) fail(SYNTAX, 'syntax');
    for (const k of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      if (k in s && !isStringOrStrings(s[k])) fail(SYNTAX, 'syntax');
    }
    for (const k of ['Principal', 'NotPrincipal']) {
      if (!(k in s)) continue;
      const p = s[k];
      if (p === '*') continue;
      if (!isObj(p)) fail(SYNTAX, 'syntax');
      for (const [t, v] of Object.entries(p)) if (!PRINCIPAL_TYPES.has(t) || !isStringOrStrings(v)) fail(SYNTAX, 'syntax');
    }
    if ('Condition' in s) {
      if (!isObj(s.Condition)) fail(SYNTAX, 'syntax');
      for (const [op, block] of Object.entries(s.Condition)) {
        if (!isObj(block)) fail(SYNTAX, 'syntax');
        for (const v of Object.values(block)) {
          const ok = (x: Json): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
          if (!(ok(v) || (Array.isArray(v) && v.every(ok)))) fail(SYNTAX, 'syntax');
        }
        if (!isKnownOperator(op) && Object.keys(block).length > 0) fail(SYNTAX, 'syntax');
      }
    }
    if ('Sid' in s && typeof s.Sid !== 'string') fail(SYNTAX, 'syntax');
  }
  return statements as Obj[];
}

/** AWS's checks of a resource ARN's shape; returns the message for the first problem. */
function resourceFormatError(r: string): string | undefined {
  if (r === '*') return undefined;
  const c1 = r.indexOf(':');
  if (c1 < 0) return `Resource ${r} must be in ARN format or "*".`;
  const rest = r.slice(c1 + 1);
  const c2 = rest.indexOf(':');
  const partition = c2 < 0 ? rest : rest.slice(0, c2);
  const rest2 = c2 < 0 ? '' : rest.slice(c2 + 1);
  if (!/^aws(-[a-z]+)*$/.test(partition)) {
    const rem = rest2.split(':');
    const a1 = rem[0] !== '' || rem.length > 1 ? rem[0] : '*';
    const a2 = rem.length > 1 ? rem[1] : '*';
    const a3 = rem.length > 2 ? rem[2] : '*';
    const a4 = rem.length > 3 ? rem.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${a1}:${a2}:${a3}:${a4}".`;
  }
  if (c2 < 0) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const c3 = rest2.indexOf(':');
  const service = c3 < 0 ? rest2 : rest2.slice(0, c3);
  const rest3 = c3 < 0 ? '' : rest2.slice(c3 + 1);
  if (service === 'iam' && !rest3.startsWith(':')) return `IAM resource ${r} cannot contain region information.`;
  if (service === 's3' && !rest3.startsWith(':')) return `Resource ${r} can not contain region information.`;
  if (service === 'iam') {
    const afterRegion = rest3.slice(rest3.indexOf(':') + 1);
    const c5 = afterRegion.indexOf(':');
    const resource = c5 < 0 ? '' : afterRegion.slice(c5 + 1);
    if (resource !== '*' && !IAM_RESOURCE_PREFIXES.some((p) => resource.startsWith(p))) {
      return `IAM resource path must either be "*" or start with ${IAM_RESOURCE_PREFIXES.join(', ')}.`;
    }
  }
  return undefined;
}

/** The pre-2012 parser's checks that AWS still applies, reported as "failed legacy parsing". */
function legacyResourceOk(r: string): boolean {
  if (r === '*') return true;
  const parts = r.split(':');
  if (parts.length < 6 && r.includes('::')) return false;
  return parts.length > 2 && parts[2] !== '';
}

function checkActionName(a: string): void {
  const parts = a.split(':');
  if (parts.length === 1 && parts[0] !== '*') fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.', 'action-invalid');
  if (parts.length > 2) fail('Actions/Condition can contain only one colon.', 'action-invalid');
  if (parts[0] !== '*' && /[^a-zA-Z0-9\-.]/.test(parts[0]!)) fail(`Vendor ${parts[0]} is not valid`, 'action-invalid');
}

const ACCOUNT = /^\d{12}$/;
const AWS_PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:(iam|sts)::\d{12}:\S+$/;

/** AWS's message naming a principal it refuses, e.g. `Invalid principal in policy: "AWS":"x"`. */
export function invalidPrincipalMessage(type: string, value: string): string {
  return `Invalid principal in policy: "${type}":"${value}"`;
}

function compilePrincipal(p: Json | undefined, validate: boolean): CompiledPrincipal {
  if (p === '*') return { everyone: true, aws: [], federated: [], service: [], canonicalUser: [] };
  const o = p as Obj;
  const aws = strings(o.AWS);
  for (const [type, v] of Object.entries(o)) {
    for (const value of strings(v)) {
      const ok =
        type === 'AWS' ? value === '*' || ACCOUNT.test(value) || AWS_PRINCIPAL_ARN.test(value) : value.length > 0 && !/\s/.test(value);
      if (validate && !ok) fail(invalidPrincipalMessage(type, value), 'principal-invalid');
    }
  }
  return {
    everyone: aws.includes('*'),
    aws: aws.filter((a) => a !== '*').map((a) => (ACCOUNT.test(a) ? `arn:aws:iam::${a}:root` : a)),
    federated: strings(o.Federated),
    service: strings(o.Service),
    canonicalUser: strings(o.CanonicalUser),
  };
}

/** Validates and compiles a policy document; throws PolicyDocumentError with AWS's message. */
export function parsePolicy(document: string, kind: PolicyKind): CompiledPolicy {
  let doc: Json;
  try {
    doc = JSON.parse(document) as Json;
  } catch {
    fail(SYNTAX, 'json');
  }
  const statements = checkSyntax(doc);
  const top = doc as Obj;

  for (const s of statements) {
    if ((kind === 'identity' || kind === 'session') && ('Principal' in s || 'NotPrincipal' in s)) {
      fail('Policy document should not specify a principal.', 'principal-prohibited');
    }
    if (kind === 'trust') {
      if ('Resource' in s) fail('Has prohibited field Resource', 'resource-prohibited');
      if ('NotResource' in s) fail('Has prohibited field NotResource', 'resource-prohibited');
    }
  }
  if (kind === 'identity' && top.Version !== '2012-10-17') fail('Policy document must be version 2012-10-17 or greater.', 'version');
  const version = top.Version === '2012-10-17' ? '2012-10-17' : '2008-10-17';
  const variables = version === '2012-10-17';

  // Legacy parsing and ARN formats: the first format problem is reported after the checks below.
  let resourceError: string | undefined;
  const compiledConditions = statements.map((s) => {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail('The policy failed legacy parsing', 'legacy');
    for (const key of ['Resource', 'NotResource']) {
      if (!(key in s)) continue;
      const list = [...strings(s[key])].sort().reverse();
      for (const r of list) resourceError ??= resourceFormatError(r);
      if (resourceError === undefined) for (const r of list) if (!legacyResourceOk(r)) fail('The policy failed legacy parsing', 'legacy');
    }
    return compileConditions(s, variables);
  });

  const sids = new Set<string>();
  for (const s of statements) {
    const sid = s.Sid as string | undefined;
    if (sid === undefined || sid === '') continue;
    if (sids.has(sid)) fail('Statement IDs (SID) in a single policy must be unique.', 'sid-duplicate');
    sids.add(sid);
  }
  for (const s of statements) {
    if (strings(s.Action ?? s.NotAction).length === 0) fail('Policy statement must contain actions.', 'action-missing');
  }
  if (kind !== 'trust') {
    for (const s of statements) if (strings(s.Resource ?? s.NotResource).length === 0) fail('Policy statement must contain resources.', 'resource-missing');
  }
  if (resourceError !== undefined) fail(resourceError, 'resource-invalid');
  for (const s of statements) for (const a of strings(s.Action ?? s.NotAction)) checkActionName(a);
  if (kind === 'trust' || kind === 'resource') {
    for (const s of statements) if (!('Principal' in s) && !('NotPrincipal' in s)) fail('Missing required field Principal', 'principal-missing');
  }

  const compiled: CompiledStatement[] = statements.map((s, index) => {
    const principalJson = s.Principal ?? s.NotPrincipal;
    return {
      sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
      index,
      effect: s.Effect as 'Allow' | 'Deny',
      actions: strings(s.Action ?? s.NotAction).map((a) => compileMatcher(a, { variables: false, lowerCase: true })),
      notAction: 'NotAction' in s,
      resources: strings(s.Resource ?? s.NotResource).map((r) => compileMatcher(r, { variables })),
      notResource: 'NotResource' in s,
      resourceAny: !('Resource' in s) && !('NotResource' in s),
      principal: principalJson === undefined ? undefined : compilePrincipal(principalJson, kind === 'trust' || kind === 'resource'),
      notPrincipal: 'NotPrincipal' in s,
      conditions: compiledConditions[index]!,
    };
  });
  return { kind, version, statements: compiled, hasDeny: compiled.some((s) => s.effect === 'Deny') };
}

function compileConditions(s: Obj, variables: boolean): CompiledStatement['conditions'] {
  if (!isObj(s.Condition)) return [];
  const out: CompiledStatement['conditions'][number][] = [];
  for (const [op, block] of Object.entries(s.Condition)) {
    for (const [key, v] of Object.entries(block as Obj)) {
      const values = (Array.isArray(v) ? v : [v]).map((x) => String(x));
      out.push(compileCondition(op, key, values, variables));
    }
  }
  return out;
}
