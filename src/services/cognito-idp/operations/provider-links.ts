/**
 * AdminLinkProviderForUser and AdminDisableProviderForUser: an administrator links an external
 * provider's identity (its subject) to an existing native user, so that signing in through the
 * provider yields that user; and removes the link again. As Cognito: the source identity must
 * not have signed in already (no merging), at most five identities per user, and only the
 * `Cognito_Subject` attribute names a social or OIDC identity.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations, ProviderUserIdentifierType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { caseSensitive } from '../domain/pool-config.js';
import { invalidParameter, limitExceeded, userNotFound } from '../errors.js';
import { withoutIdentity } from '../hosted/federated-user.js';
import type { IdentityProvider } from '../store/hosted.js';
import type { UserPool } from '../store/pools.js';

const SUBJECT = 'Cognito_Subject';
const MAX_LINKS = 5;

export function providerLinkOperations(idp: IdpContext): OperationHandlers<Operations> {
  /** The external identity a request names: its provider (which must exist) and subject. */
  const external = async (pool: UserPool, u: ProviderUserIdentifierType, field: string): Promise<{ provider: IdentityProvider; userId: string }> => {
    const name = u.ProviderName ?? '';
    const provider = name === '' || name.toLowerCase() === 'cognito' ? undefined : await idp.hosted.provider(pool.id, name);
    if (provider === undefined) throw invalidParameter(`${field}.ProviderName must be an identity provider of the user pool.`);
    if (u.ProviderAttributeName !== SUBJECT) throw invalidParameter(`${field}.ProviderAttributeName must be ${SUBJECT}.`);
    const userId = u.ProviderAttributeValue ?? '';
    if (userId === '' || userId.length > 128) throw invalidParameter(`${field}.ProviderAttributeValue is required.`);
    return { provider, userId };
  };

  return {
    async AdminLinkProviderForUser(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const dest = input.DestinationUser;
      if (dest.ProviderName?.toLowerCase() !== 'cognito') throw invalidParameter('DestinationUser.ProviderName must be Cognito.');
      const { provider, userId } = await external(pool, input.SourceUser, 'SourceUser');
      const cs = caseSensitive(pool.config);
      const now = ctx.now();
      await idp.platform.db.transaction(async (tx) => {
        const user = dest.ProviderAttributeValue === undefined ? undefined : await idp.users.byUsername(pool.id, dest.ProviderAttributeValue, cs, tx);
        if (user === undefined) throw userNotFound();
        if (user.status === 'EXTERNAL_PROVIDER') throw invalidParameter('DestinationUser must be a native user of the user pool.');
        if ((await idp.users.byUsername(pool.id, `${provider.name}_${userId}`, cs, tx)) !== undefined) {
          throw invalidParameter('Merging is not currently supported, provide a SourceUser that has not been signed up in order to link');
        }
        const existing = await idp.links.get(pool.id, provider.name, userId, tx);
        if (existing !== undefined) {
          if (existing.sub === user.sub) return;
          throw invalidParameter('SourceUser is already linked to another user.');
        }
        if ((await idp.links.forUser(pool.id, user.sub, tx)).length >= MAX_LINKS) throw limitExceeded('A user can be linked to at most 5 identities.');
        await idp.links.insert({ poolId: pool.id, providerName: provider.name, providerUserId: userId, sub: user.sub, createdAt: now }, tx);
      });
      ctx.log.info({ event: 'cognito-idp.provider-linked', userPoolId: pool.id, providerName: provider.name }, 'external identity linked to a user');
      return {};
    },

    /** Removes the identity's link (the linked user keeps signing in natively; the identity signs in as a new federated user). */
    async AdminDisableProviderForUser(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      if (input.User.ProviderName?.toLowerCase() === 'cognito') throw invalidParameter('Gatehouse does not disable native users\u2019 password sign-in through AdminDisableProviderForUser; use AdminDisableUser.');
      const { provider, userId } = await external(pool, input.User, 'User');
      const cs = caseSensitive(pool.config);
      await idp.platform.db.transaction(async (tx) => {
        const link = await idp.links.get(pool.id, provider.name, userId, tx);
        if (link === undefined) return;
        await idp.links.delete(pool.id, provider.name, userId, tx);
        const user = await idp.users.bySub(pool.id, link.sub, tx);
        if (user === undefined) return;
        const identities = withoutIdentity(user.attributes.get('identities'), provider.name, userId);
        if (identities === undefined) user.attributes.delete('identities');
        else user.attributes.set('identities', identities);
        user.updatedAt = ctx.now();
        await idp.users.save(user, cs, tx);
      });
      ctx.log.info({ event: 'cognito-idp.provider-unlinked', userPoolId: pool.id, providerName: provider.name }, 'external identity unlinked');
      return {};
    },
  };
}
