/**
 * The policy engine's data: a policy document compiled once into matchers, and the decision
 * the engine returns. Compiled forms hold no JSON and build no regular expressions at decision
 * time; everything a decision needs was prepared when the document was compiled.
 * @module
 */

/**
 * What kind of document is compiled, because AWS's grammar differs by kind: identity policies
 * must not name a principal, trust policies must name one and must not name a resource,
 * resource-based policies need both.
 */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'session';

export enum PartKind {
  Literal = 0,
  Star = 1,
  Question = 2,
  Variable = 3,
}

/** One piece of a pattern: literal text, `*`, `?`, or a `${key, 'default'}` variable. */
export interface Part {
  readonly kind: PartKind;
  /** Literal text (Literal); the lower-cased context key (Variable). */
  readonly text: string;
  /** The variable's default value, when it has one. */
  readonly fallback: string | undefined;
}

export enum MatcherKind {
  /** Matches everything (`*`). */
  Any = 0,
  /** Exact comparison with `text`. */
  Exact = 1,
  /** `text*`: a prefix. */
  Prefix = 2,
  /** Anything else: walk the parts. */
  Parts = 3,
}

/** A compiled wildcard pattern (Action, Resource, StringLike value, ARN component). */
export interface Matcher {
  readonly kind: MatcherKind;
  readonly text: string;
  readonly parts: readonly Part[];
  /** The pattern as written, for diagnostics. */
  readonly source: string;
}

/** Condition keys of one decision, looked up by lower-cased name (keys are case-insensitive). */
export interface ConditionContext {
  get(lowerKey: string): string | readonly string[] | undefined;
}

export interface CompiledCondition {
  /** The operator as written (`ForAnyValue:StringLike`), for diagnostics. */
  readonly operator: string;
  /** Lower-cased context key. */
  readonly key: string;
  test(ctx: ConditionContext): boolean;
}

/** Principals a resource-based or trust policy statement names. */
export interface CompiledPrincipal {
  /** `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers. */
  readonly everyone: boolean;
  /** AWS principal ARNs, normalized (account ids become `arn:aws:iam::<id>:root`). */
  readonly aws: readonly string[];
  readonly federated: readonly string[];
  readonly service: readonly string[];
  readonly canonicalUser: readonly string[];
}

export interface CompiledStatement {
  readonly sid: string | undefined;
  readonly index: number;
  readonly effect: 'Allow' | 'Deny';
  /** Action or NotAction patterns (lower-cased). */
  readonly actions: readonly Matcher[];
  readonly notAction: boolean;
  /** Resource or NotResource patterns; empty with `resourceAny` for trust policies. */
  readonly resources: readonly Matcher[];
  readonly notResource: boolean;
  /** True when the statement has no Resource element (trust policies). */
  readonly resourceAny: boolean;
  readonly principal: CompiledPrincipal | undefined;
  readonly notPrincipal: boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  readonly kind: PolicyKind;
  readonly version: '2008-10-17' | '2012-10-17';
  readonly statements: readonly CompiledStatement[];
  readonly hasDeny: boolean;
}

/** A compiled policy as attached somewhere, with the name a decision reports. */
export interface LabeledPolicy {
  /** Inline: `role/<RoleName>/<PolicyName>`; managed: its ARN; session: `session-policy`. */
  readonly label: string;
  readonly policy: CompiledPolicy;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** Which kind of policy made the decision (AWS's deny messages name it). */
export type PolicyType = 'identity-based' | 'resource-based' | 'session' | 'permissions boundary' | 'root';

export interface EvaluationResult {
  readonly decision: Decision;
  /** The deciding statement as `label#Sid` or `label[index]`; absent for implicit denies. */
  readonly statement: string | undefined;
  /** For denies: the policy type that denied (explicitly) or failed to allow (implicitly). */
  readonly policyType: PolicyType;
}
