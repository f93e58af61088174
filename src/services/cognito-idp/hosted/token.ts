/**
 * `POST /oauth2/token` as Cognito documents it: form-encoded parameters, client
 * authentication by HTTP Basic or `client_id` / `client_secret` in the body, and JSON errors
 * `{"error": …}` with status 400 (`invalid_request`, `invalid_client`, `invalid_grant`,
 * `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`). Grants here:
 * `client_credentials` (resource-server scopes only) and `refresh_token`.
 * Nothing is parsed before the body is bounded; a failed request changes nothing.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { BodyTimeout, BodyTooLarge, readBody, send } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { IdpContext } from '../context.js';
import { clientSecretMatches, tokenLifetimes } from '../domain/client-config.js';
import { signJwt } from '../domain/jwt.js';
import type { AppClient, UserPool } from '../store/pools.js';
import type { DomainRequest } from './routes.js';

/** Token requests are a few parameters; 64 KiB is generous and bounds the parsing. */
const MAX_BODY = 64 * 1024;
const BODY_MS = 30_000;

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OAuthError extends Error {
  constructor(readonly code: OAuthErrorCode) {
    super(code);
  }
}

/**
 * Browser apps (Amplify's signInWithRedirect, any SPA with PKCE) call the token endpoint from
 * their own origin: any origin may, without cookies. The endpoint trusts only what is in the
 * request (a code and its verifier, a client secret), never ambient credentials.
 */
export const TOKEN_CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type, x-amz-user-agent' };

const JSON_HEADERS = { ...TOKEN_CORS, 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', pragma: 'no-cache' };

function fail(d: DomainRequest, code: OAuthErrorCode): void {
  send(d.r.res, 400, JSON_HEADERS, JSON.stringify({ error: code }));
}

/** Form parameters, each at most once (RFC 6749 §3.2: a repeated parameter is invalid_request). */
export function formParams(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) {
    if (out.has(k)) throw new OAuthError('invalid_request');
    out.set(k, v);
  }
  return out;
}

/**
 * The client making the request, authenticated: HTTP Basic (`client_id:client_secret`,
 * form-encoded as RFC 6749 §2.3.1 says) or the body's `client_id` / `client_secret`, not both.
 * A client with a secret must present it; the secret is compared in constant time.
 */
export async function authenticateClient(idp: IdpContext, d: DomainRequest, params: Map<string, string>): Promise<{ client: AppClient; pool: UserPool; authenticated: boolean }> {
  const header = d.r.req.headers.authorization;
  let id = params.get('client_id');
  let secret = params.get('client_secret');
  if (typeof header === 'string' && /^basic /i.test(header)) {
    if (secret !== undefined) throw new OAuthError('invalid_request');
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client');
    let basicId: string;
    try {
      basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw new OAuthError('invalid_client');
    }
    if (id !== undefined && id !== basicId) throw new OAuthError('invalid_client');
    id = basicId;
  }
  if (id === undefined || id === '' || id.length > 128) throw new OAuthError('invalid_request');
  const client = await idp.pools.getClient(id);
  if (client === undefined || client.poolId !== d.pool.id) throw new OAuthError('invalid_client');
  if (client.secret !== undefined) {
    if (secret === undefined || !clientSecretMatches(client.secret, secret)) throw new OAuthError('invalid_client');
    return { client, pool: d.pool, authenticated: true };
  }
  if (secret !== undefined && secret !== '') throw new OAuthError('invalid_client');
  return { client, pool: d.pool, authenticated: false };
}

/** The client may use the OAuth flow `flow` from the hosted endpoints at all. */
export function allowsOAuthFlow(client: AppClient, flow: 'code' | 'implicit' | 'client_credentials'): boolean {
  return client.config.AllowedOAuthFlowsUserPoolClient === true && (client.config.AllowedOAuthFlows ?? []).includes(flow);
}

/** The resource-server scopes (`<identifier>/<name>`) that exist in the pool, of those given. */
export async function existingCustomScopes(idp: IdpContext, poolId: string, scopes: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const byServer = new Map<string, Set<string> | undefined>();
  for (const s of scopes) {
    const slash = s.lastIndexOf('/');
    if (slash <= 0) continue;
    const identifier = s.slice(0, slash);
    if (!byServer.has(identifier)) {
      const server = await idp.hosted.resourceServer(poolId, identifier);
      byServer.set(identifier, server === undefined ? undefined : new Set(server.scopes.map((x) => x.ScopeName)));
    }
    if (byServer.get(identifier)?.has(s.slice(slash + 1)) === true) out.add(s);
  }
  return out;
}

