/**
 * `GET /oauth2/authorize` and the checks `/login` repeats: the client, its registered
 * redirect URI (an error page when either is wrong, since nothing may be sent to an
 * unregistered URI), then response_type, flow, scopes and PKCE (redirected back with
 * `error=` and the state, as Cognito does). A live hosted session finishes at once;
 * otherwise the user is sent to `/login` with the same parameters.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { send } from '../../../protocols/http.js';
import type { IdpContext } from '../context.js';
import type { Sessions } from '../sessions.js';
import type { AppClient } from '../store/pools.js';
import { requestedProvider, startFederation } from './federation.js';
import { errorPage } from './pages.js';
import type { DomainRequest } from './routes.js';
import { allowsOAuthFlow } from './token.js';

/** Codes live five minutes, as Cognito's. */
export const CODE_MS = 5 * 60_000;
/** The hosted UI's session: one hour, as Cognito's. */
export const SESSION_MS = 60 * 60_000;
export const SESSION_COOKIE = 'cognito';

export interface AuthorizeRequest {
  client: AppClient;
  redirectUri: string;
  /** `code`, or `token` for the implicit grant (tokens in the redirect's fragment). */
  responseType: 'code' | 'token';
  scopes: string[];
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  /** The query the request came with, to carry to /login and back. */
  query: string;
}

export type Checked = { ok: AuthorizeRequest } | { redirect: string } | { page: { status: number; title: string; message: string } };

const MAX_PARAM = 2048;

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/** Parses and checks an authorization request's query (authorize and login share it). */
export function checkAuthorize(d: DomainRequest, client: AppClient | undefined, query: URLSearchParams, rawQuery: string): Checked {
  for (const [k, v] of query) if (v.length > MAX_PARAM || k.length > 64) return { page: { status: 400, title: 'invalid_request', message: 'A parameter is too long.' } };
  if (client === undefined || client.poolId !== d.pool.id) return { page: { status: 400, title: 'invalid_request', message: 'The client_id is not valid.' } };
  const redirectUri = query.get('redirect_uri') ?? client.config.DefaultRedirectURI;
  if (redirectUri === undefined || !(client.config.CallbackURLs ?? []).includes(redirectUri)) {
    return { page: { status: 400, title: 'redirect_mismatch', message: 'The redirect_uri is not one of the client\u2019s callback URLs.' } };
  }
  const state = query.get('state') ?? undefined;
  const back = (error: string): Checked => ({ redirect: withParams(redirectUri, { error, state }) });
  const responseType = query.get('response_type');
  if (responseType === null || responseType === '') return back('invalid_request');
  if (responseType !== 'code' && responseType !== 'token') return back('unsupported_response_type');
  if (!allowsOAuthFlow(client, responseType === 'code' ? 'code' : 'implicit')) return back('unauthorized_client');
  const allowed = client.config.AllowedOAuthScopes ?? [];
  const asked = query.get('scope');
  const scopes = asked === null ? [...allowed] : [...new Set(asked.split(/[ +]/).filter((s) => s !== ''))];
  if (scopes.some((s) => !allowed.includes(s))) return back('invalid_scope');
  const challenge = query.get('code_challenge') ?? undefined;
  const method = query.get('code_challenge_method') ?? undefined;
  // Cognito takes S256 only; a method without a challenge (or the reverse) is malformed.
  if ((challenge === undefined) !== (method === undefined) || (method !== undefined && method !== 'S256')) return back('invalid_request');
  if (challenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) return back('invalid_request');
  return {
    ok: {
      client,
      redirectUri,
      responseType,
      scopes,
      state,
      nonce: query.get('nonce') ?? undefined,
      codeChallenge: challenge,
      query: rawQuery,
    },
  };
}

