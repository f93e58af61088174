/**
 * Role sessions: the checks AWS makes before issuing temporary credentials (the role exists and
 * its trust policy allows the caller; DurationSeconds within the role's maximum and the 1-hour
 * role-chaining limit; session policies valid and small enough), and issuing them.
 *
 * `assumeRoleWithWebIdentity` is also the internal interface Cognito Identity builds on: it
 * evaluates the role's trust policy for a web identity that has already been verified, with
 * the provider's condition keys (`<provider>:aud`, `:sub`, `:amr`), and issues credentials
 * whose session carries those keys, so `${cognito-identity.amazonaws.com:sub}` works in S3
 * policies.
 * @module
 */
import { deflateRawSync } from 'node:zlib';
import { ServiceError } from '../../errors.js';
import type { Principal } from '../../principal.js';
import type { IamAuthorizer, IamDirectory, RoleRecord } from '../iam/index.js';
import { assumedRoleArn, parseRoleArn, wholeSeconds } from '../iam/ids.js';
import { PolicyDocumentError, type LabeledPolicy } from '../iam/policy/index.js';
import type { IssuedCredentials, SessionClaims, SessionTokens } from './tokens.js';

export interface Tag {
  Key: string;
  Value: string;
}

/** What a session request asks for, however it arrived (AssumeRole, web identity). */
export interface SessionRequest {
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number | undefined;
  /** Inline session policy (JSON). */
  policy?: string | undefined;
  /** Managed session policies. */
  policyArns?: readonly string[] | undefined;
  sourceIdentity?: string | undefined;
  tags?: readonly Tag[] | undefined;
}

export interface IssuedSession {
  credentials: IssuedCredentials;
  assumedRoleUser: { AssumedRoleId: string; Arn: string };
  /** Percent of the packed session policy/tag allowance used; set when policies or tags were passed. */
  packedPolicySize: number | undefined;
  role: RoleRecord;
}

/** Facts about the caller's request that trust-policy conditions may test. */
export interface CallContext {
  now(): number;
  /** Global condition keys of the request (`aws:SourceIp`, `aws:CurrentTime`, …). */
  conditionKeys: Readonly<Record<string, string>>;
}

/** The packed allowance, in compressed bytes (AWS does not publish its packing; this is ours). */
const PACKED_ALLOWANCE = 2048;

export const accessDenied = (message: string): ServiceError => new ServiceError('AccessDenied', message, 403);
const validation = (message: string): ServiceError => new ServiceError('ValidationError', message, 400);
const malformed = (message: string): ServiceError => new ServiceError('MalformedPolicyDocument', message, 400);

export class RoleSessions {
  constructor(
    private readonly iam: IamDirectory,
    private readonly authorizer: IamAuthorizer,
    private readonly tokens: SessionTokens,
  ) {}

  /** The role, or undefined: AWS does not say whether a role it refuses exists. */
  async role(roleArn: string): Promise<RoleRecord | undefined> {
    if (parseRoleArn(roleArn) === undefined) throw validation(`${roleArn} is invalid`);
    return this.iam.roleByArn(roleArn);
  }

  trustPolicy(role: RoleRecord): LabeledPolicy {
    return { label: `role/${role.name}/trust-policy`, policy: this.iam.policies.compile(role.trustPolicy, 'trust') };
  }