async function clientCredentials(idp: IdpContext, d: DomainRequest, params: Map<string, string>): Promise<Record<string, unknown>> {
  const { client } = await authenticateClient(idp, d, params);
  if (client.secret === undefined) throw new OAuthError('invalid_client');
  if (!allowsOAuthFlow(client, 'client_credentials')) throw new OAuthError('unauthorized_client');
  const allowed = client.config.AllowedOAuthScopes ?? [];
  const requested = params.get('scope');
  const wanted = requested === undefined ? allowed : requested.split(' ').filter((s) => s !== '');
  if (wanted.length > 100 || wanted.some((s) => !allowed.includes(s))) throw new OAuthError('invalid_scope');
  const granted = await existingCustomScopes(idp, d.pool.id, wanted);
  // Only resource-server scopes are granted to a client acting for itself; asking for any other is an error.
  if (granted.size === 0 || (requested !== undefined && granted.size !== new Set(wanted).size)) throw new OAuthError('invalid_scope');
  const key = await idp.pools.signingKey(d.pool.id);
  if (key === undefined) throw new Error(`user pool ${d.pool.id} has no signing key`);
  const now = idp.platform.clock.now();
  const iat = Math.floor(now / 1000);
  const life = tokenLifetimes(client.config).access;
  const token = signJwt(key, {
    sub: client.clientId,
    token_use: 'access',
    scope: [...granted].join(' '),
    auth_time: iat,
    iss: idp.issuer(d.pool.id),
    exp: iat + life,
    iat,
    version: 2,
    jti: randomUUID(),
    client_id: client.clientId,
  });
  return { access_token: token, expires_in: life, token_type: 'Bearer' };
}

/** Grants that need more than this module (authorization_code) are passed in by the caller. */
export type GrantHandler = (idp: IdpContext, d: DomainRequest, params: Map<string, string>) => Promise<Record<string, unknown>>;

async function refreshToken(idp: IdpContext, d: DomainRequest, params: Map<string, string>, refresh: GrantHandler | undefined): Promise<Record<string, unknown>> {
  if (refresh === undefined) throw new OAuthError('unsupported_grant_type');
  return refresh(idp, d, params);
}

/**
 * The token-style endpoints take POST only: a CORS preflight is answered, any other method gets
 * `invalid_request` (405). True when it answered.
 */
export function answeredUnlessPost(r: DomainRequest['r'], jsonHeaders: Record<string, string>): boolean {
  if (r.method === 'OPTIONS') {
    send(r.res, 204, { ...TOKEN_CORS, 'access-control-max-age': '86400' });
    return true;
  }
  if (r.method !== 'POST') {
    send(r.res, 405, { ...jsonHeaders, allow: 'POST' }, JSON.stringify({ error: 'invalid_request' }));
    return true;
  }
  return false;
}

export async function tokenEndpoint(idp: IdpContext, d: DomainRequest, grants: { authorizationCode?: GrantHandler; refreshToken?: GrantHandler } = {}): Promise<void> {
  const { r } = d;
  if (answeredUnlessPost(r, JSON_HEADERS)) return;
  if (!String(r.req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return fail(d, 'invalid_request');
  let body: Buffer;
  try {
    body = await readBody(r.req, MAX_BODY, BODY_MS);
  } catch (err) {
    if (err instanceof BodyTooLarge || err instanceof BodyTimeout) return fail(d, 'invalid_request');
    throw err;
  }
  try {
    const params = formParams(body.toString('utf8'));
    const grant = params.get('grant_type');
    let out: Record<string, unknown>;
    if (grant === undefined) throw new OAuthError('invalid_request');
    else if (grant === 'client_credentials') out = await clientCredentials(idp, d, params);
    else if (grant === 'refresh_token') out = await refreshToken(idp, d, params, grants.refreshToken);
    else if (grant === 'authorization_code' && grants.authorizationCode !== undefined) out = await grants.authorizationCode(idp, d, params);
    else throw new OAuthError('unsupported_grant_type');
    send(r.res, 200, JSON_HEADERS, JSON.stringify(out));
  } catch (err) {
    if (err instanceof OAuthError) return fail(d, err.code);
    // A domain error from shared code (a disabled user on refresh): Cognito answers invalid_grant.
    if (err instanceof ServiceError && err.status < 500) return fail(d, 'invalid_grant');
    throw err;
  }
}
