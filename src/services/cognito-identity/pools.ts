/**
 * Identity pool management (signed, for the account's own credentials): create, describe,
 * update, list and delete pools; their IAM roles and role mappings; their tags.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../types.js';
import type {
  CreateIdentityPoolInput,
  DeleteIdentityPoolInput,
  DescribeIdentityPoolInput,
  GetIdentityPoolRolesInput,
  GetIdentityPoolRolesResponse,
  IdentityPool,
  ListIdentityPoolsInput,
  ListIdentityPoolsResponse,
  ListTagsForResourceInput,
  ListTagsForResourceResponse,
  SetIdentityPoolRolesInput,
  TagResourceInput,
  TagResourceResponse,
  UntagResourceInput,
  UntagResourceResponse,
} from './api.generated.js';
import { decodeCursor, encodeCursor, ownMap, requirePool, type IdentityPoolDeps } from './context.js';
import { invalidParameter, poolNotFound } from './errors.js';
import { deletePool, insertPool, listPools, savePool, type PoolRecord } from './repository.js';
import { providersFrom, validateRoleMappings, validateRoles } from './validation.js';

export function describePool(p: PoolRecord): IdentityPool {
  const v = p.providers;
  return {
    IdentityPoolId: p.id,
    IdentityPoolName: p.name,
    AllowUnauthenticatedIdentities: p.allowUnauthenticated,
    ...(p.allowClassicFlow === undefined ? {} : { AllowClassicFlow: p.allowClassicFlow }),
    ...(Object.keys(v.supportedLoginProviders).length === 0 ? {} : { SupportedLoginProviders: { ...v.supportedLoginProviders } }),
    ...(p.developerProvider === undefined ? {} : { DeveloperProviderName: p.developerProvider }),
    ...(v.openIdConnectProviderArns.length === 0 ? {} : { OpenIdConnectProviderARNs: v.openIdConnectProviderArns }),
    ...(v.cognitoIdentityProviders.length === 0 ? {} : { CognitoIdentityProviders: v.cognitoIdentityProviders }),
    ...(v.samlProviderArns.length === 0 ? {} : { SamlProviderARNs: v.samlProviderArns }),
    IdentityPoolTags: { ...p.tags },
  };
}

/** `arn:aws:cognito-identity:<region>:<account>:identitypool/<pool id>` → pool id. */
function poolIdFromArn(deps: IdentityPoolDeps, arn: string): string {
  const m = /^arn:aws[\w-]*:cognito-identity:([a-z0-9-]+):(\d{12}):identitypool\/([\w-]+:[0-9a-f-]+)$/.exec(arn);
  if (m === null || m[2] !== deps.accountId) throw invalidParameter(`Invalid ARN: ${arn}`);
  return m[3]!;
}

