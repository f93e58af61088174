/**
 * Managed policies: customer-managed policies with up to five versions, and the AWS-managed
 * policies Gatehouse ships (read-only, `arn:aws:iam::aws:policy/…`). Listing merges both,
 * sorted by name, with AWS's Scope/OnlyAttached/PathPrefix filters and Marker pagination.
 * @module
 */
import type { Sql } from '../../store/database.js';
import type { OperationHandlers } from '../types.js';
import type { Operations, Policy, PolicyVersion } from './api.generated.js';
import { alreadyExists, checkTags, compileOrThrow, mergeTags, paginate, policySize, QUOTAS, removeTags } from './common.js';
import type { IamDirectory } from './directory.js';
import { awsManagedReadOnly, deleteConflict, invalidArn, limitExceeded, noSuchEntity, policyNotFound } from './errors.js';
import { encodePolicyDocument, newUniqueId, parsePolicyArn, policyArn, wholeSeconds } from './ids.js';
import { AWS_MANAGED_POLICIES, type AwsManagedPolicy } from './managed-policies/index.js';
import type { PolicyRow, Tag } from './repository.js';

type Handlers = OperationHandlers<Operations>;

interface Resolved {
  aws: AwsManagedPolicy | undefined;
  local: PolicyRow | undefined;
  arn: string;
}

