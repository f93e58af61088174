/**
 * CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient, ListUserPoolClients,
 * DeleteUserPoolClient. Secrets are generated (or taken as given), sealed at rest, and shown
 * by Create and Describe as AWS does.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { clientConfig } from '../domain/client-config.js';
import { newClientId, newClientSecret } from '../domain/ids.js';
import { CLIENT_ID_HEADER, requestedId } from '../domain/requested-ids.js';
import { invalidParameter } from '../errors.js';
import { checkOAuthSettings } from './client-oauth.js';
import type { AppClient, UserPool } from '../store/pools.js';
import { afterToken, clientView, nextToken, pageSize } from '../views.js';

export function clientOperations(idp: IdpContext): OperationHandlers<Operations> {
  const schemaNames = (pool: UserPool): Set<string> => new Set(pool.config.SchemaAttributes.map((a) => a.Name!));

  return {
    async CreateUserPoolClient(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const config = clientConfig(input, schemaNames(pool), 'creating');
      if (input.ClientSecret !== undefined && input.GenerateSecret !== true) {
        throw invalidParameter('ClientSecret can only be provided when GenerateSecret is true.');
      }
      if (input.ClientSecret !== undefined && (input.ClientSecret.length < 24 || input.ClientSecret.length > 64)) {
        throw invalidParameter('ClientSecret must be between 24 and 64 characters.');
      }
      await checkOAuthSettings(idp, pool.id, input, input.GenerateSecret === true);
      const fixed = requestedId(ctx, CLIENT_ID_HEADER, /^[\w+]{1,128}$/, 'client id');
      if (fixed !== undefined && (await idp.pools.getClient(fixed)) !== undefined) throw invalidParameter(`App client ${fixed} already exists.`);
      const now = ctx.now();
      const client: AppClient = {
        clientId: fixed ?? newClientId(),
        poolId: pool.id,
        name: input.ClientName,
        secret: input.GenerateSecret === true ? (input.ClientSecret ?? newClientSecret()) : undefined,
        config,
        createdAt: now,
        updatedAt: now,
      };
      await idp.pools.createClient(client);
      return { UserPoolClient: clientView(client) };
    },

    async DescribeUserPoolClient(input) {
      const { client } = await idp.clientIn(input.UserPoolId, input.ClientId);
      return { UserPoolClient: clientView(client) };
    },

    async UpdateUserPoolClient(input, ctx) {
      const { pool, client } = await idp.clientIn(input.UserPoolId, input.ClientId);
      const config = clientConfig(input, schemaNames(pool), 'updating');
      await checkOAuthSettings(idp, pool.id, input, client.secret !== undefined);
      await idp.pools.updateClient(client.clientId, input.ClientName ?? client.name, config, ctx.now());
      const updated = await idp.pools.getClient(client.clientId);
      return { UserPoolClient: clientView(updated!) };
    },

    async ListUserPoolClients(input) {
      const pool = await idp.pool(input.UserPoolId);
      const limit = pageSize(input.MaxResults);
      const rows = await idp.pools.listClients(pool.id, input.NextToken === undefined ? undefined : afterToken(input.NextToken), limit + 1);
      const page = rows.slice(0, limit);
      return {
        UserPoolClients: page.map((c) => ({ ClientId: c.clientId, UserPoolId: c.poolId, ClientName: c.name })),
        ...(rows.length > limit ? { NextToken: nextToken(page[page.length - 1]!.clientId) } : {}),
      };
    },

    async DeleteUserPoolClient(input) {
      const { client } = await idp.clientIn(input.UserPoolId, input.ClientId);
      await idp.pools.deleteClient(client.clientId);
    },
  };
}
