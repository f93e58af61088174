/**
 * CreateIdentityProvider, DescribeIdentityProvider, UpdateIdentityProvider,
 * DeleteIdentityProvider, ListIdentityProviders, GetIdentityProviderByIdentifier: the
 * external providers (OIDC, SAML, Google, Facebook, LoginWithAmazon, SignInWithApple) a
 * pool's hosted UI signs users in through. Details are sealed at rest (client secrets).
 * @module
 */
import type { Sql } from '../../../store/database.js';
import type { OperationHandlers } from '../../types.js';
import type { IdentityProviderType, IdentityProviderTypeType, Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { describedDetails, providerDetails } from '../domain/providers.js';
import { duplicateProvider, invalidParameter, resourceNotFound } from '../errors.js';
import { IdpFailure } from '../hosted/oidc-idp.js';
import { metadataText, parseMetadata } from '../hosted/saml-idp.js';
import type { IdentityProvider } from '../store/hosted.js';
import type { UserPool } from '../store/pools.js';
import { afterToken, nextToken, pageSize } from '../views.js';

const notFound = (name: string) => resourceNotFound(`Identity provider ${name} does not exist.`);

export function identityProviderView(p: IdentityProvider): IdentityProviderType {
  return {
    UserPoolId: p.poolId,
    ProviderName: p.name,
    ProviderType: p.type as IdentityProviderTypeType,
    ProviderDetails: describedDetails(p.type, p.details),
    AttributeMapping: { ...p.attributeMapping },
    IdpIdentifiers: [...p.idpIdentifiers],
    LastModifiedDate: new Date(p.updatedAt),
    CreationDate: new Date(p.createdAt),
  };
}

/** Mapped attributes must be the pool's (or `username`, which names the user after the provider's value). */
function attributeMapping(pool: UserPool, mapping: Record<string, string> | undefined): Record<string, string> {
  const names = new Set(pool.config.SchemaAttributes.map((a) => a.Name!));
  for (const k of Object.keys(mapping ?? {})) {
    if (k !== 'username' && !names.has(k)) throw invalidParameter(`Invalid attribute mapping: ${k} is not an attribute of the user pool.`);
  }
  return { ...(mapping ?? {}) };
}

/**
 * A SAML provider's metadata is read when it is stored, as Cognito reads it (a MetadataURL is
 * fetched): a document Gatehouse could not sign in with is refused, and the endpoints it names
 * become the SSORedirectBindingURI / SLORedirectBindingURI that Describe shows.
 */
async function withSamlEndpoints(details: Record<string, string>, now: number): Promise<Record<string, string>> {
  const { SSORedirectBindingURI: _sso, SLORedirectBindingURI: _slo, ...given } = details;
  try {
    const md = parseMetadata(await metadataText(given), now);
    return { ...given, SSORedirectBindingURI: md.sso, ...(md.slo === undefined ? {} : { SLORedirectBindingURI: md.slo }) };
  } catch (err) {
    if (err instanceof IdpFailure) throw invalidParameter(err.message);
    throw err;
  }
}

export function identityProviderOperations(idp: IdpContext): OperationHandlers<Operations> {
  const existing = async (poolId: string, name: string): Promise<{ pool: UserPool; provider: IdentityProvider }> => {
    const pool = await idp.pool(poolId);
    const p = await idp.hosted.provider(pool.id, name);
    if (p === undefined) throw notFound(name);
    return { pool, provider: p };
  };

  /** IdpIdentifiers pick a provider by e-mail domain or name, so they are unique in a pool. */
  const checkIdentifiers = async (poolId: string, name: string, ids: string[], tx?: Sql): Promise<void> => {
    if (new Set(ids).size !== ids.length) throw invalidParameter('Duplicate IdpIdentifiers are not allowed.');
    if (ids.length === 0) return;
    const others = (await idp.hosted.providers(poolId, '', 10_000, tx)).filter((p) => p.name !== name);
    for (const o of others) {
      const taken = ids.find((i) => o.idpIdentifiers.includes(i));
      if (taken !== undefined) throw invalidParameter(`The IdpIdentifier ${taken} is already used by identity provider ${o.name}.`);
    }
  };

  return {
    async CreateIdentityProvider(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      if (input.ProviderName.toLowerCase() === 'cognito') throw invalidParameter('The provider name COGNITO is reserved.');
      const now = ctx.now();
      const p: IdentityProvider = {
        poolId: pool.id,
        name: input.ProviderName,
        type: input.ProviderType,
        details: input.ProviderType === 'SAML' ? await withSamlEndpoints(providerDetails('SAML', input.ProviderDetails), now) : providerDetails(input.ProviderType, input.ProviderDetails),
        attributeMapping: attributeMapping(pool, input.AttributeMapping),
        idpIdentifiers: [...(input.IdpIdentifiers ?? [])],
        createdAt: now,
        updatedAt: now,
      };
      await idp.platform.db.transaction(async (tx) => {
        if ((await idp.hosted.provider(pool.id, p.name, tx)) !== undefined) throw duplicateProvider(p.name, pool.id);
        await checkIdentifiers(pool.id, p.name, p.idpIdentifiers, tx);
        await idp.hosted.insertProvider(p, tx);
      });
      ctx.log.info({ event: 'cognito-idp.idp.created', userPoolId: pool.id, providerName: p.name, providerType: p.type }, 'identity provider created');
      return { IdentityProvider: identityProviderView(p) };
    },

    async DescribeIdentityProvider(input) {
      return { IdentityProvider: identityProviderView((await existing(input.UserPoolId, input.ProviderName)).provider) };
    },

    /** Given fields replace the stored ones; Apple's private key, which Describe hides, is kept when left out. */
    async UpdateIdentityProvider(input, ctx) {
      const { pool, provider: p } = await existing(input.UserPoolId, input.ProviderName);
      if (input.ProviderDetails !== undefined) {
        const given = { ...input.ProviderDetails };
        if (p.type === 'SignInWithApple' && given.private_key === undefined && p.details.private_key !== undefined) given.private_key = p.details.private_key;
        const details = providerDetails(p.type as IdentityProviderTypeType, given);
        p.details = p.type === 'SAML' ? await withSamlEndpoints(details, ctx.now()) : details;
      }
      if (input.AttributeMapping !== undefined) p.attributeMapping = attributeMapping(pool, input.AttributeMapping);
      if (input.IdpIdentifiers !== undefined) {
        await checkIdentifiers(pool.id, p.name, input.IdpIdentifiers);
        p.idpIdentifiers = [...input.IdpIdentifiers];
      }
      p.updatedAt = ctx.now();
      await idp.platform.db.transaction((tx) => idp.hosted.saveProvider(p, tx));
      return { IdentityProvider: identityProviderView(p) };
    },

    async DeleteIdentityProvider(input) {
      const { provider: p } = await existing(input.UserPoolId, input.ProviderName);
      await idp.hosted.deleteProvider(p.poolId, p.name);
    },

    async ListIdentityProviders(input) {
      const pool = await idp.pool(input.UserPoolId);
      const limit = pageSize(input.MaxResults);
      const rows = await idp.hosted.providers(pool.id, afterToken(input.NextToken), limit + 1);
      const page = rows.slice(0, limit);
      return {
        Providers: page.map((p) => ({ ProviderName: p.name, ProviderType: p.type as IdentityProviderTypeType, LastModifiedDate: new Date(p.updatedAt), CreationDate: new Date(p.createdAt) })),
        ...(rows.length > limit ? { NextToken: nextToken(page[page.length - 1]!.name) } : {}),
      };
    },

    async GetIdentityProviderByIdentifier(input) {
      const pool = await idp.pool(input.UserPoolId);
      const found = (await idp.hosted.providers(pool.id, '', 10_000)).find((p) => p.idpIdentifiers.includes(input.IdpIdentifier));
      if (found === undefined) throw resourceNotFound(`Identity provider with identifier ${input.IdpIdentifier} does not exist.`);
      return { IdentityProvider: identityProviderView(found) };
    },
  };
}