export function policyOperations(dir: IamDirectory): Handlers {
  const repo = dir.repo;

  /** The policy an ARN names: InvalidInput for a malformed ARN, NoSuchEntity if absent. */
  async function resolve(arn: string, sql?: Sql): Promise<Resolved> {
    const parsed = parsePolicyArn(arn);
    if (parsed === undefined) throw invalidArn(arn);
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws !== undefined) return { aws, local: undefined, arn };
    if (parsed.account === dir.accountId) {
      const row = await repo.getPolicyByName(parsed.name, sql);
      if (row !== undefined && row.path === parsed.path && row.name === parsed.name) return { aws: undefined, local: row, arn };
    }
    throw policyNotFound(arn);
  }

  async function shape(r: Resolved, view: 'get' | 'list' | 'create'): Promise<Policy> {
    const attachments = await repo.attachmentCount(r.arn);
    const boundaries = await repo.boundaryCount(r.arn);
    if (r.aws !== undefined) {
      const a = r.aws;
      return {
        PolicyName: a.PolicyName,
        PolicyId: a.PolicyId,
        Arn: a.Arn,
        Path: a.Path,
        DefaultVersionId: a.DefaultVersionId,
        AttachmentCount: attachments,
        PermissionsBoundaryUsageCount: boundaries,
        IsAttachable: true,
        ...(view === 'get' ? { Description: a.Description } : {}),
        CreateDate: a.CreateDate,
        UpdateDate: a.UpdateDate,
      };
    }
    const p = r.local!;
    const tags = JSON.parse(p.tags) as Tag[];
    return {
      PolicyName: p.name,
      PolicyId: p.policy_id,
      Arn: r.arn,
      Path: p.path,
      DefaultVersionId: p.default_version,
      AttachmentCount: attachments,
      PermissionsBoundaryUsageCount: boundaries,
      IsAttachable: true,
      ...(view === 'get' && p.description !== null ? { Description: p.description } : {}),
      CreateDate: new Date(Number(p.created_at)),
      UpdateDate: new Date(Number(p.updated_at)),
      ...(view !== 'list' && tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  function localOnly(r: Resolved, operation: string, ctxArn: string): PolicyRow {
    if (r.local === undefined) throw awsManagedReadOnly(ctxArn, operation, r.arn);
    return r.local;
  }

  /**
   * A customer-managed policy read, checked and changed in one transaction, so that concurrent
   * writes (tags, versions, deletion, attachment) cannot interleave. `fn` uses only `tx`.
   */
  function changePolicy<T>(arn: string, operation: string, callerArn: string, fn: (p: PolicyRow, tx: Sql) => Promise<T>): Promise<T> {
    return repo.transaction(async (tx) => fn(localOnly(await resolve(arn, tx), operation, callerArn), tx));
  }

  return {
    async CreatePolicy(input, ctx) {
      compileOrThrow(dir, input.PolicyDocument, 'identity');
      if (policySize(input.PolicyDocument) > QUOTAS.managedPolicySize) throw limitExceeded(`Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicySize}`);
      const tags = checkTags(input.Tags);
      const now = wholeSeconds(ctx.now());
      const row: PolicyRow = {
        policy_id: newUniqueId('ANPA'),
        name: input.PolicyName,
        name_key: input.PolicyName.toLowerCase(),
        path: input.Path ?? '/',
        description: input.Description ?? null,
        default_version: 'v1',
        next_version: 2,
        tags: JSON.stringify(tags),
        created_at: now,
        updated_at: now,
      };
      if (!(await repo.insertPolicy(row, input.PolicyDocument))) alreadyExists('policy', input.PolicyName);
      return { Policy: await shape({ aws: undefined, local: row, arn: policyArn(dir.accountId, row.path, row.name) }, 'create') };
    },

    async GetPolicy(input) {
      return { Policy: await shape(await resolve(input.PolicyArn), 'get') };
    },

    async ListPolicies(input) {
      const scope = input.Scope ?? 'All';
      const prefix = input.PathPrefix ?? '/';
      const all: Resolved[] = [];
      if (scope !== 'Local') for (const a of AWS_MANAGED_POLICIES.values()) if (a.Path.startsWith(prefix)) all.push({ aws: a, local: undefined, arn: a.Arn });
      if (scope !== 'AWS') for (const p of await repo.listPolicies(prefix)) all.push({ aws: undefined, local: p, arn: policyArn(dir.accountId, p.path, p.name) });
      let candidates = all;
      if (input.OnlyAttached === true || input.PolicyUsageFilter !== undefined) {
        const keep: Resolved[] = [];
        for (const r of all) {
          const attached = (await repo.attachmentCount(r.arn)) > 0;
          const boundary = (await repo.boundaryCount(r.arn)) > 0;
          if (input.OnlyAttached === true && !attached && !boundary) continue;
          if (input.PolicyUsageFilter === 'PermissionsPolicy' && !attached) continue;
          if (input.PolicyUsageFilter === 'PermissionsBoundary' && !boundary) continue;
          keep.push(r);
        }
        candidates = keep;
      }
      const nameOf = (r: Resolved): string => `${(r.aws?.PolicyName ?? r.local!.name).toLowerCase()}\u0000${r.arn}`;
      candidates.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
      const page = paginate(candidates, nameOf, input.Marker, input.MaxItems);
      const Policies: Policy[] = [];
      for (const r of page.items) Policies.push(await shape(r, 'list'));
      return { Policies, IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },

    async DeletePolicy(input, ctx) {
      await changePolicy(input.PolicyArn, 'iam:DeletePolicy', ctx.principal!.arn, async (p, tx) => {
        if ((await repo.attachmentCount(input.PolicyArn, tx)) > 0 || (await repo.boundaryCount(input.PolicyArn, tx)) > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
        if ((await repo.listVersions(p.policy_id, tx)).length > 1) {
          throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }
        await repo.deletePolicy(p.policy_id, tx);
      });
      await dir.changed({ policyArn: input.PolicyArn });
    },

    async GetPolicyVersion(input) {
      const r = await resolve(input.PolicyArn);
      const missing = (): never => {
        throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
      };
      if (r.aws !== undefined) {
        if (input.VersionId !== r.aws.DefaultVersionId) missing();
        return { PolicyVersion: { Document: encodePolicyDocument(r.aws.Document), VersionId: r.aws.DefaultVersionId, IsDefaultVersion: true, CreateDate: r.aws.UpdateDate } };
      }
      const v = await repo.getVersion(r.local!.policy_id, input.VersionId);
      if (v === undefined) missing();
      return {
        PolicyVersion: { Document: encodePolicyDocument(v!.document), VersionId: v!.version_id, IsDefaultVersion: v!.version_id === r.local!.default_version, CreateDate: new Date(Number(v!.created_at)) },
      };
    },

    async ListPolicyVersions(input) {
      const r = await resolve(input.PolicyArn);
      let versions: PolicyVersion[];
      if (r.aws !== undefined) {
        versions = [{ VersionId: r.aws.DefaultVersionId, IsDefaultVersion: true, CreateDate: r.aws.UpdateDate }];
      } else {
        versions = (await repo.listVersions(r.local!.policy_id)).map((v) => ({ VersionId: v.version_id, IsDefaultVersion: v.version_id === r.local!.default_version, CreateDate: new Date(Number(v.created_at)) }));
      }
      return { Versions: versions, IsTruncated: false };
    },

    async CreatePolicyVersion(input, ctx) {
      const p = localOnly(await resolve(input.PolicyArn), 'iam:CreatePolicyVersion', ctx.principal!.arn);
      compileOrThrow(dir, input.PolicyDocument, 'identity');
      if (policySize(input.PolicyDocument) > QUOTAS.managedPolicySize) throw limitExceeded(`Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicySize}`);
      const now = wholeSeconds(ctx.now());
      const id = await repo.addVersion(p.policy_id, input.PolicyDocument, input.SetAsDefault === true, now, QUOTAS.versionsPerPolicy);
      if (id === undefined) throw limitExceeded('A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
      if (input.SetAsDefault === true) await dir.changed({ policyArn: input.PolicyArn });
      return { PolicyVersion: { VersionId: id, IsDefaultVersion: input.SetAsDefault === true, CreateDate: new Date(now) } };
    },

    async DeletePolicyVersion(input, ctx) {
      await changePolicy(input.PolicyArn, 'iam:DeletePolicyVersion', ctx.principal!.arn, async (p, tx) => {
        if (input.VersionId === p.default_version) throw deleteConflict('Cannot delete the default version of a policy.');
        if (!(await repo.deleteVersion(p.policy_id, input.VersionId, tx))) throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
      });
    },

    async SetDefaultPolicyVersion(input, ctx) {
      await changePolicy(input.PolicyArn, 'iam:SetDefaultPolicyVersion', ctx.principal!.arn, async (p, tx) => {
        if ((await repo.getVersion(p.policy_id, input.VersionId, tx)) === undefined) throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
        await repo.setDefaultVersion(p.policy_id, input.VersionId, wholeSeconds(ctx.now()), tx);
      });
      await dir.changed({ policyArn: input.PolicyArn });
    },

    async ListEntitiesForPolicy(input) {
      const r = await resolve(input.PolicyArn);
      const roles = input.EntityFilter === undefined || input.EntityFilter === 'Role' ? await repo.rolesAttachedTo(r.arn) : [];
      const prefix = input.PathPrefix ?? '/';
      const PolicyRoles = roles.filter((x) => x.path.startsWith(prefix)).map((x) => ({ RoleName: x.name, RoleId: x.role_id }));
      return { PolicyRoles, PolicyGroups: [], PolicyUsers: [], IsTruncated: false };
    },

    async TagPolicy(input, ctx) {
      await changePolicy(input.PolicyArn, 'iam:TagPolicy', ctx.principal!.arn, (p, tx) =>
        repo.updatePolicyTags(p.policy_id, JSON.stringify(mergeTags(JSON.parse(p.tags) as Tag[], input.Tags)), tx),
      );
    },

    async UntagPolicy(input, ctx) {
      await changePolicy(input.PolicyArn, 'iam:UntagPolicy', ctx.principal!.arn, (p, tx) =>
        repo.updatePolicyTags(p.policy_id, JSON.stringify(removeTags(JSON.parse(p.tags) as Tag[], input.TagKeys)), tx),
      );
    },

    async ListPolicyTags(input) {
      const r = await resolve(input.PolicyArn);
      const tags = r.local === undefined ? [] : (JSON.parse(r.local.tags) as Tag[]);
      const page = paginate(tags, (t) => t.Key, input.Marker, input.MaxItems);
      return { Tags: page.items, IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },
  };
}
