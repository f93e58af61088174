/**
 * Input validation from the model's constraints, with AWS's wording: "1 validation error
 * detected: Value 'x' at 'userPoolId' failed to satisfy constraint: Member must …". Wrong
 * JSON types are a SerializationException, as AWS's JSON services answer.
 * @module
 */
import { ServiceError } from '../errors.js';
import type { Shape, ShapeRef, ServiceModel } from './model.js';

interface Matcher {
  test(value: string): boolean;
}

const patterns = new Map<string, Matcher>();

function compile(pattern: string): Matcher {
  let m = patterns.get(pattern);
  if (m === undefined) {
    m = templateMatcher(pattern) ?? wholeStringRegExp(pattern);
    patterns.set(pattern, m);
  }
  return m;
}

/** Java's matches() is a whole-string match. */
function wholeStringRegExp(pattern: string): RegExp {
  let src = pattern;
  let flags = 'u';
  if (src.startsWith('(?s)')) {
    src = src.slice(4);
    flags += 's';
  }
  try {
    return new RegExp(`^(?:${src})$`, flags);
  } catch {
    return new RegExp(`^(?:${src})$`, flags.replace('u', ''));
  }
}

/** `C*|+` `literal` `C*|+` [`literal` `C*|+`], C one character class: e-mail and message-template patterns. */
const TEMPLATE = /^(\[[^\]]+\])([*+])((?:\\[{}]|[^\\[\]*+?(){}|.])+)\1([*+])(?:((?:\\[{}]|[^\\[\]*+?(){}|.])+)\1([*+]))?$/u;

/**
 * Some of Cognito's patterns backtrack badly: `[…]*\{##[…]*##\}[…]*` (message templates) is
 * cubic — a 6,000-character message took seconds, one at the 20,000 maximum minutes — and
 * `[…]+@[…]+` (e-mail addresses, no maximum) quadratic, with the event loop blocked. When
 * the literals' characters are in the class, such a pattern means "only class characters,
 * with the literals in order and at least one character wherever `+` stands", which is
 * checked in linear time by taking each literal's first possible place.
 */
function templateMatcher(pattern: string): Matcher | undefined {
  const t = TEMPLATE.exec(pattern);
  if (t === null) return undefined;
  const chars = new RegExp(`^${t[1]!}*$`, 'u');
  const least = (q: string | undefined): number => (q === '+' ? 1 : 0);
  const literals = [t[3]!, t[5]].filter((l) => l !== undefined).map((l) => l.replace(/\\/g, ''));
  const gaps = [least(t[2]), least(t[4]), ...(t[5] === undefined ? [] : [least(t[6])])];
  if (!literals.every((l) => chars.test(l))) return undefined;
  return {
    test(value) {
      if (!chars.test(value)) return false;
      let from = gaps[0]!;
      for (let i = 0; i < literals.length; i++) {
        const at = value.indexOf(literals[i]!, from);
        if (at < 0) return false;
        from = at + literals[i]!.length + gaps[i + 1]!;
      }
      return from <= value.length;
    },
  };
}

export interface ValidationOptions {
  /** The service's code for constraint violations (InvalidParameterException, ValidationError, …). */
  errorCode: string;
  /** Check JSON value types (JSON protocols); Query inputs arrive already coerced. */
  checkTypes: boolean;
}

class TypeMismatch extends Error {}

/** The message lists this many violations at most (and counts them all). */
const MAX_LISTED = 100;

/**
 * Every violation is counted but only the first `MAX_LISTED` are spelled out: a 1 MB list of
 * bad items (SignUp is unsigned) otherwise came back as a 25 MB message.
 */
class Violations {
  count = 0;
  readonly listed: string[] = [];

  push(message: string): void {
    this.count++;
    if (this.listed.length < MAX_LISTED) this.listed.push(message);
  }
}

/**
 * Validates `input` against the operation's input shape; throws the service's validation
 * error listing every violation, as AWS does.
 */