  /** Validates session policies and returns the packed size (percent), or undefined if none. */
  async checkSessionPolicies(req: SessionRequest): Promise<number | undefined> {
    if (req.policy !== undefined) {
      try {
        this.iam.policies.compile(req.policy, 'session');
      } catch (err) {
        // STS words a JSON error its own way; everything else is IAM's wording.
        if (err instanceof PolicyDocumentError) throw malformed(err.reason === 'json' ? 'The policy is not in the valid JSON format.' : err.message);
        throw err;
      }
    }
    for (const arn of req.policyArns ?? []) {
      if ((await this.iam.managedPolicy(arn)) === undefined) throw malformed(`Policy ${arn} does not exist or is not attachable.`);
    }
    if (req.policy === undefined && (req.policyArns?.length ?? 0) === 0 && (req.tags?.length ?? 0) === 0) return undefined;
    const packed = deflateRawSync(
      Buffer.from(JSON.stringify([req.policy === undefined ? null : JSON.parse(req.policy), req.policyArns ?? [], (req.tags ?? []).map((t) => [t.Key, t.Value])])),
    ).length;
    const percent = Math.ceil((100 * packed) / PACKED_ALLOWANCE);
    if (percent > 100) throw new ServiceError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`, 400);
    return percent;
  }

  checkDuration(role: RoleRecord, durationSeconds: number | undefined, chained: boolean): number {
    const duration = durationSeconds ?? 3600;
    if (chained && duration > 3600) throw validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    if (duration > role.maxSessionDuration) throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    return duration;
  }

  /** Issues credentials for a role session whose checks have passed. */
  async issue(role: RoleRecord, req: SessionRequest, duration: number, now: number, contextKeys: Record<string, string | string[]>, packed: number | undefined, region: string): Promise<IssuedSession> {
    const claims: Omit<SessionClaims, 'k'> = {
      t: 'a',
      a: this.iam.accountId,
      ri: role.roleId,
      rn: role.name,
      ra: role.arn,
      s: req.roleSessionName,
      i: now,
      e: wholeSeconds(now) + duration * 1000,
      c: { 'aws:TokenIssueTime': new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), ...contextKeys },
      ...(req.policy === undefined ? {} : { p: req.policy }),
      ...((req.policyArns?.length ?? 0) > 0 ? { pa: [...req.policyArns!] } : {}),
      ...(req.sourceIdentity === undefined ? {} : { si: req.sourceIdentity }),
    };
    for (const t of req.tags ?? []) claims.c![`aws:PrincipalTag/${t.Key}`] = t.Value;
    const credentials = this.tokens.issue(claims);
    await this.iam.repo.updateRole(role.roleId, { last_used_at: now, last_used_region: region });
    return {
      credentials,
      assumedRoleUser: { AssumedRoleId: `${role.roleId}:${req.roleSessionName}`, Arn: assumedRoleArn(this.iam.accountId, role.name, req.roleSessionName) },
      packedPolicySize: packed,
      role,
    };
  }

  /** AssumeRole by a signed caller: root, or a role session (role chaining). */
  async assumeRole(caller: Principal, req: SessionRequest & { externalId?: string | undefined }, call: CallContext, region: string): Promise<IssuedSession> {
    const role = await this.role(req.roleArn);
    const denied = (): ServiceError => accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${req.roleArn}`);
    if (role === undefined) throw denied();
    const context: Record<string, string | string[]> = { ...call.conditionKeys, 'sts:RoleSessionName': req.roleSessionName };
    if (req.externalId !== undefined) context['sts:ExternalId'] = req.externalId;
    if (req.sourceIdentity !== undefined) context['sts:SourceIdentity'] = req.sourceIdentity;
    if (req.tags !== undefined && req.tags.length > 0) {
      context['aws:TagKeys'] = req.tags.map((t) => t.Key);
      for (const t of req.tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
    }
    const trust = [this.trustPolicy(role)];
    const actions = ['sts:AssumeRole'];
    if ((req.tags?.length ?? 0) > 0) actions.push('sts:TagSession');
    if (req.sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
    for (const action of actions) {
      const d = await this.authorizer.decide({ principal: caller, action, resource: role.arn, context, resourcePolicies: trust, requireResourceAllow: true });
      if (d.decision !== 'Allow') {
        throw action === 'sts:AssumeRole' ? denied() : accessDenied(`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${req.roleArn}`);
      }
    }
    const duration = this.checkDuration(role, req.durationSeconds, caller.kind === 'assumed-role');
    const packed = await this.checkSessionPolicies(req);
    const sourceIdentity = req.sourceIdentity ?? (caller.kind === 'assumed-role' ? caller.sourceIdentity : undefined);
    return this.issue(role, { ...req, sourceIdentity }, duration, call.now(), {}, packed, region);
  }
}
