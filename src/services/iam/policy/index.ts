/**
 * The policy engine: compile a policy document once (`parsePolicy`, `PolicyCache`), evaluate
 * requests against compiled policies with AWS's logic (`evaluate`). Used by the IAM authorizer,
 * STS trust-policy checks, and anything else that needs a decision.
 * @module
 */
export { PolicyCache } from './cache.js';
export { Context, lowerKeys, type ContextKeys, type ContextValue } from './context.js';
export { PolicyDocumentError, type PolicyErrorReason } from './errors.js';
export { evaluate, type EvaluationInput, type RequestPrincipal } from './evaluate.js';
export { invalidPrincipalMessage, parsePolicy } from './parse.js';
export type { CompiledPolicy, ConditionContext, Decision, EvaluationResult, LabeledPolicy, PolicyKind, PolicyType } from './types.js';
