/**
 * CreateResourceServer, DescribeResourceServer, UpdateResourceServer, DeleteResourceServer,
 * ListResourceServers. A resource server's scopes are granted as `<Identifier>/<ScopeName>`
 * (AllowedOAuthScopes, client_credentials, the authorization-code flow).
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations, ResourceServerScopeType, ResourceServerType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { invalidParameter, limitExceeded, resourceNotFound } from '../errors.js';
import type { ResourceServer } from '../store/hosted.js';
import { afterToken, nextToken } from '../views.js';

/** Cognito's quota of resource servers per user pool. */
export const MAX_RESOURCE_SERVERS = 25;

const notFound = (identifier: string) => resourceNotFound(`Resource server ${identifier} does not exist.`);

function scopes(list: ResourceServerScopeType[] | undefined): ResourceServer['scopes'] {
  const seen = new Set<string>();
  for (const s of list ?? []) {
    if (seen.has(s.ScopeName)) throw invalidParameter(`Duplicate scope names are not allowed: ${s.ScopeName}`);
    seen.add(s.ScopeName);
  }
  return (list ?? []).map((s) => ({ ScopeName: s.ScopeName, ScopeDescription: s.ScopeDescription }));
}

export function resourceServerView(s: ResourceServer): ResourceServerType {
  return { UserPoolId: s.poolId, Identifier: s.identifier, Name: s.name, Scopes: s.scopes.map((x) => ({ ...x })) };
}

export function resourceServerOperations(idp: IdpContext): OperationHandlers<Operations> {
  const existing = async (poolId: string, identifier: string): Promise<ResourceServer> => {
    const pool = await idp.pool(poolId);
    const s = await idp.hosted.resourceServer(pool.id, identifier);
    if (s === undefined) throw notFound(identifier);
    return s;
  };

  return {
    async CreateResourceServer(input) {
      const pool = await idp.pool(input.UserPoolId);
      const s: ResourceServer = { poolId: pool.id, identifier: input.Identifier, name: input.Name, scopes: scopes(input.Scopes) };
      await idp.platform.db.transaction(async (tx) => {
        if ((await idp.hosted.resourceServer(pool.id, s.identifier, tx)) !== undefined) {
          throw invalidParameter(`${s.identifier} already exists in user pool ${pool.id}.`);
        }
        if ((await idp.hosted.countResourceServers(pool.id, tx)) >= MAX_RESOURCE_SERVERS) {
          throw limitExceeded(`The user pool ${pool.id} already has ${MAX_RESOURCE_SERVERS} resource servers.`);
        }
        await idp.hosted.insertResourceServer(s, tx);
      });
      await idp.hosted.resourceServerChanged(s.poolId, s.identifier);
      return { ResourceServer: resourceServerView(s) };
    },

    async DescribeResourceServer(input) {
      return { ResourceServer: resourceServerView(await existing(input.UserPoolId, input.Identifier)) };
    },

    /** As AWS documents: every field is replaced, so Scopes left out are removed. */
    async UpdateResourceServer(input) {
      // A new value, not the stored one changed in place (that one may be cached).
      const s: ResourceServer = { ...(await existing(input.UserPoolId, input.Identifier)), name: input.Name, scopes: scopes(input.Scopes) };
      await idp.hosted.saveResourceServer(s);
      return { ResourceServer: resourceServerView(s) };
    },

    async DeleteResourceServer(input) {
      const s = await existing(input.UserPoolId, input.Identifier);
      await idp.hosted.deleteResourceServer(s.poolId, s.identifier);
    },

    async ListResourceServers(input) {
      const pool = await idp.pool(input.UserPoolId);
      const limit = input.MaxResults ?? 50;
      const rows = await idp.hosted.resourceServers(pool.id, afterToken(input.NextToken), limit + 1);
      const page = rows.slice(0, limit);
      return {
        ResourceServers: page.map(resourceServerView),
        ...(rows.length > limit ? { NextToken: nextToken(page[page.length - 1]!.identifier) } : {}),
      };
    },
  };
}
