/**
 * IAM roles: create (with a trust policy), read, list, update, delete; inline role policies;
 * managed policy attachments; permissions boundaries; tags. Every write that changes what a
 * role may do tells the directory, so the authorizer's cache drops it.
 * @module
 */
import type { Sql } from '../../store/database.js';
import type { OperationHandlers } from '../types.js';
import type { Operations, Role } from './api.generated.js';
import { checkTags, compileOrThrow, decodeMarker, encodeMarker, mergeTags, paginate, policySize, QUOTAS, removeTags, validateTrustPolicy, alreadyExists } from './common.js';
import type { IamDirectory, RoleRecord } from './directory.js';
import { deleteConflict, invalidArn, limitExceeded, noSuchEntity, noSuchRole, notAttachable, policyNotFound } from './errors.js';
import { encodePolicyDocument, newUniqueId, parsePolicyArn, wholeSeconds } from './ids.js';
import type { RoleRow } from './repository.js';

type Handlers = OperationHandlers<Operations>;

function roleShape(r: RoleRecord, row: RoleRow | undefined, view: 'create' | 'get' | 'list'): Role {
  const out: Role = {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: new Date(r.createdAt),
    AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
  };
  const description = row?.description ?? undefined;
  if (description !== undefined) out.Description = description;
  if (view !== 'create') out.MaxSessionDuration = r.maxSessionDuration;
  if (view === 'list') return out;
  if (r.boundaryArn !== undefined) out.PermissionsBoundary = { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: r.boundaryArn };
  if (r.tags.length > 0) out.Tags = r.tags;
  if (view === 'get') {
    out.RoleLastUsed = row?.last_used_at == null ? {} : { LastUsedDate: new Date(Number(row.last_used_at)), Region: row.last_used_region ?? undefined };
  }
  return out;
}

