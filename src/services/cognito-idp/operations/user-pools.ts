/**
 * CreateUserPool, DescribeUserPool, UpdateUserPool, ListUserPools, DeleteUserPool.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { newUserPoolId } from '../domain/ids.js';
import { requestedId, USER_POOL_ID_HEADER } from '../domain/requested-ids.js';
import { newSigningKey } from '../domain/jwt.js';
import { createPoolConfig, updatePoolConfig } from '../domain/pool-config.js';
import { invalidParameter } from '../errors.js';
import { afterToken, nextToken, userPoolDescription, userPoolView } from '../views.js';

export function userPoolOperations(idp: IdpContext): OperationHandlers<Operations> {
  const view = async (poolId: string) => {
    const pool = await idp.pool(poolId);
    const domains = await idp.hosted.domainsOf(pool.id);
    const domain = domains.find((d) => !d.custom)?.domain;
    const custom = domains.find((d) => d.custom)?.domain;
    return userPoolView(pool, idp.region, idp.platform.config.accountId, await idp.pools.estimatedUsers(pool.id), domain, custom);
  };

  return {
    async CreateUserPool(input, ctx) {
      const config = createPoolConfig(input);
      const { pem, kid } = await newSigningKey();
      const now = ctx.now();
      const fixed = requestedId(ctx, USER_POOL_ID_HEADER, new RegExp(`^${idp.region}_[0-9a-zA-Z]{1,55}$`), `user pool id for ${idp.region}`);
      if (fixed !== undefined && (await idp.pools.getPool(fixed)) !== undefined) throw invalidParameter(`User pool ${fixed} already exists.`);
      const id = fixed ?? newUserPoolId(idp.region);
      await idp.pools.createPool({ id, name: input.PoolName, config, createdAt: now, updatedAt: now }, pem, kid);
      ctx.log.info({ event: 'cognito-idp.pool.created', userPoolId: id }, 'user pool created');
      return { UserPool: await view(id) };
    },

    async DescribeUserPool(input) {
      return { UserPool: await view(input.UserPoolId) };
    },

    async UpdateUserPool(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      await idp.pools.updatePool(pool.id, input.PoolName ?? pool.name, updatePoolConfig(pool.config, input), ctx.now());
      return {};
    },

    async ListUserPools(input) {
      const limit = input.MaxResults;
      const pools = await idp.pools.listPools(input.NextToken === undefined ? undefined : afterToken(input.NextToken), limit + 1);
      const page = pools.slice(0, limit);
      return { UserPools: page.map(userPoolDescription), ...(pools.length > limit ? { NextToken: nextToken(page[page.length - 1]!.id) } : {}) };
    },

    async DeleteUserPool(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      if (pool.config.DeletionProtection === 'ACTIVE') {
        throw invalidParameter('The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.');
      }
      if ((await idp.hosted.domainsOf(pool.id)).length > 0) {
        throw invalidParameter('User pool cannot be deleted. It has a domain configured that should be deleted first.');
      }
      await idp.pools.deletePool(pool.id);
      await idp.hosted.forgetPool(pool.id);
      ctx.log.info({ event: 'cognito-idp.pool.deleted', userPoolId: pool.id }, 'user pool deleted');
    },
  };
}
