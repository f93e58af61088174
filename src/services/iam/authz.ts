/**
 * The Authorizer every service asks: IAM's stored policies through the policy engine. A role
 * session's permissions are its role's inline and attached managed policies (and permissions
 * boundary), intersected with the session's own policies; resource-based policies come with
 * the request. Compiled permissions are cached per role and dropped when IAM changes them, so
 * a decision normally touches no database and parses nothing. Every deny is logged with the
 * statement that decided it (AWS never says; we do).
 * @module
 */
import type { Logger } from '../../log.js';
import type { AssumedRolePrincipal, Principal } from '../../principal.js';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from './authorizer.js';
import { DenialLog } from './denials.js';
import type { IamDirectory } from './directory.js';
import { Context, evaluate, lowerKeys, PolicyDocumentError, type ContextValue, type EvaluationResult, type LabeledPolicy, type RequestPrincipal } from './policy/index.js';

interface RolePermissions {
  roleId: string;
  roleArn: string;
  identity: LabeledPolicy[];
  boundary: LabeledPolicy | undefined;
  /** `aws:principaltag/<key>` from the role's tags (lower-cased keys). */
  tags: Map<string, string>;
}

interface SessionEntry {
  generation: number;
  keys: Map<string, ContextValue>;
  session: LabeledPolicy[] | undefined;
  requestPrincipal: RequestPrincipal;
}

/** A decision request as STS makes it, with compiled resource policies (a trust policy). */
export interface DecideRequest {
  principal: Principal | undefined;
  /** With no principal: a web identity from this Federated provider (AssumeRoleWithWebIdentity). */
  federated?: string;
  /** With no principal: an AWS service principal (see AuthorizationRequest.service). */
  service?: string;
  action: string;
  resource: string;
  context: Readonly<Record<string, ContextValue>>;
  resourcePolicies?: readonly LabeledPolicy[] | undefined;
  requireResourceAllow?: boolean;
}

export class IamAuthorizer implements Authorizer {
  readonly #roles = new Map<string, RolePermissions | null>();
  readonly #sessions = new WeakMap<AssumedRolePrincipal, SessionEntry>();
  readonly #rootKeys = new Map<string, Map<string, ContextValue>>();
  #generation = 0;
  #generationStarted = Date.now();
  /** The recent denies, for the console's "Access decisions" (this node's only). */
  readonly denials = new DenialLog();