export function roleOperations(dir: IamDirectory): Handlers {
  const repo = dir.repo;

  async function mustRole(name: string, sql?: Sql): Promise<RoleRow> {
    const r = await repo.getRole(name, sql);
    if (r === undefined) throw noSuchRole(name);
    return r;
  }

  /** A managed policy that can be attached (or used as a boundary); throws AWS's errors otherwise. */
  async function attachable(arn: string, sql?: Sql): Promise<void> {
    if (parsePolicyArn(arn) === undefined) throw invalidArn(arn);
    if ((await dir.managedPolicy(arn, sql)) === undefined) throw notAttachable(arn);
  }

  /**
   * Reads the role, checks and writes in one transaction, so that concurrent changes to the
   * same role (tags, quotas) cannot interleave, then tells the directory. `fn` uses only `tx`.
   */
  async function changeRole(name: string, fn: (row: RoleRow, tx: Sql) => Promise<void>): Promise<void> {
    const roleId = await repo.transaction(async (tx) => {
      const row = await mustRole(name, tx);
      await fn(row, tx);
      return row.role_id;
    });
    await dir.changed({ roleId });
  }

  return {
    async CreateRole(input, ctx) {
      await validateTrustPolicy(dir, input.AssumeRolePolicyDocument);
      const tags = checkTags(input.Tags);
      if (input.PermissionsBoundary !== undefined) await attachable(input.PermissionsBoundary);
      const row = {
        role_id: newUniqueId('AROA'),
        name: input.RoleName,
        name_key: input.RoleName.toLowerCase(),
        path: input.Path ?? '/',
        trust_policy: input.AssumeRolePolicyDocument,
        description: input.Description ?? null,
        max_session_duration: input.MaxSessionDuration ?? 3600,
        boundary_arn: input.PermissionsBoundary ?? null,
        tags: JSON.stringify(tags),
        created_at: wholeSeconds(ctx.now()),
      };
      if (!(await repo.insertRole(row))) alreadyExists('role', input.RoleName);
      const full: RoleRow = { ...row, last_used_at: null, last_used_region: null };
      return { Role: roleShape(dir.toRole(full), full, 'create') };
    },

    async GetRole(input) {
      const row = await mustRole(input.RoleName);
      return { Role: roleShape(dir.toRole(row), row, 'get') };
    },

    async ListRoles(input) {
      const max = input.MaxItems ?? 100;
      const rows = await repo.listRoles(input.PathPrefix ?? '/', decodeMarker(input.Marker), max + 1);
      const page = rows.slice(0, max);
      return {
        Roles: page.map((r) => roleShape(dir.toRole(r), r, 'list')),
        IsTruncated: rows.length > max,
        ...(rows.length > max ? { Marker: encodeMarker(page.at(-1)!.name_key) } : {}),
      };
    },

    async UpdateAssumeRolePolicy(input) {
      const row = await mustRole(input.RoleName);
      await validateTrustPolicy(dir, input.PolicyDocument);
      await repo.updateRole(row.role_id, { trust_policy: input.PolicyDocument });
      await dir.changed({ roleId: row.role_id });
    },

    async UpdateRole(input) {
      const row = await mustRole(input.RoleName);
      await repo.updateRole(row.role_id, {
        ...(input.Description === undefined ? {} : { description: input.Description }),
        ...(input.MaxSessionDuration === undefined ? {} : { max_session_duration: input.MaxSessionDuration }),
      });
      return {};
    },

    async UpdateRoleDescription(input) {
      const row = await mustRole(input.RoleName);
      await repo.updateRole(row.role_id, { description: input.Description });
      const updated = { ...row, description: input.Description };
      return { Role: roleShape(dir.toRole(updated), updated, 'get') };
    },

    async DeleteRole(input) {
      const row = await mustRole(input.RoleName);
      const blocked = await repo.deleteRole(row.role_id);
      if (blocked === 'attached') throw deleteConflict('Cannot delete entity, must detach all policies first.');
      if (blocked === 'inline') throw deleteConflict('Cannot delete entity, must delete policies first.');
      await dir.changed({ roleId: row.role_id });
    },

    async PutRolePolicy(input) {
      await changeRole(input.RoleName, async (row, tx) => {
        compileOrThrow(dir, input.PolicyDocument, 'identity');
        const others = (await repo.listRolePolicies(row.role_id, tx)).filter((p) => p.name.toLowerCase() !== input.PolicyName.toLowerCase());
        const total = others.reduce((n, p) => n + policySize(p.document), policySize(input.PolicyDocument));
        if (total > QUOTAS.inlinePoliciesPerRoleSize) throw limitExceeded(`Maximum policy size of ${QUOTAS.inlinePoliciesPerRoleSize} bytes exceeded for role ${row.name}`);
        await repo.putRolePolicy(row.role_id, input.PolicyName, input.PolicyDocument, tx);
      });
    },

    async GetRolePolicy(input) {
      const row = await mustRole(input.RoleName);
      const p = await repo.getRolePolicy(row.role_id, input.PolicyName);
      if (p === undefined) throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
      return { RoleName: row.name, PolicyName: p.name, PolicyDocument: encodePolicyDocument(p.document) };
    },

    async ListRolePolicies(input) {
      const row = await mustRole(input.RoleName);
      const page = paginate(await repo.listRolePolicies(row.role_id), (p) => p.name.toLowerCase(), input.Marker, input.MaxItems);
      return { PolicyNames: page.items.map((p) => p.name), IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },

    async DeleteRolePolicy(input) {
      const row = await mustRole(input.RoleName);
      if (!(await repo.deleteRolePolicy(row.role_id, input.PolicyName))) throw noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
      await dir.changed({ roleId: row.role_id });
    },

    async AttachRolePolicy(input) {
      // In one transaction with the attachment, so a policy deleted meanwhile is not attached.
      const roleId = await repo.transaction(async (tx) => {
        await attachable(input.PolicyArn, tx);
        const row = await mustRole(input.RoleName, tx);
        const attached = await repo.attachedArns(row.role_id, tx);
        if (attached.includes(input.PolicyArn)) return undefined;
        if (attached.length >= QUOTAS.managedPoliciesPerRole) throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${QUOTAS.managedPoliciesPerRole}`);
        await repo.attach(row.role_id, input.PolicyArn, tx);
        return row.role_id;
      });
      if (roleId !== undefined) await dir.changed({ roleId });
    },

    async DetachRolePolicy(input) {
      if (parsePolicyArn(input.PolicyArn) === undefined) throw invalidArn(input.PolicyArn);
      const row = await mustRole(input.RoleName);
      if (!(await repo.detach(row.role_id, input.PolicyArn))) throw policyNotFound(input.PolicyArn);
      await dir.changed({ roleId: row.role_id });
    },

    async ListAttachedRolePolicies(input) {
      const row = await mustRole(input.RoleName);
      const prefix = input.PathPrefix ?? '/';
      const attached = (await repo.attachedArns(row.role_id))
        .map((arn) => ({ arn, parsed: parsePolicyArn(arn)! }))
        .filter((a) => a.parsed.path.startsWith(prefix))
        .map((a) => ({ PolicyName: a.parsed.name, PolicyArn: a.arn }));
      const page = paginate(attached, (a) => a.PolicyArn, input.Marker, input.MaxItems);
      return { AttachedPolicies: page.items, IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },

    async PutRolePermissionsBoundary(input) {
      await changeRole(input.RoleName, async (row, tx) => {
        await attachable(input.PermissionsBoundary, tx);
        await repo.updateRole(row.role_id, { boundary_arn: input.PermissionsBoundary }, tx);
      });
    },

    async DeleteRolePermissionsBoundary(input) {
      const row = await mustRole(input.RoleName);
      await repo.updateRole(row.role_id, { boundary_arn: null });
      await dir.changed({ roleId: row.role_id });
    },

    async TagRole(input) {
      await changeRole(input.RoleName, (row, tx) => repo.updateRole(row.role_id, { tags: JSON.stringify(mergeTags(dir.toRole(row).tags, input.Tags)) }, tx));
    },

    async UntagRole(input) {
      await changeRole(input.RoleName, (row, tx) => repo.updateRole(row.role_id, { tags: JSON.stringify(removeTags(dir.toRole(row).tags, input.TagKeys)) }, tx));
    },

    async ListRoleTags(input) {
      const row = await mustRole(input.RoleName);
      const page = paginate(dir.toRole(row).tags, (t) => t.Key, input.Marker, input.MaxItems);
      return { Tags: page.items, IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },
  };
}
