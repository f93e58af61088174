/**
 * Condition operators, compiled once per policy: String*, Numeric*, Date*, Bool, BinaryEquals,
 * IpAddress/NotIpAddress (IPv4 and IPv6 CIDR), Arn*, Null, each with `…IfExists`, and the set
 * qualifiers ForAnyValue:/ForAllValues: for multi-valued keys (Cognito's `amr`, tag keys).
 *
 * AWS's semantics, in one place: values listed for one key are OR'd; keys in one operator and
 * operators in one block are AND'd (the caller ANDs the compiled conditions). A negated
 * operator (StringNotEquals, NotIpAddress, …) is true when the request value matches none of
 * the policy's values, and true when the key is absent; a positive operator is false when the
 * key is absent; `IfExists` makes an absent key true; ForAllValues is true for an absent or
 * empty key, ForAnyValue false.
 * @module
 */
import { compileArnMatcher, compileMatcher, matches, matchesArn, type ArnMatcher } from './match.js';
import { PolicyDocumentError } from './errors.js';
import { PartKind, type CompiledCondition, type ConditionContext, type Matcher, type Part } from './types.js';
import { substitute, toParts } from './variables.js';
import { parseCidr, parseIp, inCidr, type Cidr } from './ip.js';

type ValueTest = (value: string, ctx: ConditionContext) => boolean;

interface OperatorSpec {
  negated: boolean;
  /** Builds the positive test for one request value against all of the policy's values. */
  build(values: readonly string[], variables: boolean): ValueTest;
}

function stringEquals(values: readonly string[], variables: boolean, ignoreCase: boolean): ValueTest {
  const parts: Part[][] = values.map((v) => toParts(v, { wildcards: false, variables }));
  const plain = parts.every((p) => p.length <= 1 && (p.length === 0 || p[0]!.kind === PartKind.Literal));
  if (plain) {
    const set = values.map((v) => (ignoreCase ? v.toLowerCase() : v));
    if (ignoreCase) return (value) => set.includes(value.toLowerCase());
    return (value) => set.includes(value);
  }
  return (value, ctx) => {
    const subject = ignoreCase ? value.toLowerCase() : value;
    for (const p of parts) {
      const s = substitute(p, ctx);
      if (s !== undefined && (ignoreCase ? s.toLowerCase() : s) === subject) return true;
    }
    return false;
  };
}

function stringLike(values: readonly string[], variables: boolean): ValueTest {
  const ms: Matcher[] = values.map((v) => compileMatcher(v, { variables }));
  return (value, ctx) => {
    for (const m of ms) if (matches(m, value, ctx)) return true;
    return false;
  };
}

function toNumber(s: string): number {
  return s.trim() === '' ? NaN : Number(s);
}

function numeric(cmp: (a: number, b: number) => boolean): OperatorSpec['build'] {
  return (values) => {
    const nums = values.map(toNumber);
    return (value) => {
      const v = toNumber(value);
      if (Number.isNaN(v)) return false;
      for (const n of nums) if (cmp(v, n)) return true;
      return false;
    };
  };
}

