/**
 * `GET|POST /oauth2/userInfo`: the signed-in user's attributes for a Bearer access token that
 * carries the `openid` scope, checked as every user operation checks it (signature, expiry,
 * revocation). Errors as OAuth 2.0 bearer-token errors: 401 with WWW-Authenticate.
 * @module
 */
import { send } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { IdpContext } from '../context.js';
import type { Sessions } from '../sessions.js';
import type { DomainRequest } from './routes.js';

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization', 'access-control-allow-methods': 'GET, POST, OPTIONS' };

function invalidToken(d: DomainRequest, description: string): void {
  send(d.r.res, 401, { ...CORS, 'content-type': 'application/json;charset=UTF-8', 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` }, JSON.stringify({ error: 'invalid_token', error_description: description }));
}

export async function userInfoEndpoint(idp: IdpContext, sessions: Sessions, d: DomainRequest): Promise<void> {
  const { r } = d;
  if (r.method === 'OPTIONS') {
    send(r.res, 204, { ...CORS, 'access-control-max-age': '86400' });
    return;
  }
  if (r.method !== 'GET' && r.method !== 'POST') {
    send(r.res, 405, { ...CORS, allow: 'GET, POST, OPTIONS', 'content-type': 'text/plain' }, 'Use GET or POST.\n');
    return;
  }
  const header = r.req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer /i.test(header) || header.length > 16_384) return invalidToken(d, 'Access token is missing');
  let found;
  try {
    found = await sessions.accessToken(header.slice(7).trim(), idp.platform.clock.now());
  } catch (err) {
    if (err instanceof ServiceError) return invalidToken(d, err.message.replace(/"/g, "'"));
    throw err;
  }
  if (found.pool.id !== d.pool.id) return invalidToken(d, 'Access token is not for this user pool');
  const scopes = String(found.claims.scope ?? '').split(' ');
  if (!scopes.includes('openid')) {
    send(r.res, 403, { ...CORS, 'content-type': 'application/json;charset=UTF-8', 'www-authenticate': 'Bearer error="insufficient_scope"' }, JSON.stringify({ error: 'insufficient_scope' }));
    return;
  }
  const out: Record<string, string> = { sub: found.user.sub };
  for (const [k, v] of found.user.attributes) if (k !== 'sub' && !k.startsWith('dev:')) out[k] = v;
  out.username = found.user.username;
  send(r.res, 200, { ...CORS, 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' }, JSON.stringify(out));
}
