/**
 * `GET /logout` and `POST /oauth2/revoke`. Logout ends the hosted session (cookie and row)
 * and goes to one of the client's LogoutURLs (`logout_uri`), or back to the sign-in page
 * with a new authorization request (`redirect_uri` + `response_type`); an unregistered
 * address gets an error page and ends nothing. Revoke ends a refresh token's session, and
 * with it every token minted from it; an unknown token is no error (RFC 7009).
 * @module
 */
import { BodyTimeout, BodyTooLarge, readBody, send } from '../../../protocols/http.js';
import type { IdpContext } from '../context.js';
import { hashRefreshToken } from '../domain/tokens.js';
import { checkAuthorize, cookies, SESSION_COOKIE, setCookie } from './authorize.js';
import { errorPage } from './pages.js';
import type { DomainRequest } from './routes.js';
import { answeredUnlessPost, authenticateClient, formParams, OAuthError, TOKEN_CORS } from './token.js';

export async function logoutEndpoint(idp: IdpContext, d: DomainRequest): Promise<void> {
  const { r } = d;
  if (r.method !== 'GET') {
    send(r.res, 405, { allow: 'GET', 'content-type': 'text/plain' }, 'Use GET.\n');
    return;
  }
  const query = new URLSearchParams(r.query);
  const clientId = query.get('client_id');
  const client = clientId === null || clientId.length > 128 ? undefined : await idp.pools.getClient(clientId);
  if (client === undefined || client.poolId !== d.pool.id) return errorPage(d, 400, 'invalid_request', 'The client_id is not valid.');
  let location: string;
  const logoutUri = query.get('logout_uri');
  if (logoutUri !== null) {
    if (!(client.config.LogoutURLs ?? []).includes(logoutUri)) return errorPage(d, 400, 'redirect_mismatch', 'The logout_uri is not one of the client\u2019s sign-out URLs.');
    location = logoutUri;
  } else {
    const checked = checkAuthorize(d, client, query, r.query);
    if ('page' in checked) return errorPage(d, checked.page.status, checked.page.title, checked.page.message);
    if ('redirect' in checked) return errorPage(d, 400, 'invalid_request', 'Give logout_uri, or redirect_uri and response_type.');
    location = `${d.base}/login?${r.query}`;
  }
  const id = cookies(d).get(SESSION_COOKIE);
  if (id !== undefined && id.length <= 128) await idp.oauth.endSession(id);
  send(r.res, 302, { location, 'cache-control': 'no-store', 'set-cookie': setCookie(d, SESSION_COOKIE, '', 0) });
}

const JSON_HEADERS = { ...TOKEN_CORS, 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' };

export async function revokeEndpoint(idp: IdpContext, d: DomainRequest): Promise<void> {
  const { r } = d;
  if (answeredUnlessPost(r, JSON_HEADERS)) return;
  const fail = (code: string): void => send(r.res, 400, JSON_HEADERS, JSON.stringify({ error: code }));
  let body: Buffer;
  try {
    body = await readBody(r.req, 16 * 1024, 30_000);
  } catch (err) {
    if (err instanceof BodyTooLarge || err instanceof BodyTimeout) return fail('invalid_request');
    throw err;
  }
  try {
    const params = formParams(body.toString('utf8'));
    const { client } = await authenticateClient(idp, d, params);
    const token = params.get('token');
    if (token === undefined || token === '') throw new OAuthError('invalid_request');
    if (client.config.EnableTokenRevocation === false) throw new OAuthError('unauthorized_client');
    const s = token.length > 4096 ? undefined : await idp.tokens.refreshByHash(hashRefreshToken(token));
    if (s !== undefined && s.clientId === client.clientId && s.poolId === d.pool.id) await idp.tokens.revokeSession(s.originJti, idp.platform.clock.now());
    send(r.res, 200, JSON_HEADERS, '');
  } catch (err) {
    if (err instanceof OAuthError) return fail(err.code);
    throw err;
  }
}