const EPOCH = /^-?\d+$/;
const ISO_DATE = /^(-?\d{1,9})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[tT](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(\.\d{1,9})?)?)?)?([zZ]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch seconds or ISO 8601 (date, or date and time with optional zone) → ms; NaN if neither. */
export function parseDate(s: string): number {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO_DATE.exec(s);
  if (m === null) return NaN;
  const [, y, mo = '1', d = '1', h = '0', mi = '0', sec = '0', frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), frac === undefined ? 0 : Math.floor(Number(frac) * 1000));
  if (zone !== undefined && zone !== 'z' && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return ms;
}

function date(cmp: (a: number, b: number) => boolean): OperatorSpec['build'] {
  return (values) => {
    const times = values.map((v) => {
      const t = parseDate(v);
      if (Number.isNaN(t)) throw new PolicyDocumentError('The policy failed legacy parsing', 'legacy');
      return t;
    });
    return (value) => {
      const v = parseDate(value);
      if (Number.isNaN(v)) return false;
      for (const t of times) if (cmp(v, t)) return true;
      return false;
    };
  };
}

function ipAddress(values: readonly string[]): ValueTest {
  const cidrs: Cidr[] = values.map((v) => {
    const c = parseCidr(v);
    if (c === undefined) throw new PolicyDocumentError('The policy failed legacy parsing', 'legacy');
    return c;
  });
  return (value) => {
    const ip = parseIp(value);
    if (ip === undefined) return false;
    for (const c of cidrs) if (inCidr(ip, c)) return true;
    return false;
  };
}

function arn(values: readonly string[], variables: boolean): ValueTest {
  const ms: ArnMatcher[] = values.map((v) => compileArnMatcher(v, variables));
  return (value, ctx) => {
    for (const m of ms) if (matchesArn(m, value, ctx)) return true;
    return false;
  };
}

function bool(values: readonly string[]): ValueTest {
  const set = values.map((v) => v.toLowerCase());
  return (value) => set.includes(value.toLowerCase());
}

const eq = (a: number, b: number): boolean => a === b;
const lt = (a: number, b: number): boolean => a < b;
const le = (a: number, b: number): boolean => a <= b;
const gt = (a: number, b: number): boolean => a > b;
const ge = (a: number, b: number): boolean => a >= b;

const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map<string, OperatorSpec>([
  ['StringEquals', { negated: false, build: (v, x) => stringEquals(v, x, false) }],
  ['StringNotEquals', { negated: true, build: (v, x) => stringEquals(v, x, false) }],
  ['StringEqualsIgnoreCase', { negated: false, build: (v, x) => stringEquals(v, x, true) }],
  ['StringNotEqualsIgnoreCase', { negated: true, build: (v, x) => stringEquals(v, x, true) }],
  ['StringLike', { negated: false, build: stringLike }],
  ['StringNotLike', { negated: true, build: stringLike }],
  ['NumericEquals', { negated: false, build: numeric(eq) }],
  ['NumericNotEquals', { negated: true, build: numeric(eq) }],
  ['NumericLessThan', { negated: false, build: numeric(lt) }],
  ['NumericLessThanEquals', { negated: false, build: numeric(le) }],
  ['NumericGreaterThan', { negated: false, build: numeric(gt) }],
  ['NumericGreaterThanEquals', { negated: false, build: numeric(ge) }],
  ['DateEquals', { negated: false, build: date(eq) }],
  ['DateNotEquals', { negated: true, build: date(eq) }],
  ['DateLessThan', { negated: false, build: date(lt) }],
  ['DateLessThanEquals', { negated: false, build: date(le) }],
  ['DateGreaterThan', { negated: false, build: date(gt) }],
  ['DateGreaterThanEquals', { negated: false, build: date(ge) }],
  ['Bool', { negated: false, build: bool }],
  ['BinaryEquals', { negated: false, build: (v) => (value) => v.includes(value) }],
  ['IpAddress', { negated: false, build: ipAddress }],
  ['NotIpAddress', { negated: true, build: ipAddress }],
  ['ArnEquals', { negated: false, build: arn }],
  ['ArnLike', { negated: false, build: arn }],
  ['ArnNotEquals', { negated: true, build: arn }],
  ['ArnNotLike', { negated: true, build: arn }],
]);

export interface ParsedOperator {
  set: 'ForAnyValue' | 'ForAllValues' | undefined;
  base: string;
  ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its qualifier, base operator and suffix. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator['set'];
  if (rest.startsWith('ForAnyValue:')) {
    set = 'ForAnyValue';
    rest = rest.slice(12);
  } else if (rest.startsWith('ForAllValues:')) {
    set = 'ForAllValues';
    rest = rest.slice(13);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -8);
  }
  if (rest !== 'Null' && !OPERATORS.has(rest)) return undefined;
  // Null has no IfExists form.
  if (rest === 'Null' && ifExists) return undefined;
  return { set, base: rest, ifExists };
}

export function isKnownOperator(name: string): boolean {
  return parseOperator(name) !== undefined;
}

/** Compiles one operator/key pair; throws PolicyDocumentError for values AWS refuses. */
export function compileCondition(operator: string, key: string, values: readonly string[], variables: boolean): CompiledCondition {
  const op = parseOperator(operator)!;
  const lowerKey = key.toLowerCase();
  if (op.base === 'Null') {
    const wantAbsent = values.map((v) => v.toLowerCase() === 'true');
    return {
      operator,
      key: lowerKey,
      test(ctx) {
        const v = ctx.get(lowerKey);
        const absent = v === undefined || (typeof v !== 'string' && v.length === 0);
        for (const w of wantAbsent) if (w === absent) return true;
        return false;
      },
    };
  }
  const spec = OPERATORS.get(op.base)!;
  const positive = spec.build(values, variables);
  const negated = spec.negated;
  const one = negated ? (x: string, ctx: ConditionContext) => !positive(x, ctx) : positive;
  const set = op.set;
  const ifExists = op.ifExists;
  return {
    operator,
    key: lowerKey,
    test(ctx) {
      const v = ctx.get(lowerKey);
      if (v === undefined) {
        if (ifExists) return true;
        if (set === 'ForAllValues') return true;
        if (set === 'ForAnyValue') return false;
        return negated;
      }
      if (typeof v === 'string') return one(v, ctx);
      if (v.length === 0) {
        if (ifExists || set === 'ForAllValues') return true;
        return set === undefined ? negated : false;
      }
      if (set === 'ForAllValues') {
        for (const x of v) if (!one(x, ctx)) return false;
        return true;
      }
      if (set === 'ForAnyValue' || !negated) {
        for (const x of v) if (one(x, ctx)) return true;
        return false;
      }
      // A negated operator without a qualifier on a multi-valued key: none may match.
      for (const x of v) if (positive(x, ctx)) return false;
      return true;
    },
  };
}