export function poolOperations(deps: IdentityPoolDeps) {
  return {
    async CreateIdentityPool(input: CreateIdentityPoolInput, ctx: RequestContext): Promise<IdentityPool> {
      const pool: PoolRecord = {
        id: `${deps.region}:${randomUUID()}`,
        name: input.IdentityPoolName,
        allowUnauthenticated: input.AllowUnauthenticatedIdentities,
        allowClassicFlow: input.AllowClassicFlow,
        developerProvider: input.DeveloperProviderName,
        providers: providersFrom(input),
        tags: ownMap(input.IdentityPoolTags),
        roles: ownMap<string>(undefined),
        roleMappings: ownMap(undefined),
        principalTags: ownMap(undefined),
        createdAt: ctx.now(),
      };
      await insertPool(deps.db, pool);
      return describePool(pool);
    },

    async DescribeIdentityPool(input: DescribeIdentityPoolInput): Promise<IdentityPool> {
      return describePool(await requirePool(deps.db, input.IdentityPoolId));
    },

    async UpdateIdentityPool(input: IdentityPool): Promise<IdentityPool> {
      return deps.db.transaction(async (tx) => {
        const pool = await requirePool(tx, input.IdentityPoolId);
        if (input.DeveloperProviderName !== undefined && pool.developerProvider !== undefined && input.DeveloperProviderName !== pool.developerProvider) {
          throw invalidParameter('The DeveloperProviderName of an identity pool cannot be changed once set.');
        }
        const providers = providersFrom(input);
        // Mappings for providers this update removes would point at nothing.
        validateRoleMappings(pool.roleMappings, providers);
        const updated: PoolRecord = {
          ...pool,
          name: input.IdentityPoolName,
          allowUnauthenticated: input.AllowUnauthenticatedIdentities,
          allowClassicFlow: input.AllowClassicFlow ?? pool.allowClassicFlow,
          developerProvider: input.DeveloperProviderName ?? pool.developerProvider,
          providers,
          tags: input.IdentityPoolTags === undefined ? pool.tags : ownMap(input.IdentityPoolTags),
        };
        await savePool(tx, updated);
        return describePool(updated);
      }).finally(() => deps.pools.invalidate(input.IdentityPoolId));
    },

    async DeleteIdentityPool(input: DeleteIdentityPoolInput): Promise<void> {
      const deleted = await deps.db.transaction((tx) => deletePool(tx, input.IdentityPoolId)).finally(() => deps.pools.invalidate(input.IdentityPoolId));
      if (!deleted) throw poolNotFound(input.IdentityPoolId);
    },

    async ListIdentityPools(input: ListIdentityPoolsInput): Promise<ListIdentityPoolsResponse> {
      const after = decodeCursor(input.NextToken);
      if (after === null) throw invalidParameter('Invalid pagination token.');
      const rows = await listPools(deps.db, after, input.MaxResults + 1);
      const page = rows.slice(0, input.MaxResults);
      const last = page[page.length - 1];
      return {
        IdentityPools: page.map((p) => ({ IdentityPoolId: p.id, IdentityPoolName: p.name })),
        ...(rows.length > input.MaxResults && last !== undefined ? { NextToken: encodeCursor(last.createdAt, last.id) } : {}),
      };
    },

    async SetIdentityPoolRoles(input: SetIdentityPoolRolesInput): Promise<void> {
      await deps.db.transaction(async (tx) => {
        const pool = await requirePool(tx, input.IdentityPoolId);
        const roles = ownMap(input.Roles);
        const roleMappings = ownMap(input.RoleMappings);
        validateRoles(roles);
        validateRoleMappings(roleMappings, pool.providers);
        await savePool(tx, { ...pool, roles, roleMappings });
      }).finally(() => deps.pools.invalidate(input.IdentityPoolId));
    },

    async GetIdentityPoolRoles(input: GetIdentityPoolRolesInput): Promise<GetIdentityPoolRolesResponse> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      return {
        IdentityPoolId: pool.id,
        Roles: { ...pool.roles },
        ...(Object.keys(pool.roleMappings).length === 0 ? {} : { RoleMappings: { ...pool.roleMappings } }),
      };
    },

    async TagResource(input: TagResourceInput): Promise<TagResourceResponse> {
      const id = poolIdFromArn(deps, input.ResourceArn);
      await deps.db.transaction(async (tx) => {
        const pool = await requirePool(tx, id);
        const tags = ownMap(pool.tags);
        for (const [k, v] of Object.entries(input.Tags)) tags[k] = v;
        if (Object.keys(tags).length > 50) throw invalidParameter('An identity pool can have at most 50 tags.');
        await savePool(tx, { ...pool, tags });
      }).finally(() => deps.pools.invalidate(id));
      return {};
    },

    async UntagResource(input: UntagResourceInput): Promise<UntagResourceResponse> {
      const id = poolIdFromArn(deps, input.ResourceArn);
      await deps.db.transaction(async (tx) => {
        const pool = await requirePool(tx, id);
        const tags = ownMap(pool.tags);
        for (const k of input.TagKeys) delete tags[k];
        await savePool(tx, { ...pool, tags });
      }).finally(() => deps.pools.invalidate(id));
      return {};
    },

    async ListTagsForResource(input: ListTagsForResourceInput): Promise<ListTagsForResourceResponse> {
      const pool = await requirePool(deps.db, poolIdFromArn(deps, input.ResourceArn));
      return { Tags: { ...pool.tags } };
    },
  };
}