export function validateInput(model: ServiceModel, shapeName: string | undefined, input: unknown, opts: ValidationOptions): void {
  if (shapeName === undefined) return;
  const errors = new Violations();
  try {
    visitStructure(model, model.shapes[shapeName]!, input ?? {}, '', errors, opts.checkTypes);
  } catch (err) {
    if (err instanceof TypeMismatch) throw new ServiceError('SerializationException', err.message, 400);
    throw err;
  }
  if (errors.count > 0) {
    const n = errors.count;
    throw new ServiceError(opts.errorCode, `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.listed.join('; ')}`, 400);
  }
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

function describe(value: unknown, shape: Shape): string {
  if (shape.sensitive) return 'Value';
  if (value === null || value === undefined) return 'Value null';
  if (typeof value === 'string') return `Value '${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `Value '${String(value)}'`;
  return `Value '${JSON.stringify(value)}'`;
}

function visitStructure(model: ServiceModel, shape: Shape, value: unknown, path: string, errors: Violations, checkTypes: boolean): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (checkTypes) throw new TypeMismatch('Start of structure or map found where not expected.');
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const req of shape.required ?? []) {
    if (obj[req] === undefined || obj[req] === null) {
      errors.push(`Value null at '${join(path, lowerFirst(req))}' failed to satisfy constraint: Member must not be null`);
    }
  }
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = obj[name];
    if (v === undefined || v === null) continue;
    visit(model, ref, v, join(path, lowerFirst(name)), errors, checkTypes);
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function visit(model: ServiceModel, ref: ShapeRef, value: unknown, path: string, errors: Violations, checkTypes: boolean): void {
  const shape = model.shapes[ref.shape]!;
  const fail = (constraint: string): void => {
    errors.push(`${describe(value, shape)} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  };
  switch (shape.type) {
    case 'structure':
      visitStructure(model, shape, value, path, errors, checkTypes);
      return;
    case 'list': {
      if (!Array.isArray(value)) {
        if (checkTypes) throw new TypeMismatch('Start of list found where not expected');
        return;
      }
      lengthChecks(shape, value.length, fail);
      value.forEach((item, i) => {
        if (item === null || item === undefined) return;
        visit(model, shape.member!, item, `${path}.${i + 1}.member`, errors, checkTypes);
      });
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        if (checkTypes) throw new TypeMismatch('Start of structure or map found where not expected.');
        return;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      lengthChecks(shape, entries.length, fail);
      for (const [k, v] of entries) {
        visit(model, shape.key!, k, `${path}.${k}.key`, errors, checkTypes);
        if (v !== null && v !== undefined) visit(model, shape.value!, v, `${path}.${k}.value`, errors, checkTypes);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        if (checkTypes) throw new TypeMismatch(`${typeName(value)} can not be converted to a String`);
        return;
      }
      // AWS counts length in UTF-16 code units for most services, as Java does.
      lengthChecks(shape, value.length, fail);
      // A value already over its maximum is not matched as well: some of AWS's patterns
      // (`.*\{####\}.*`) backtrack quadratically, and a 1 MB body would block for minutes.
      const tooLong = shape.max !== undefined && value.length > shape.max;
      if (shape.pattern !== undefined && !tooLong && !compile(shape.pattern).test(value)) {
        fail(`satisfy regular expression pattern: ${shape.pattern}`);
      }
      if (shape.enum !== undefined && !shape.enum.includes(value)) {
        fail(`satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      return;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        if (checkTypes) throw new TypeMismatch(`${typeName(value)} can not be converted to an ${shape.type === 'long' ? 'Long' : shape.type === 'integer' ? 'Integer' : 'Double'}`);
        return;
      }
      if ((shape.type === 'integer' || shape.type === 'long') && !Number.isInteger(value)) {
        if (checkTypes) throw new TypeMismatch('NUMBER_VALUE can not be converted to an Integer');
        return;
      }
      if (shape.min !== undefined && value < shape.min) fail(`have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) fail(`have value less than or equal to ${shape.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean' && checkTypes) throw new TypeMismatch(`${typeName(value)} can not be converted to a Boolean`);
      return;
    case 'timestamp':
      if (checkTypes && typeof value !== 'number' && typeof value !== 'string') {
        throw new TypeMismatch(`${typeName(value)} can not be converted to a Timestamp`);
      }
      return;
    case 'blob':
      if (checkTypes && typeof value !== 'string') throw new TypeMismatch(`${typeName(value)} can not be converted to a Blob`);
      return;
  }
}

function lengthChecks(shape: Shape, length: number, fail: (c: string) => void): void {
  if (shape.min !== undefined && length < shape.min) fail(`have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) fail(`have length less than or equal to ${shape.max}`);
}

function typeName(v: unknown): string {
  if (typeof v === 'string') return 'STRING_VALUE';
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}
