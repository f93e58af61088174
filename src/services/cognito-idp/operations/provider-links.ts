/**
 * AdminLinkProviderForUser and AdminDisableProviderForUser: an administrator links an external
 * provider's identity to an existing native user, so that signing in through the provider
 * yields that user; and removes the link again. As Cognito documents them: the source identity
 * must not have signed in already (no merging), at most five identities per user; social
 * providers name the identity by `Cognito_Subject` only, OIDC and SAML providers also by a
 * user-pool attribute their AttributeMapping fills (`email`), which the identity's first
 * sign-in turns into a `Cognito_Subject` link (hosted/federated-user.ts). Disabling a native
 * user (ProviderName `Cognito`) takes their password away: they sign in through their linked
 * identities only, until an administrator sets a password again.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations, ProviderUserIdentifierType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { caseSensitive } from '../domain/pool-config.js';
import { invalidParameter, limitExceeded, userNotFound } from '../errors.js';
import { withoutIdentity } from '../hosted/federated-user.js';
import type { IdentityProvider } from '../store/hosted.js';
import { SUBJECT } from '../store/links.js';
import type { UserPool } from '../store/pools.js';

const MAX_LINKS = 5;
/** Where AWS lets SourceUser name an attribute other than the subject. */
const BY_ATTRIBUTE = new Set(['OIDC', 'SAML']);

export function providerLinkOperations(idp: IdpContext): OperationHandlers<Operations> {
  /** The external identity a request names: its provider (which must exist), the attribute and its value. */
  const external = async (pool: UserPool, u: ProviderUserIdentifierType, field: string): Promise<{ provider: IdentityProvider; attribute: string; value: string }> => {
    const name = u.ProviderName ?? '';
    const provider = name === '' || name.toLowerCase() === 'cognito' ? undefined : await idp.hosted.provider(pool.id, name);
    if (provider === undefined) throw invalidParameter(`${field}.ProviderName must be an identity provider of the user pool.`);
    const attribute = u.ProviderAttributeName ?? '';
    if (attribute !== SUBJECT) {
      if (!BY_ATTRIBUTE.has(provider.type)) throw invalidParameter(`${field}.ProviderAttributeName must be ${SUBJECT}.`);
      if (attribute === 'username' || provider.attributeMapping[attribute] === undefined) {
        throw invalidParameter(`${field}.ProviderAttributeName must be ${SUBJECT} or a user pool attribute mapped in the AttributeMapping of ${provider.name}.`);
      }
    }
    const value = u.ProviderAttributeValue ?? '';
    if (value === '' || value.length > 2048) throw invalidParameter(`${field}.ProviderAttributeValue is required.`);
    if (attribute === SUBJECT && value.length > 128) throw invalidParameter(`${field}.ProviderAttributeValue is too long.`);
    return { provider, attribute, value };
  };

  return {
    async AdminLinkProviderForUser(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const dest = input.DestinationUser;
      if (dest.ProviderName?.toLowerCase() !== 'cognito') throw invalidParameter('DestinationUser.ProviderName must be Cognito.');
      const { provider, attribute, value } = await external(pool, input.SourceUser, 'SourceUser');
      const cs = caseSensitive(pool.config);
      const now = ctx.now();
      await idp.platform.db.transaction(async (tx) => {
        const user = dest.ProviderAttributeValue === undefined ? undefined : await idp.users.byUsername(pool.id, dest.ProviderAttributeValue, cs, tx);
        if (user === undefined) throw userNotFound();
        if (user.status === 'EXTERNAL_PROVIDER') throw invalidParameter('DestinationUser must be a native user of the user pool.');
        if (attribute === SUBJECT && (await idp.users.byUsername(pool.id, `${provider.name}_${value}`, cs, tx)) !== undefined) {
          throw invalidParameter('Merging is not currently supported, provide a SourceUser that has not been signed up in order to link');
        }
        const existing = await idp.links.get(pool.id, provider.name, attribute, value, tx);
        if (existing !== undefined) {
          if (existing.sub === user.sub) return;
          throw invalidParameter('SourceUser is already linked to another user.');
        }
        if ((await idp.links.forUser(pool.id, user.sub, tx)).length >= MAX_LINKS) throw limitExceeded('A user can be linked to at most 5 identities.');
        await idp.links.insert({ poolId: pool.id, providerName: provider.name, attributeName: attribute, providerUserId: value, sub: user.sub, createdAt: now }, tx);
      });
      ctx.log.info({ event: 'cognito-idp.provider-linked', userPoolId: pool.id, providerName: provider.name, attribute }, 'external identity linked to a user');
      return {};
    },

    /**
     * A provider identity: its link removed (the linked user keeps signing in natively; the
     * identity signs in as a new federated user). A native user (`Cognito`): no password sign-in.
     */
    async AdminDisableProviderForUser(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const cs = caseSensitive(pool.config);
      const now = ctx.now();
      if (input.User.ProviderName?.toLowerCase() === 'cognito') {
        if (input.User.ProviderAttributeName !== SUBJECT) throw invalidParameter(`User.ProviderAttributeName must be ${SUBJECT}.`);
        const username = input.User.ProviderAttributeValue ?? '';
        await idp.platform.db.transaction(async (tx) => {
          const user = username === '' ? undefined : await idp.users.byUsername(pool.id, username, cs, tx);
          if (user === undefined) throw userNotFound();
          if (user.status === 'EXTERNAL_PROVIDER') throw invalidParameter('User must be a native user of the user pool.');
          // Without a verifier every password check fails as a wrong password does (sign-in.ts); AdminSetUserPassword gives one back.
          user.salt = undefined;
          user.verifier = undefined;
          user.updatedAt = now;
          await idp.users.save(user, cs, tx);
        });
        ctx.log.info({ event: 'cognito-idp.native-sign-in-disabled', userPoolId: pool.id }, 'password sign-in disabled for a user');
        return {};
      }
      const { provider, attribute, value } = await external(pool, input.User, 'User');
      await idp.platform.db.transaction(async (tx) => {
        const link = await idp.links.get(pool.id, provider.name, attribute, value, tx);
        if (link === undefined) return;
        await idp.links.delete(pool.id, provider.name, attribute, value, tx);
        const user = await idp.users.bySub(pool.id, link.sub, tx);
        if (user === undefined || attribute !== SUBJECT) return;
        const identities = withoutIdentity(user.attributes.get('identities'), provider.name, value);
        if (identities === undefined) user.attributes.delete('identities');
        else user.attributes.set('identities', identities);
        user.updatedAt = now;
        await idp.users.save(user, cs, tx);
      });
      ctx.log.info({ event: 'cognito-idp.provider-unlinked', userPoolId: pool.id, providerName: provider.name }, 'external identity unlinked');
      return {};
    },
  };
}
