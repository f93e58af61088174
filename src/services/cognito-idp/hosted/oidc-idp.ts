/**
 * Gatehouse as the relying party of an OIDC identity provider: the provider's endpoints (its
 * discovery document, overridden by the ProviderDetails that name them), the code exchange,
 * the ID token's verification (signature through the provider's JWKS, issuer, audience,
 * expiry; the nonce is checked by the caller) and the userinfo call. Every call to the
 * provider is bounded in time and size: a slow or hostile provider costs at most a few
 * seconds and a few kilobytes, and fails the sign-in with an error rather than hanging it.
 * @module
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { IdentityProvider } from '../store/hosted.js';

/** Each request to the provider gets this long. */
export const IDP_TIMEOUT_MS = 5000;
/** Discovery, token and userinfo answers are JSON documents of a few kilobytes. */
const MAX_ANSWER = 64 * 1024;
/** Discovery documents and key sets are kept this long, and for this many providers at most. */
const CACHE_MS = 3600_000;
const CACHE_MAX = 200;

/** The provider could not be used (unreachable, slow, wrong answer, bad token): the sign-in fails with this message. */
export class IdpFailure extends Error {}

export interface IdpEndpoints {
  issuer: string;
  authorize: string;
  token: string;
  userinfo: string | undefined;
  jwks: string;
  /** Other spellings of the issuer the provider's tokens carry (Google's `accounts.google.com`). */
  alsoIssuers?: string[];
}

const discovered = new Map<string, { at: number; doc: Record<string, unknown> }>();
const keySets = new Map<string, { at: number; keys: ReturnType<typeof createRemoteJWKSet> }>();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** GET or POST to a provider: the answer's status and text, read up to `max` bytes within IDP_TIMEOUT_MS (SAML metadata uses it too). */
export async function fetchBounded(url: string, init: RequestInit, what: string, max: number): Promise<{ status: number; ok: boolean; text: string }> {
  const signal = AbortSignal.timeout(IDP_TIMEOUT_MS);
  try {
    const res = await fetch(url, { ...init, signal, redirect: 'error' });
    const reader = res.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const next = reader === undefined ? { done: true as const, value: undefined } : await reader.read();
      if (next.done) break;
      size += next.value.length;
      if (size > max) {
        await reader!.cancel();
        throw new IdpFailure(`The identity provider\u2019s ${what} answer is too large.`);
      }
      chunks.push(next.value);
    }
    return { status: res.status, ok: res.ok, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof IdpFailure) throw err;
    throw new IdpFailure(signal.aborted ? `The identity provider\u2019s ${what} endpoint did not answer in time.` : `The identity provider\u2019s ${what} endpoint could not be reached.`);
  }
}

/** GET or POST to the provider; the answer's JSON object. */
export async function call(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  const res = await fetchBounded(url, init, what, MAX_ANSWER);
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new IdpFailure(`The identity provider\u2019s ${what} answer is not JSON (status ${res.status}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new IdpFailure(`The identity provider\u2019s ${what} answer is not a JSON object.`);
  if (!res.ok) {
    const code = (json as Record<string, unknown>).error;
    throw new IdpFailure(`The identity provider\u2019s ${what} endpoint answered ${res.status}${typeof code === 'string' ? ` ${code.slice(0, 64)}` : ''}.`);
  }
  return json as Record<string, unknown>;
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

/** The provider's endpoints: ProviderDetails' own, else its discovery document's (which must name the same issuer). */
export async function endpoints(p: IdentityProvider, now: number): Promise<IdpEndpoints> {
  const d = p.details;
  const issuer = d.oidc_issuer!;
  let doc: Record<string, unknown> = {};
  if (d.authorize_url === undefined || d.token_url === undefined || d.jwks_uri === undefined) {
    const hit = discovered.get(issuer);
    if (hit !== undefined && now - hit.at < CACHE_MS) doc = hit.doc;
    else {
      doc = await call(`${trimSlash(issuer)}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } }, 'discovery');
      if (typeof doc.issuer !== 'string' || trimSlash(doc.issuer) !== trimSlash(issuer)) throw new IdpFailure('The identity provider\u2019s discovery document names another issuer.');
      remember(discovered, issuer, { at: now, doc });
    }
  }
  const pick = (own: string | undefined, key: string): string | undefined => {
    const v = own ?? doc[key];
    return typeof v === 'string' && /^https?:\/\//.test(v) ? v : undefined;
  };
  const authorize = pick(d.authorize_url, 'authorization_endpoint');
  const token = pick(d.token_url, 'token_endpoint');
  const jwks = pick(d.jwks_uri, 'jwks_uri');
  if (authorize === undefined || token === undefined || jwks === undefined) throw new IdpFailure('The identity provider has no authorization, token or JWKS endpoint.');
  return { issuer: typeof doc.issuer === 'string' ? doc.issuer : issuer, authorize, token, userinfo: pick(d.attributes_url, 'userinfo_endpoint'), jwks };
}

