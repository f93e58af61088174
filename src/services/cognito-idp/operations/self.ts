/**
 * What a signed-in user does with their access token: GetUser, ChangePassword (five wrong
 * previous passwords an hour, then LimitExceededException), GlobalSignOut, DeleteUser; and
 * RevokeToken with a refresh token.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { toAttributeList } from '../domain/attributes.js';
import { clientSecretMatches } from '../domain/client-config.js';
import { RateLimit } from '../domain/rate-limit.js';
import { checkPasswordPolicy } from '../domain/password-policy.js';
import { caseSensitive } from '../domain/pool-config.js';
import { decodeJwt } from '../domain/jwt.js';
import { hashRefreshToken } from '../domain/tokens.js';
import { incorrectCredentials } from '../errors.js';
import type { Sessions } from '../sessions.js';
import { passwordMatches, passwordVerifier } from './new-users.js';

export function selfOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  /** A stolen access token must not let its holder guess the password at speed. */
  const wrongPreviousPasswords = new RateLimit(idp.attempts, 'wrong-previous-password', 5);

  return {
    async GetUser(input, ctx) {
      const { user, claims } = await sessions.accessToken(input.AccessToken, ctx.now());
      const client = typeof claims.client_id === 'string' ? await idp.pools.getClient(claims.client_id) : undefined;
      const readable = client?.config.ReadAttributes;
      const names = new Set([...user.attributes.keys()].filter((n) => !n.startsWith('dev:') && (readable === undefined || n === 'sub' || readable.includes(n))));
      return { Username: user.username, UserAttributes: toAttributeList(user.attributes, names) };
    },

    async ChangePassword(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      if (input.PreviousPassword === undefined) {
        throw new ServiceError('InvalidParameterException', "1 validation error detected: Value null at 'previousPassword' failed to satisfy constraint: Member must not be null", 400);
      }
      await wrongPreviousPasswords.check(pool.id, user.sub, now);
      if (!passwordMatches(pool, user, input.PreviousPassword)) {
        await wrongPreviousPasswords.count(pool.id, user.sub, now);
        throw incorrectCredentials();
      }
      checkPasswordPolicy(pool.config, input.ProposedPassword);
      Object.assign(user, passwordVerifier(pool, user.username, input.ProposedPassword));
      user.updatedAt = now;
      await idp.users.save(user, caseSensitive(pool.config));
      return {};
    },

    async GlobalSignOut(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      await sessions.revokeUser(pool, user, now);
      ctx.log.info({ event: 'cognito-idp.global-sign-out', userPoolId: pool.id, sub: user.sub }, 'user signed out everywhere');
      return {};
    },

    async DeleteUser(input, ctx) {
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      await idp.platform.db.transaction((tx) => idp.users.delete(pool.id, user.sub, tx));
      ctx.log.info({ event: 'cognito-idp.user-deleted', userPoolId: pool.id, sub: user.sub }, 'user deleted their account');
    },

    /**
     * Revokes the refresh token's session and with it every token minted from it. Unknown
     * tokens succeed quietly (RFC 7009); tokens of another client are refused.
     */
    async RevokeToken(input, ctx) {
      const { client } = await idp.client(input.ClientId);
      if (client.secret !== undefined && !clientSecretMatches(client.secret, input.ClientSecret)) {
        throw new ServiceError('UnauthorizedException', 'Invalid client secret.', 401);
      }
      if (client.config.EnableTokenRevocation === false) {
        throw new ServiceError('UnsupportedOperationException', 'Token revocation is not enabled for this app client.', 400);
      }
      if (decodeJwt(input.Token) !== undefined) throw new ServiceError('UnsupportedTokenTypeException', 'Only refresh tokens can be revoked.', 400);
      const session = await idp.tokens.refreshByHash(hashRefreshToken(input.Token));
      if (session === undefined) return {};
      if (session.clientId !== client.clientId) throw new ServiceError('UnauthorizedException', 'The refresh token was not issued to this app client.', 401);
      await idp.tokens.revokeSession(session.originJti, ctx.now());
      return {};
    },
  };
}