  /**
   * `maxAgeMs`: on a shared store other nodes' IAM writes reach this process as change notices
   * (IamDirectory.onChange); should one be lost (a node dying between its commit and its
   * notice), what is cached is still dropped this often — within IAM's own eventual
   * consistency, as AWS documents it for changes to roles and policies.
   */
  constructor(
    private readonly iam: IamDirectory,
    private readonly log: Logger,
    private readonly maxAgeMs = Infinity,
  ) {
    iam.onChange(() => this.#startOver());
  }

  /** Any IAM write may change what a cached role or session is allowed: start over. */
  #startOver(): void {
    this.#generation++;
    this.#generationStarted = Date.now();
    this.#roles.clear();
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const resourcePolicies = request.resourcePolicies?.map((doc, i) => this.#resourcePolicy(doc, i));
    const decide: DecideRequest = { principal: request.principal, action: request.action, resource: request.resource, context: request.context, resourcePolicies, ...(request.service === undefined ? {} : { service: request.service }), ...(request.service !== undefined || request.requireResourceAllow === true ? { requireResourceAllow: true } : {}) };
    const toDecision = (r: EvaluationResult): AuthorizationDecision =>
      r.statement === undefined ? { decision: r.decision, policyType: r.policyType } : { decision: r.decision, decidedBy: r.statement, policyType: r.policyType };
    // The hot path: everything cached, no await.
    const fast = this.#decideCached(decide);
    if (fast !== undefined) return Promise.resolve(toDecision(this.#logged(decide, fast)));
    return this.decide(decide).then(toDecision);
  }

  /** Evaluates with compiled resource policies (a trust policy, for STS); logs denies. */
  async decide(request: DecideRequest): Promise<EvaluationResult> {
    const cached = this.#decideCached(request);
    if (cached !== undefined) return this.#logged(request, cached);
    const p = request.principal as AssumedRolePrincipal;
    const perms = await this.#role(p.roleName);
    const entry = await this.#session(p, perms);
    return this.#logged(request, this.#evaluateSession(request, p, entry, perms));
  }

  #decideCached(request: DecideRequest): EvaluationResult | undefined {
    // Not hearing other nodes' changes (their notices' connection is down): trust nothing compiled.
    if (!this.iam.live || (this.maxAgeMs !== Infinity && Date.now() - this.#generationStarted >= this.maxAgeMs)) this.#startOver();
    const p = request.principal;
    if (p === undefined || p.kind === 'root') {
      const principal: RequestPrincipal =
        p !== undefined
          ? { kind: 'root', accountId: p.accountId, arn: p.arn }
          : request.federated !== undefined
            ? { kind: 'federated', provider: request.federated }
            : request.service !== undefined
              ? { kind: 'service', service: request.service }
              : { kind: 'anonymous' };
      return evaluate({
        action: request.action,
        resource: request.resource,
        context: new Context(request.context, p === undefined ? undefined : this.#rootContext(p.accountId, p.arn)),
        principal,
        identity: [],
        resourcePolicies: request.resourcePolicies,
        requireResourceAllow: request.requireResourceAllow ?? false,
      });
    }
    const entry = this.#sessions.get(p);
    if (entry === undefined || entry.generation !== this.#generation) return undefined;
    const perms = this.#roles.get(p.roleName.toLowerCase());
    if (perms === undefined) return undefined;
    return this.#evaluateSession(request, p, entry, perms ?? undefined);
  }

  #evaluateSession(request: DecideRequest, p: AssumedRolePrincipal, entry: SessionEntry, perms: RolePermissions | undefined): EvaluationResult {
    // A role deleted (or deleted and re-created) since the session began grants nothing.
    const current = perms !== undefined && perms.roleId === p.roleId ? perms : undefined;
    return evaluate({
      action: request.action,
      resource: request.resource,
      context: new Context(request.context, entry.keys),
      principal: entry.requestPrincipal,
      identity: current?.identity ?? [],
      boundary: current?.boundary,
      session: entry.session,
      resourcePolicies: request.resourcePolicies,
      requireResourceAllow: request.requireResourceAllow ?? false,
    });
  }

  #logged(request: DecideRequest, result: EvaluationResult): EvaluationResult {
    if (result.decision !== 'Allow') {
      const denial = {
        principal: request.principal?.arn ?? (request.federated !== undefined ? `federated:${request.federated}` : request.service !== undefined ? `service:${request.service}` : 'anonymous'),
        action: request.action,
        resource: request.resource,
        decision: result.decision,
        decidedBy: result.statement ?? `(implicit deny: no ${result.policyType}${result.policyType === 'permissions boundary' ? '' : ' policy'} allows it)`,
        policyType: result.policyType,
      };
      this.log.info(denial, 'policy deny');
      // An anonymous request's implicit deny is often not the outcome (a public-read ACL may still
      // grant it): the page lists what a signed-in or federated caller was refused.
      if (request.principal !== undefined || request.federated !== undefined || result.decision === 'ExplicitDeny') this.denials.add({ time: new Date().toISOString(), ...denial });
    }
    return result;
  }

  #resourcePolicy(doc: string, index: number): LabeledPolicy {
    try {
      return { label: `resource-policy[${index}]`, policy: this.iam.policies.compile(doc, 'resource') };
    } catch (err) {
      if (err instanceof PolicyDocumentError) {
        // A stored resource policy that no longer validates grants nothing; say so once per document.
        this.log.warn({ err: err.message, index }, 'ignoring an invalid resource-based policy');
        return { label: `resource-policy[${index}]`, policy: { kind: 'resource', version: '2012-10-17', statements: [], hasDeny: false } };
      }
      throw err;
    }
  }

  #rootContext(accountId: string, arn: string): Map<string, ContextValue> {
    let m = this.#rootKeys.get(arn);
    if (m === undefined) {
      m = lowerKeys({ 'aws:userid': accountId, 'aws:PrincipalArn': arn, 'aws:PrincipalAccount': accountId, 'aws:PrincipalType': 'Account', 'aws:PrincipalIsAWSService': 'false' });
      this.#rootKeys.set(arn, m);
    }
    return m;
  }

  async #role(name: string): Promise<RolePermissions | undefined> {
    const key = name.toLowerCase();
    const hit = this.#roles.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const generation = this.#generation;
    const loaded = await this.#loadRole(name);
    if (generation === this.#generation) this.#roles.set(key, loaded ?? null);
    return loaded;
  }

  async #loadRole(name: string): Promise<RolePermissions | undefined> {
    const role = await this.iam.role(name);
    if (role === undefined) return undefined;
    const identity: LabeledPolicy[] = [];
    for (const r of await this.iam.repo.listRolePolicies(role.roleId)) {
      const policy = this.#compileStored(r.document, `role/${role.name}/${r.name}`);
      if (policy !== undefined) identity.push(policy);
    }
    for (const arn of await this.iam.repo.attachedArns(role.roleId)) {
      const m = await this.iam.managedPolicy(arn);
      const policy = m === undefined ? undefined : this.#compileStored(m.document, arn);
      if (policy !== undefined) identity.push(policy);
    }
    let boundary: LabeledPolicy | undefined;
    if (role.boundaryArn !== undefined) {
      const m = await this.iam.managedPolicy(role.boundaryArn);
      // A boundary that no longer exists allows nothing (an empty boundary).
      boundary = (m === undefined ? undefined : this.#compileStored(m.document, role.boundaryArn)) ?? { label: role.boundaryArn, policy: { kind: 'identity', version: '2012-10-17', statements: [], hasDeny: false } };
    }
    const tags = new Map(role.tags.map((t) => [`aws:principaltag/${t.Key.toLowerCase()}`, t.Value]));
    return { roleId: role.roleId, roleArn: role.arn, identity, boundary, tags };
  }

  #compileStored(document: string, label: string): LabeledPolicy | undefined {
    try {
      return { label, policy: this.iam.policies.compile(document, 'identity') };
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
      this.log.warn({ label, err: err.message }, 'ignoring a stored policy that does not compile');
      return undefined;
    }
  }

  /** Principal-derived condition keys and compiled session policies, once per session object. */
  async #session(p: AssumedRolePrincipal, perms: RolePermissions | undefined): Promise<SessionEntry> {
    const cached = this.#sessions.get(p);
    if (cached !== undefined && cached.generation === this.#generation) return cached;
    const generation = this.#generation;
    const keys = new Map<string, ContextValue>();
    if (perms !== undefined && perms.roleId === p.roleId) for (const [k, v] of perms.tags) keys.set(k, v);
    const base: Record<string, string> = {
      'aws:userid': p.userId,
      'aws:PrincipalArn': p.roleArn,
      'aws:PrincipalAccount': p.accountId,
      'aws:PrincipalType': 'AssumedRole',
      'aws:PrincipalIsAWSService': 'false',
      'aws:MultiFactorAuthPresent': 'false',
    };
    if (p.sourceIdentity !== undefined) base['aws:SourceIdentity'] = p.sourceIdentity;
    for (const [k, v] of lowerKeys(base)) keys.set(k, v);
    for (const [k, v] of lowerKeys(p.contextKeys)) keys.set(k, v);

    let session: LabeledPolicy[] | undefined;
    if (p.sessionPolicy !== undefined || (p.sessionPolicyArns?.length ?? 0) > 0) {
      session = [];
      if (p.sessionPolicy !== undefined) {
        try {
          session.push({ label: 'session-policy', policy: this.iam.policies.compile(p.sessionPolicy, 'session') });
        } catch (err) {
          if (!(err instanceof PolicyDocumentError)) throw err;
        }
      }
      for (const arn of p.sessionPolicyArns ?? []) {
        const m = await this.iam.managedPolicy(arn);
        const compiled = m === undefined ? undefined : this.#compileStored(m.document, arn);
        if (compiled !== undefined) session.push(compiled);
      }
    }
    const entry: SessionEntry = {
      generation,
      keys,
      session,
      requestPrincipal: { kind: 'assumed-role', accountId: p.accountId, arn: p.arn, roleArn: p.roleArn },
    };
    if (generation === this.#generation) this.#sessions.set(p, entry);
    return entry;
  }
}