/**
 * Trades the provider's code for its tokens (client_secret_post when the provider has a
 * secret; the PKCE verifier when the authorization request carried a challenge). `secret`
 * replaces the stored one (Apple's is a JWT made for each exchange).
 */
export async function exchangeCode(
  p: IdentityProvider, e: IdpEndpoints, code: string, redirectUri: string, verifier: string | undefined, secret: string | undefined = p.details.client_secret,
): Promise<{ idToken: string; accessToken: string | undefined }> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: p.details.client_id! });
  if (verifier !== undefined) body.set('code_verifier', verifier);
  if (secret !== undefined) body.set('client_secret', secret);
  const t = await call(e.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, 'token');
  if (typeof t.id_token !== 'string' || t.id_token.length > 16_384) throw new IdpFailure('The identity provider returned no ID token.');
  return { idToken: t.id_token, accessToken: typeof t.access_token === 'string' && t.access_token.length <= 16_384 ? t.access_token : undefined };
}

/** The ID token's claims once its signature (the provider's JWKS), issuer, audience, expiry and nonce are right. */
export async function verifyIdToken(p: IdentityProvider, e: IdpEndpoints, idToken: string, nonce: string, now: number): Promise<JWTPayload & { sub: string }> {
  let keys = keySets.get(e.jwks);
  if (keys === undefined || now - keys.at >= CACHE_MS) {
    keys = { at: now, keys: createRemoteJWKSet(new URL(e.jwks), { timeoutDuration: IDP_TIMEOUT_MS, cooldownDuration: 30_000 }) };
    remember(keySets, e.jwks, keys);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keys.keys, {
      issuer: [e.issuer, ...(e.alsoIssuers ?? [])],
      audience: p.details.client_id!,
      requiredClaims: ['sub', 'exp', 'iat'],
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      currentDate: new Date(now),
      clockTolerance: 60,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) throw new IdpFailure('The identity provider\u2019s keys could not be fetched.');
    throw new IdpFailure(`The identity provider\u2019s ID token is not valid (${(err as joseErrors.JOSEError).code}).`);
  }
  if (payload.nonce !== nonce) throw new IdpFailure('The identity provider\u2019s ID token is not valid (nonce mismatch).');
  if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 255) throw new IdpFailure('The identity provider\u2019s ID token has no valid subject.');
  return payload as JWTPayload & { sub: string };
}

/** The userinfo answer for the provider's access token (GET or POST as attributes_request_method says); it must be the same subject. */
export async function userInfo(p: IdentityProvider, e: IdpEndpoints, accessToken: string, sub: string): Promise<Record<string, unknown>> {
  if (e.userinfo === undefined) return {};
  const method = p.details.attributes_request_method === 'POST' ? 'POST' : 'GET';
  const info = await call(e.userinfo, { method, headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }, 'userinfo');
  if (info.sub !== sub) throw new IdpFailure('The identity provider\u2019s userinfo answer is for another subject.');
  return info;
}