export function cookies(d: DomainRequest): Map<string, string> {
  const out = new Map<string, string>();
  const header = d.r.req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** A cookie for this domain: its path is the domain's (the path form shares the host with everything else). */
export function setCookie(d: DomainRequest, name: string, value: string, maxAgeS: number): string {
  const path = new URL(d.base).pathname.replace(/\/$/, '') || '/';
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${d.r.secure ? '; Secure' : ''}`;
}

/**
 * Redirects the signed-in user to the client: with a code, or (implicit grant) with the
 * tokens in the fragment, where they stay out of server logs; no refresh token there, as Cognito.
 */
export async function finish(idp: IdpContext, sessions: Sessions, d: DomainRequest, a: AuthorizeRequest, sub: string, authTime: number, extraHeaders: Record<string, string | string[]> = {}): Promise<void> {
  const now = idp.platform.clock.now();
  if (a.responseType === 'token') {
    const user = await idp.users.bySub(d.pool.id, sub);
    if (user === undefined) return errorPage(d, 400, 'invalid_request', 'The user no longer exists.');
    const t = await sessions.startOAuth(d.pool, a.client, user, now, { scopes: a.scopes, nonce: a.nonce, authTime });
    const fragment = new URLSearchParams({
      ...(t.IdToken === undefined ? {} : { id_token: t.IdToken }),
      access_token: t.AccessToken!,
      token_type: 'Bearer',
      expires_in: String(t.ExpiresIn),
      ...(a.state === undefined ? {} : { state: a.state }),
    });
    const target = new URL(a.redirectUri);
    target.hash = fragment.toString();
    d.r.res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store', ...extraHeaders, 'content-length': 0 });
    d.r.res.end();
    return;
  }
  const code = randomBytes(32).toString('base64url');
  await idp.oauth.putCode(code, {
    poolId: d.pool.id, clientId: a.client.clientId, sub, redirectUri: a.redirectUri, scopes: a.scopes, codeChallenge: a.codeChallenge, nonce: a.nonce, authTime, expiresAt: now + CODE_MS,
  }, now);
  d.r.res.writeHead(302, { location: withParams(a.redirectUri, { code, state: a.state }), 'cache-control': 'no-store', ...extraHeaders, 'content-length': 0 });
  d.r.res.end();
}

/** The user of the hosted session cookie, when it is live and for this pool. */
export async function sessionUser(idp: IdpContext, d: DomainRequest): Promise<{ sub: string; authTime: number; id: string } | undefined> {
  const id = cookies(d).get(SESSION_COOKIE);
  if (id === undefined || id.length > 128) return undefined;
  const s = await idp.oauth.session(id);
  if (s === undefined || s.poolId !== d.pool.id || idp.platform.clock.now() >= s.expiresAt) return undefined;
  const user = await idp.users.bySub(d.pool.id, s.sub);
  if (user === undefined || !user.enabled || (user.status !== 'CONFIRMED' && user.status !== 'EXTERNAL_PROVIDER')) return undefined;
  return { sub: s.sub, authTime: s.authTime, id };
}


/**
 * What every hosted page and /oauth2/authorize starts with: the method check, the client and the
 * authorize parameters checked (errorPage or a redirect with `error=` when they are wrong).
 * Undefined once it has answered.
 */
export async function hostedRequest(idp: IdpContext, d: DomainRequest, methods: readonly ('GET' | 'POST')[]): Promise<{ a: AuthorizeRequest; query: URLSearchParams } | undefined> {
  const { r } = d;
  if (!(methods as readonly string[]).includes(r.method)) {
    send(r.res, 405, { allow: methods.join(', '), 'content-type': 'text/plain' }, `Use ${methods.join(' or ')}.\n`);
    return undefined;
  }
  const query = new URLSearchParams(r.query);
  const clientId = query.get('client_id');
  const client = clientId === null || clientId.length > 128 ? undefined : await idp.pools.getClient(clientId);
  const checked = checkAuthorize(d, client, query, r.query);
  if ('page' in checked) {
    errorPage(d, checked.page.status, checked.page.title, checked.page.message);
    return undefined;
  }
  if ('redirect' in checked) {
    send(r.res, 302, { location: checked.redirect, 'cache-control': 'no-store' });
    return undefined;
  }
  return { a: checked.ok, query };
}

export async function authorizeEndpoint(idp: IdpContext, sessions: Sessions, d: DomainRequest): Promise<void> {
  const hosted = await hostedRequest(idp, d, ['GET']);
  if (hosted === undefined) return;
  const { a, query } = hosted;
  const { r } = d;
  // A provider named in the request: straight to it (its own session decides whether to ask).
  const provider = await requestedProvider(idp, d, query);
  if (provider === 'unavailable') return errorPage(d, 400, 'invalid_request', 'Login option is not available. Please try another one');
  if (provider !== undefined && provider !== 'COGNITO') return startFederation(idp, d, a, provider);
  const signedIn = query.get('prompt') === 'login' ? undefined : await sessionUser(idp, d);
  if (signedIn !== undefined) return finish(idp, sessions, d, a, signedIn.sub, signedIn.authTime);
  send(r.res, 302, { location: `${d.base}/login?${r.query}`, 'cache-control': 'no-store' });
}
