/**
 * AWS's policy evaluation logic for requests within one account:
 *
 * 1. An explicit Deny in any applicable policy (identity-based, permissions boundary, session,
 *    resource-based) decides: ExplicitDeny.
 * 2. The root user is allowed everything else (except assuming a role its trust policy does
 *    not allow).
 * 3. A resource-based policy that names the caller's session ARN (or everyone, `*`) allows on
 *    its own, unlimited by the caller's identity policies, boundary or session policies.
 * 4. Otherwise an identity-based policy must allow, or a resource-based policy that names the
 *    caller's role ARN; a resource-based policy that names only the account delegates to the
 *    account's identity policies and grants nothing by itself.
 * 5. That allow is then limited by the permissions boundary and by session policies: each, when
 *    present, must allow too, or the result is an ImplicitDeny naming the one that did not.
 *
 * A NotPrincipal statement applies to every caller it does not exempt; exempting a role session
 * takes its session ARN, its role ARN and its account, as AWS checks each in turn.
 *
 * Role assumption (`requireResourceAllow`) additionally needs the trust policy to allow: a
 * trust policy that names the caller (or `*`) suffices; one that names only the account needs
 * the caller's identity policies to allow `sts:AssumeRole` on the role as well.
 *
 * Nothing here parses JSON or builds a regular expression; evaluation walks compiled
 * statements and stops early once a Deny is impossible.
 * @module
 */
import { matches } from './match.js';
import type { CompiledPrincipal, CompiledStatement, ConditionContext, EvaluationResult, LabeledPolicy, PolicyType } from './types.js';

/** Who is asking, as resource-based and trust policies match principals. */
export interface RequestPrincipal {
  kind: 'root' | 'assumed-role' | 'federated' | 'service' | 'anonymous';
  accountId?: string;
  /** Root: `arn:aws:iam::<acct>:root`; role session: `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn?: string;
  /** The role behind a role session (`arn:aws:iam::<acct>:role/<path><name>`). */
  roleArn?: string;
  /** Web-identity callers: the Federated principal (`cognito-identity.amazonaws.com`, an OIDC provider ARN). */
  provider?: string;
  /** An AWS service acting on its own (`cognito-idp.amazonaws.com` invoking a trigger): the Service principal. */
  service?: string;
}

export interface EvaluationInput {
  /** `service:Action`; matched case-insensitively. */
  action: string;
  resource: string;
  context: ConditionContext;
  principal: RequestPrincipal;
  identity: readonly LabeledPolicy[];
  boundary?: LabeledPolicy | undefined;
  /** Present when the session was given session policies; they must allow too. */
  session?: readonly LabeledPolicy[] | undefined;
  resourcePolicies?: readonly LabeledPolicy[] | undefined;
  /** Role assumption: the trust policy (passed as a resource policy) must allow. */
  requireResourceAllow?: boolean;
}

const enum Via {
  None = 0,
  Everyone = 1,
  Self = 2,
  Role = 3,
  Account = 4,
}

function principalVia(p: CompiledPrincipal, rp: RequestPrincipal): Via {
  if (p.everyone) return Via.Everyone;
  switch (rp.kind) {
    case 'anonymous':
      return Via.None;
    case 'federated':
      return rp.provider !== undefined && p.federated.includes(rp.provider) ? Via.Self : Via.None;
    case 'service':
      return rp.service !== undefined && p.service.includes(rp.service) ? Via.Self : Via.None;
    case 'root':
      return rp.arn !== undefined && p.aws.includes(rp.arn) ? Via.Account : Via.None;
    default:
      if (rp.arn !== undefined && p.aws.includes(rp.arn)) return Via.Self;
      if (rp.roleArn !== undefined && p.aws.includes(rp.roleArn)) return Via.Role;
      if (rp.accountId !== undefined && p.aws.includes(`arn:aws:iam::${rp.accountId}:root`)) return Via.Account;
      return Via.None;
  }
}

/**
 * Whether a NotPrincipal element exempts the caller. AWS checks each identity a request carries
 * in turn (the account, then the role, then the role session), so a caller is exempt only when
 * every one of them is listed: a role session needs its session ARN, its role ARN and its
 * account. And a NotPrincipal with Deny never exempts a principal that has a permissions
 * boundary, whatever it lists (IAM User Guide, "Permissions boundaries for IAM entities").
 */
function exemptByNotPrincipal(p: CompiledPrincipal, rp: RequestPrincipal, hasBoundary: boolean): boolean {
  if (p.everyone) return true;
  switch (rp.kind) {
    case 'anonymous':
      return false;
    case 'federated':
      return rp.provider !== undefined && p.federated.includes(rp.provider);
    case 'service':
      return rp.service !== undefined && p.service.includes(rp.service);
    case 'root':
      return rp.arn !== undefined && p.aws.includes(rp.arn);
    default:
      return (
        !hasBoundary &&
        rp.accountId !== undefined &&
        p.aws.includes(`arn:aws:iam::${rp.accountId}:root`) &&
        rp.roleArn !== undefined &&
        p.aws.includes(rp.roleArn) &&
        rp.arn !== undefined &&
        p.aws.includes(rp.arn)
      );
  }
}

