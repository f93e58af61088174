/**
 * The `authorization_code` grant of `/oauth2/token`: the code is spent first (single use,
 * even when two exchanges race), then must be this client's, unexpired (5 minutes), for the
 * same redirect_uri, and answer its PKCE challenge (S256 of code_verifier); any failure is
 * `invalid_grant`, as Cognito answers. The tokens carry the granted scopes, nonce and at_hash.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Sessions } from '../sessions.js';
import { authenticateClient, OAuthError, allowsOAuthFlow, type GrantHandler } from './token.js';

function pkceMatches(challenge: string, verifier: string | undefined): boolean {
  if (verifier === undefined || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const want = Buffer.from(challenge);
  const got = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  return want.length === got.length && timingSafeEqual(want, got);
}

export function codeGrant(sessions: Sessions): GrantHandler {
  return async (idp, d, params) => {
    const { client } = await authenticateClient(idp, d, params);
    const code = params.get('code');
    const redirectUri = params.get('redirect_uri');
    if (code === undefined || code === '' || redirectUri === undefined) throw new OAuthError('invalid_request');
    if (!allowsOAuthFlow(client, 'code')) throw new OAuthError('unauthorized_client');
    if (code.length > 256) throw new OAuthError('invalid_grant');
    const now = idp.platform.clock.now();
    const grant = await idp.oauth.spendCode(code, now);
    if (grant === undefined || grant.poolId !== d.pool.id || grant.clientId !== client.clientId || now >= grant.expiresAt || grant.redirectUri !== redirectUri) {
      throw new OAuthError('invalid_grant');
    }
    if (grant.codeChallenge !== undefined && !pkceMatches(grant.codeChallenge, params.get('code_verifier'))) throw new OAuthError('invalid_grant');
    const user = await idp.users.bySub(d.pool.id, grant.sub);
    if (user === undefined || !user.enabled) throw new OAuthError('invalid_grant');
    const out = await sessions.startOAuth(d.pool, client, user, now, { scopes: grant.scopes, nonce: grant.nonce, authTime: grant.authTime });
    return { ...(out.IdToken === undefined ? {} : { id_token: out.IdToken }), access_token: out.AccessToken, refresh_token: out.RefreshToken, expires_in: out.ExpiresIn, token_type: 'Bearer' };
  };
}
