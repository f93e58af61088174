/**
 * Groups: CreateGroup, GetGroup, UpdateGroup, ListGroups, DeleteGroup, AdminAddUserToGroup,
 * AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup. Membership shows in
 * tokens as cognito:groups, and group roles as cognito:roles / cognito:preferred_role.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { groupExists, groupNotFound, userNotFound } from '../errors.js';
import type { Group } from '../store/groups.js';
import type { UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';
import { afterToken, groupView, nextToken, pageSize, userView } from '../views.js';

export function groupOperations(idp: IdpContext): OperationHandlers<Operations> {
  const group = async (poolId: string, name: string): Promise<{ pool: UserPool; group: Group }> => {
    const pool = await idp.pool(poolId);
    const g = await idp.groups.get(pool.id, name);
    if (g === undefined) throw groupNotFound();
    return { pool, group: g };
  };
  const user = async (pool: UserPool, username: string): Promise<User> => {
    const u = await idp.resolveUser(pool, username);
    if (u === undefined) throw userNotFound();
    return u;
  };
  const page = <T>(items: T[], limit: number, key: (t: T) => string): { items: T[]; next?: string } =>
    items.length > limit ? { items: items.slice(0, limit), next: nextToken(key(items[limit - 1]!)) } : { items };

  return {
    async CreateGroup(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const now = ctx.now();
      const g: Group = {
        poolId: pool.id,
        name: input.GroupName,
        description: input.Description,
        roleArn: input.RoleArn,
        precedence: input.Precedence,
        createdAt: now,
        updatedAt: now,
      };
      await idp.platform.db.transaction(async (tx) => {
        if ((await idp.groups.get(pool.id, g.name, tx)) !== undefined) throw groupExists(g.name);
        await idp.groups.insert(g, tx);
      });
      await idp.groups.groupsChanged(pool.id);
      return { Group: groupView(g) };
    },

    async GetGroup(input) {
      return { Group: groupView((await group(input.UserPoolId, input.GroupName)).group) };
    },

    /** As AWS: fields left out of the request keep their values. */
    async UpdateGroup(input, ctx) {
      const { group: g } = await group(input.UserPoolId, input.GroupName);
      if (input.Description !== undefined) g.description = input.Description;
      if (input.RoleArn !== undefined) g.roleArn = input.RoleArn;
      if (input.Precedence !== undefined) g.precedence = input.Precedence;
      g.updatedAt = ctx.now();
      await idp.groups.save(g);
      return { Group: groupView(g) };
    },

    async ListGroups(input) {
      const pool = await idp.pool(input.UserPoolId);
      const limit = pageSize(input.Limit);
      const p = page(await idp.groups.list(pool.id, afterToken(input.NextToken), limit + 1), limit, (g) => g.name);
      return { Groups: p.items.map(groupView), ...(p.next === undefined ? {} : { NextToken: p.next }) };
    },

    async DeleteGroup(input) {
      const { pool, group: g } = await group(input.UserPoolId, input.GroupName);
      await idp.groups.delete(pool.id, g.name);
    },

    async AdminAddUserToGroup(input) {
      const { pool, group: g } = await group(input.UserPoolId, input.GroupName);
      const u = await user(pool, input.Username);
      await idp.groups.addMember(pool.id, g.name, u.sub);
    },

    async AdminRemoveUserFromGroup(input) {
      const { pool, group: g } = await group(input.UserPoolId, input.GroupName);
      const u = await user(pool, input.Username);
      await idp.groups.removeMember(pool.id, g.name, u.sub);
    },

    async AdminListGroupsForUser(input) {
      const pool = await idp.pool(input.UserPoolId);
      const u = await user(pool, input.Username);
      const limit = pageSize(input.Limit);
      const p = page(await idp.groups.forUser(pool.id, u.sub, afterToken(input.NextToken), limit + 1), limit, (g) => g.name);
      return { Groups: p.items.map(groupView), ...(p.next === undefined ? {} : { NextToken: p.next }) };
    },

    async ListUsersInGroup(input) {
      const { pool, group: g } = await group(input.UserPoolId, input.GroupName);
      const limit = pageSize(input.Limit);
      const p = page(await idp.users.inGroup(pool.id, g.name, afterToken(input.NextToken), limit + 1), limit, (u) => u.sub);
      return { Users: p.items.map((u) => userView(u)), ...(p.next === undefined ? {} : { NextToken: p.next }) };
    },
  };
}
