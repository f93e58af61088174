/**
 * Wildcard matching with AWS's case rules: actions are case-insensitive (`S3:getobject`
 * matches `s3:GetObject`), resources and condition values are case-sensitive. `*` matches
 * any run of characters including none and `/`; `?` matches exactly one character.
 *
 * Patterns are compiled once into a Matcher with a fast path for the common shapes (`*`,
 * an exact string, `prefix*`); the general case walks the parts with the classic
 * last-star backtracking, which is linear for realistic patterns and allocates nothing.
 * @module
 */
import { MatcherKind, PartKind, type ConditionContext, type Matcher, type Part } from './types.js';
import { resolveVariable, toParts } from './variables.js';

/**
 * Compiles a pattern. `lowerCase` folds the pattern for case-insensitive use (the subject
 * must then be lower-cased by the caller, once per decision).
 */
export function compileMatcher(source: string, opts: { variables: boolean; lowerCase?: boolean; wildcards?: boolean }): Matcher {
  const text = opts.lowerCase ? source.toLowerCase() : source;
  const parts = toParts(text, { wildcards: opts.wildcards ?? true, variables: opts.variables });
  if (parts.length === 1 && parts[0]!.kind === PartKind.Star) return { kind: MatcherKind.Any, text: '', parts, source };
  if (parts.length === 0) return { kind: MatcherKind.Exact, text: '', parts, source };
  if (parts.length === 1 && parts[0]!.kind === PartKind.Literal) return { kind: MatcherKind.Exact, text: parts[0]!.text, parts, source };
  if (parts.length === 2 && parts[0]!.kind === PartKind.Literal && parts[1]!.kind === PartKind.Star) {
    return { kind: MatcherKind.Prefix, text: parts[0]!.text, parts, source };
  }
  return { kind: MatcherKind.Parts, text: '', parts, source };
}

/** Whether `subject` matches; variables are looked up in `ctx`. */
export function matches(m: Matcher, subject: string, ctx?: ConditionContext): boolean {
  switch (m.kind) {
    case MatcherKind.Any:
      return true;
    case MatcherKind.Exact:
      return subject === m.text;
    case MatcherKind.Prefix:
      return subject.startsWith(m.text);
    default:
      return matchParts(m.parts, subject, ctx);
  }
}

/** Like `matches`, folding the subject's case for a pattern compiled with `lowerCase`. */
export function matchesIgnoreCase(m: Matcher, subject: string, ctx?: ConditionContext): boolean {
  return matches(m, subject.toLowerCase(), ctx);
}

function partText(part: Part, ctx: ConditionContext | undefined): string | undefined {
  return part.kind === PartKind.Literal ? part.text : resolveVariable(part, ctx);
}

/**
 * Glob matching over parts. On a mismatch the scan resumes one character past where the most
 * recent `*` last started; earlier stars never need revisiting, so this stays linear-ish.
 */
export function matchParts(parts: readonly Part[], subject: string, ctx: ConditionContext | undefined): boolean {
  const n = parts.length;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < subject.length) {
    if (p < n) {
      const part = parts[p]!;
      if (part.kind === PartKind.Star) {
        starP = p++;
        starT = t;
        continue;
      }
      if (part.kind === PartKind.Question) {
        p++;
        t++;
        continue;
      }
      const text = partText(part, ctx);
      if (text === undefined) return false;
      if (subject.startsWith(text, t)) {
        p++;
        t += text.length;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    t = ++starT;
  }
  for (; p < n; p++) {
    const part = parts[p]!;
    if (part.kind === PartKind.Star) continue;
    if (part.kind === PartKind.Question) return false;
    const text = partText(part, ctx);
    if (text === undefined || text.length > 0) return false;
  }
  return true;
}

/** An ARN split into its six colon-separated components (the resource keeps its colons). */
export function splitArn(arn: string): string[] | undefined {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const c = arn.indexOf(':', from);
    if (c < 0) return undefined;
    out.push(arn.slice(from, c));
    from = c + 1;
  }
  out.push(arn.slice(from));
  return out;
}

/** ArnEquals/ArnLike: each of the six components is matched separately, with wildcards. */
export interface ArnMatcher {
  readonly components: readonly Matcher[] | undefined;
  /** A pattern that is not ARN-shaped (e.g. `*`) is matched whole. */
  readonly whole: Matcher;
}

export function compileArnMatcher(source: string, variables: boolean): ArnMatcher {
  const comps = splitArn(source);
  return {
    components: comps === undefined ? undefined : comps.map((c) => compileMatcher(c, { variables })),
    whole: compileMatcher(source, { variables }),
  };
}

export function matchesArn(m: ArnMatcher, value: string, ctx: ConditionContext | undefined): boolean {
  if (m.components === undefined) return matches(m.whole, value, ctx);
  const comps = splitArn(value);
  if (comps === undefined) return false;
  for (let i = 0; i < 6; i++) if (!matches(m.components[i]!, comps[i]!, ctx)) return false;
  return true;
}
