/**
 * Identity management (signed): list a pool's identities, describe one, delete some.
 * @module
 */
import type { DeleteIdentitiesInput, DeleteIdentitiesResponse, DescribeIdentityInput, IdentityDescription, ListIdentitiesInput, ListIdentitiesResponse } from './api.generated.js';
import { decodeCursor, encodeCursor, requirePool, type IdentityPoolDeps } from './context.js';
import { identityNotFound, invalidParameter } from './errors.js';
import { deleteIdentity, getIdentity, listIdentities, providersOf, type IdentityRecord } from './repository.js';

function describeIdentity(i: IdentityRecord, providers: readonly string[] | undefined): IdentityDescription {
  return {
    IdentityId: i.id,
    ...(providers === undefined || providers.length === 0 ? {} : { Logins: [...providers] }),
    CreationDate: new Date(i.createdAt),
    LastModifiedDate: new Date(i.modifiedAt),
  };
}

export function identityOperations(deps: IdentityPoolDeps) {
  return {
    async ListIdentities(input: ListIdentitiesInput): Promise<ListIdentitiesResponse> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      const after = decodeCursor(input.NextToken);
      if (after === null) throw invalidParameter('Invalid pagination token.');
      const rows = await listIdentities(deps.db, pool.id, after, input.MaxResults + 1, input.HideDisabled === true);
      const page = rows.slice(0, input.MaxResults);
      const providers = await providersOf(deps.db, page.map((i) => i.id));
      const last = page[page.length - 1];
      return {
        IdentityPoolId: pool.id,
        Identities: page.map((i) => describeIdentity(i, providers.get(i.id))),
        ...(rows.length > input.MaxResults && last !== undefined ? { NextToken: encodeCursor(last.createdAt, last.id) } : {}),
      };
    },

    async DescribeIdentity(input: DescribeIdentityInput): Promise<IdentityDescription> {
      const identity = await getIdentity(deps.db, input.IdentityId);
      if (identity === undefined) throw identityNotFound(input.IdentityId);
      const providers = await providersOf(deps.db, [identity.id]);
      return describeIdentity(identity, providers.get(identity.id));
    },

    /** Identities that do not exist are already deleted: nothing to report for them. */
    async DeleteIdentities(input: DeleteIdentitiesInput): Promise<DeleteIdentitiesResponse> {
      await deps.db.transaction(async (tx) => {
        for (const id of input.IdentityIdsToDelete) await deleteIdentity(tx, id);
      });
      return { UnprocessedIdentityIds: [] };
    },
  };
}
