/**
 * The `refresh_token` grant of `/oauth2/token`: new ID and access tokens in the refresh
 * token's session, for a client that may refresh (ALLOW_REFRESH_TOKEN_AUTH) and has
 * authenticated itself when it has a secret. A revoked, expired or foreign token, or one of a
 * tracked device without that device's `device_key`, is `invalid_grant`, as Cognito answers.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import { allowsFlow } from '../domain/client-config.js';
import type { Sessions } from '../sessions.js';
import { authenticateClient, OAuthError, type GrantHandler } from './token.js';

export function refreshGrant(sessions: Sessions): GrantHandler {
  return async (idp, d, params) => {
    const { client } = await authenticateClient(idp, d, params);
    const token = params.get('refresh_token');
    if (token === undefined || token === '') throw new OAuthError('invalid_request');
    if (token.length > 4096) throw new OAuthError('invalid_grant');
    if (!allowsFlow(client.config, 'REFRESH_TOKEN_AUTH')) throw new OAuthError('unauthorized_client');
    try {
      // The client proved itself above (secret or none); no SECRET_HASH on this path. A session
      // of a tracked device refreshes only with its `device_key`, as through the API.
      const deviceKey = params.get('device_key');
      const device = deviceKey !== undefined && deviceKey.length <= 55 ? deviceKey : undefined;
      const out = await sessions.refresh(d.pool, client, token, idp.platform.clock.now(), () => undefined, undefined, device);
      return { id_token: out.IdToken, access_token: out.AccessToken, expires_in: out.ExpiresIn, token_type: 'Bearer' };
    } catch (err) {
      if (err instanceof ServiceError && err.status < 500) throw new OAuthError('invalid_grant');
      throw err;
    }
  };
}
