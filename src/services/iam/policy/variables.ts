/**
 * Policy variables (`${aws:username}`, `${cognito-identity.amazonaws.com:sub}`, defaults as
 * `${aws:PrincipalTag/team, 'none'}`, and the escapes `${*}`, `${?}`, `${$}`) and wildcards,
 * split once into parts so that a decision only looks values up and compares text.
 *
 * AWS's rules: variables exist only in policies of Version 2012-10-17 (in older policies
 * `${…}` is literal text); a variable's value is inserted literally (a `*` in a user name is
 * not a wildcard); a variable whose key is absent and has no default makes the element not
 * match; multi-valued keys cannot be substituted.
 * @module
 */
import { PartKind, type ConditionContext, type Part } from './types.js';

export interface PartOptions {
  /** `*` and `?` are wildcards (Action, Resource, StringLike, ArnLike). */
  wildcards: boolean;
  /** `${…}` is a variable (Version 2012-10-17, in elements that allow variables). */
  variables: boolean;
}

function literal(text: string): Part {
  return { kind: PartKind.Literal, text, fallback: undefined };
}

const STAR: Part = { kind: PartKind.Star, text: '*', fallback: undefined };
const QUESTION: Part = { kind: PartKind.Question, text: '?', fallback: undefined };

const VARIABLE = /^\s*([^,}'\s][^,}']*?)\s*(?:,\s*'([^']*)'\s*)?$/;

/** Splits a pattern into literal runs, wildcards and variables. */
export function toParts(source: string, opts: PartOptions): Part[] {
  const parts: Part[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push(literal(text));
    text = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (opts.variables && c === '$' && source[i + 1] === '{') {
      const end = source.indexOf('}', i + 2);
      if (end > 0) {
        const body = source.slice(i + 2, end);
        if (body === '*' || body === '?' || body === '$') {
          text += body;
          i = end;
          continue;
        }
        const m = VARIABLE.exec(body);
        if (m !== null) {
          flush();
          parts.push({ kind: PartKind.Variable, text: m[1]!.toLowerCase(), fallback: m[2] });
          i = end;
          continue;
        }
      }
    }
    if (opts.wildcards && c === '*') {
      flush();
      // Consecutive stars match the same as one.
      if (parts.at(-1)?.kind !== PartKind.Star) parts.push(STAR);
      continue;
    }
    if (opts.wildcards && c === '?') {
      flush();
      parts.push(QUESTION);
      continue;
    }
    text += c;
  }
  flush();
  return parts;
}

export function hasVariables(parts: readonly Part[]): boolean {
  for (const p of parts) if (p.kind === PartKind.Variable) return true;
  return false;
}

/** A variable's value for this decision, or undefined when it cannot be substituted. */
export function resolveVariable(part: Part, ctx: ConditionContext | undefined): string | undefined {
  const v = ctx?.get(part.text);
  if (typeof v === 'string') return v;
  return part.fallback;
}

/**
 * Substitutes variables in a pattern without wildcards, giving the literal text, or
 * undefined when a variable has no value.
 */
export function substitute(parts: readonly Part[], ctx: ConditionContext | undefined): string | undefined {
  if (parts.length === 1 && parts[0]!.kind === PartKind.Literal) return parts[0]!.text;
  let out = '';
  for (const p of parts) {
    if (p.kind === PartKind.Variable) {
      const v = resolveVariable(p, ctx);
      if (v === undefined) return undefined;
      out += v;
    } else {
      out += p.text;
    }
  }
  return out;
}
