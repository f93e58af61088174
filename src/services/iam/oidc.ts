/**
 * IAM OIDC identity providers: the issuers whose tokens STS accepts in
 * AssumeRoleWithWebIdentity (with the client ids a token's `aud` must be one of). A provider
 * is known by its URL without the scheme; its ARN is `…:oidc-provider/<host/path>`. Unlike
 * AWS, `http://` issuers are accepted so that local identity providers can be used.
 * Thumbprints are stored and returned; keys are verified through the issuer's JWKS instead.
 * @module
 */
import type { Sql } from '../../store/database.js';
import type { OperationHandlers } from '../types.js';
import type { Operations } from './api.generated.js';
import { checkTags, mergeTags, paginate, QUOTAS, removeTags } from './common.js';
import type { IamDirectory } from './directory.js';
import { entityAlreadyExists, invalidArn, invalidInput, limitExceeded, noSuchEntity, validationError } from './errors.js';
import { oidcProviderArn, oidcUrlKey, wholeSeconds } from './ids.js';
import type { OidcProviderRow, Tag } from './repository.js';

type Handlers = OperationHandlers<Operations>;

export function oidcOperations(dir: IamDirectory): Handlers {
  const repo = dir.repo;

  function keyOf(arn: string): string {
    const prefix = `arn:aws:iam::${dir.accountId}:oidc-provider/`;
    if (!arn.startsWith(prefix) || arn.length === prefix.length) throw invalidArn(arn);
    return arn.slice(prefix.length);
  }

  async function mustProvider(arn: string, sql?: Sql): Promise<OidcProviderRow> {
    const row = await repo.getOidcProvider(keyOf(arn), sql);
    if (row === undefined) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return row;
  }

  /** Reads, checks and rewrites a provider in one transaction (concurrent edits of its lists cannot interleave). */
  function changeProvider(arn: string, fn: (row: OidcProviderRow, tx: Sql) => Promise<void>): Promise<void> {
    return repo.transaction(async (tx) => fn(await mustProvider(arn, tx), tx));
  }

  function checkThumbprints(list: readonly string[]): void {
    if (list.length > QUOTAS.thumbprintsPerProvider) throw invalidInput('Thumbprint list must contain fewer than 5 entries.');
  }

  return {
    async CreateOpenIDConnectProvider(input, ctx) {
      const key = oidcUrlKey(input.Url);
      if (key === undefined) throw validationError('Invalid Open ID Connect Provider URL');
      const thumbprints = input.ThumbprintList ?? [];
      checkThumbprints(thumbprints);
      const clientIds = [...new Set(input.ClientIDList ?? [])];
      if (clientIds.length > QUOTAS.clientIdsPerProvider) throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${QUOTAS.clientIdsPerProvider}`);
      const tags = checkTags(input.Tags);
      const url = input.Url.replace(/\/+$/, '');
      const ok = await repo.insertOidcProvider({
        url_key: key,
        url,
        client_ids: JSON.stringify(clientIds),
        thumbprints: JSON.stringify(thumbprints),
        tags: JSON.stringify(tags),
        created_at: wholeSeconds(ctx.now()),
      });
      if (!ok) throw entityAlreadyExists(`Provider with url ${url} already exists.`);
      return { OpenIDConnectProviderArn: oidcProviderArn(dir.accountId, key), ...(tags.length > 0 ? { Tags: tags } : {}) };
    },

    async GetOpenIDConnectProvider(input) {
      const row = await mustProvider(input.OpenIDConnectProviderArn);
      const tags = JSON.parse(row.tags) as Tag[];
      return {
        Url: row.url_key,
        ClientIDList: JSON.parse(row.client_ids) as string[],
        ThumbprintList: JSON.parse(row.thumbprints) as string[],
        CreateDate: new Date(Number(row.created_at)),
        ...(tags.length > 0 ? { Tags: tags } : {}),
      };
    },

    async ListOpenIDConnectProviders() {
      const rows = await repo.listOidcProviders();
      return { OpenIDConnectProviderList: rows.map((r) => ({ Arn: oidcProviderArn(dir.accountId, r.url_key) })) };
    },

    async DeleteOpenIDConnectProvider(input) {
      // Idempotent, as AWS documents: deleting a provider that does not exist succeeds.
      await repo.deleteOidcProvider(keyOf(input.OpenIDConnectProviderArn));
    },

    async AddClientIDToOpenIDConnectProvider(input) {
      await changeProvider(input.OpenIDConnectProviderArn, async (row, tx) => {
        const ids = JSON.parse(row.client_ids) as string[];
        if (ids.includes(input.ClientID)) return;
        if (ids.length >= QUOTAS.clientIdsPerProvider) throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${QUOTAS.clientIdsPerProvider}`);
        ids.push(input.ClientID);
        await repo.updateOidcProvider(row.url_key, { client_ids: JSON.stringify(ids) }, tx);
      });
    },

    async RemoveClientIDFromOpenIDConnectProvider(input) {
      await changeProvider(input.OpenIDConnectProviderArn, async (row, tx) => {
        const ids = (JSON.parse(row.client_ids) as string[]).filter((id) => id !== input.ClientID);
        await repo.updateOidcProvider(row.url_key, { client_ids: JSON.stringify(ids) }, tx);
      });
    },

    async UpdateOpenIDConnectProviderThumbprint(input) {
      const row = await mustProvider(input.OpenIDConnectProviderArn);
      checkThumbprints(input.ThumbprintList);
      await repo.updateOidcProvider(row.url_key, { thumbprints: JSON.stringify(input.ThumbprintList) });
    },

    async TagOpenIDConnectProvider(input) {
      await changeProvider(input.OpenIDConnectProviderArn, (row, tx) =>
        repo.updateOidcProvider(row.url_key, { tags: JSON.stringify(mergeTags(JSON.parse(row.tags) as Tag[], input.Tags)) }, tx),
      );
    },

    async UntagOpenIDConnectProvider(input) {
      await changeProvider(input.OpenIDConnectProviderArn, (row, tx) =>
        repo.updateOidcProvider(row.url_key, { tags: JSON.stringify(removeTags(JSON.parse(row.tags) as Tag[], input.TagKeys)) }, tx),
      );
    },

    async ListOpenIDConnectProviderTags(input) {
      const row = await mustProvider(input.OpenIDConnectProviderArn);
      const page = paginate(JSON.parse(row.tags) as Tag[], (t) => t.Key, input.Marker, input.MaxItems);
      return { Tags: page.items, IsTruncated: page.IsTruncated, ...(page.Marker === undefined ? {} : { Marker: page.Marker }) };
    },
  };
}