function applies(st: CompiledStatement, action: string, resource: string, ctx: ConditionContext): boolean {
  let hit = false;
  const actions = st.actions;
  for (let i = 0; i < actions.length; i++) {
    if (matches(actions[i]!, action)) {
      hit = true;
      break;
    }
  }
  if (hit === st.notAction) return false;
  if (!st.resourceAny) {
    hit = false;
    const resources = st.resources;
    for (let i = 0; i < resources.length; i++) {
      if (matches(resources[i]!, resource, ctx)) {
        hit = true;
        break;
      }
    }
    if (hit === st.notResource) return false;
  }
  const conds = st.conditions;
  for (let i = 0; i < conds.length; i++) if (!conds[i]!.test(ctx)) return false;
  return true;
}

interface Hit {
  policy: LabeledPolicy;
  statement: CompiledStatement;
}

function statementLabel(h: Hit): string {
  return h.statement.sid !== undefined ? `${h.policy.label}#${h.statement.sid}` : `${h.policy.label}[${h.statement.index}]`;
}

class Scan {
  deny: Hit | undefined;
  denyType: PolicyType = 'identity-based';

  /** First Allow among `policies`, recording any Deny; stops early when no Deny can follow. */
  allow(policies: readonly LabeledPolicy[], type: PolicyType, action: string, resource: string, ctx: ConditionContext): Hit | undefined {
    let found: Hit | undefined;
    for (let p = 0; p < policies.length; p++) {
      const policy = policies[p]!;
      const sts = policy.policy.statements;
      for (let i = 0; i < sts.length; i++) {
        const st = sts[i]!;
        if (found !== undefined && (st.effect === 'Allow' || !policy.policy.hasDeny)) continue;
        if (!applies(st, action, resource, ctx)) continue;
        if (st.effect === 'Deny') {
          this.deny = { policy, statement: st };
          this.denyType = type;
          return found;
        }
        found ??= { policy, statement: st };
        if (!policy.policy.hasDeny) break;
      }
    }
    return found;
  }
}

const IMPLICIT = (policyType: PolicyType): EvaluationResult => ({ decision: 'ImplicitDeny', statement: undefined, policyType });

export function evaluate(input: EvaluationInput): EvaluationResult {
  const action = input.action.toLowerCase();
  const { resource, context: ctx, principal } = input;
  const scan = new Scan();

  // Resource-based policies: each Allow is classified by how it names the caller.
  let direct: Hit | undefined;
  let viaRole: Hit | undefined;
  let viaAccount: Hit | undefined;
  for (const policy of input.resourcePolicies ?? []) {
    for (const st of policy.policy.statements) {
      if (st.principal === undefined) continue;
      const via = st.notPrincipal
        ? exemptByNotPrincipal(st.principal, principal, input.boundary !== undefined) ? Via.None : Via.Everyone
        : principalVia(st.principal, principal);
      if (via === Via.None || !applies(st, action, resource, ctx)) continue;
      if (st.effect === 'Deny') return { decision: 'ExplicitDeny', statement: statementLabel({ policy, statement: st }), policyType: 'resource-based' };
      if (via === Via.Everyone || via === Via.Self) direct ??= { policy, statement: st };
      else if (via === Via.Role) viaRole ??= { policy, statement: st };
      else viaAccount ??= { policy, statement: st };
    }
  }

  const identityAllow = principal.kind === 'assumed-role' ? scan.allow(input.identity, 'identity-based', action, resource, ctx) : undefined;
  const boundaryAllow = input.boundary !== undefined && scan.deny === undefined ? scan.allow([input.boundary], 'permissions boundary', action, resource, ctx) : undefined;
  const sessionAllow = input.session !== undefined && scan.deny === undefined ? scan.allow(input.session, 'session', action, resource, ctx) : undefined;
  if (scan.deny !== undefined) return { decision: 'ExplicitDeny', statement: statementLabel(scan.deny), policyType: scan.denyType };

  if (input.requireResourceAllow && direct === undefined && viaRole === undefined && viaAccount === undefined) return IMPLICIT('resource-based');
  if (principal.kind === 'root') {
    if (input.requireResourceAllow && viaAccount === undefined && direct === undefined) return IMPLICIT('resource-based');
    return { decision: 'Allow', statement: 'root user', policyType: 'root' };
  }
  if (direct !== undefined) return { decision: 'Allow', statement: statementLabel(direct), policyType: 'resource-based' };

  const grant = identityAllow ?? viaRole;
  if (grant === undefined) return IMPLICIT('identity-based');
  if (input.boundary !== undefined && boundaryAllow === undefined) return IMPLICIT('permissions boundary');
  if (input.session !== undefined && sessionAllow === undefined) return IMPLICIT('session');
  return { decision: 'Allow', statement: statementLabel(grant), policyType: identityAllow !== undefined ? 'identity-based' : 'resource-based' };
}
