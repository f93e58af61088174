/**
 * Gatehouse as the client of the social providers Cognito knows by type: Google and Sign in
 * with Apple are OpenID Connect providers (the ID token verified against the provider's JWKS
 * by oidc-idp.ts; Apple's client secret an ES256 JWT made from team_id, key_id and
 * private_key), Facebook and Login with Amazon are OAuth 2.0 providers whose user comes from
 * their profile endpoint (Graph's `/me?fields=…`, Amazon's `/user/profile`). Every endpoint is
 * the ProviderDetails' own when set, else the one Cognito fills in (domain/providers.ts), so a
 * provider can be pointed at a reachable replacement. Every call is bounded as oidc-idp.ts
 * bounds it (5 s, 64 KiB).
 * @module
 */
import { importPKCS8, SignJWT } from 'jose';
import { describedDetails } from '../domain/providers.js';
import type { IdentityProvider } from '../store/hosted.js';
import { call, endpoints, exchangeCode, IdpFailure, verifyIdToken, type IdpEndpoints } from './oidc-idp.js';

export type SocialType = 'Google' | 'Facebook' | 'LoginWithAmazon' | 'SignInWithApple';
const SOCIAL = new Set<string>(['Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple']);
export const isSocial = (type: string): type is SocialType => SOCIAL.has(type);

/** The key sets of the providers' own issuers (their discovery documents name the same). */
const KNOWN_JWKS: Record<string, string> = {
  'https://accounts.google.com': 'https://www.googleapis.com/oauth2/v3/certs',
  'https://appleid.apple.com': 'https://appleid.apple.com/auth/keys',
};
/** Apple's client secret lives for a few minutes: it is made for one exchange. */
const APPLE_SECRET_S = 300;
/** Apple's `user` form field (name and e-mail on the first sign-in) is a small JSON object. */
const MAX_APPLE_USER = 4096;
/** A Graph field name, as AttributeMapping names them. */
const GRAPH_FIELD = /^[a-z_]{1,64}$/;

/** How the authorization request toward the provider is made. */
export interface SocialFlow {
  authorize: string;
  /** An OIDC provider: a nonce, and an ID token back. */
  nonce: boolean;
  /** The provider takes a PKCE challenge (Google, Amazon). */
  pkce: boolean;
  /** Apple answers by a cross-site form POST when it is asked for the name or e-mail. */
  formPost: boolean;
}

/** The provider's settings with the endpoints Cognito fills in (and Apple's private key, which Describe hides). */
function details(p: IdentityProvider): Record<string, string> {
  return { ...describedDetails(p.type, p.details), ...(p.details.private_key === undefined ? {} : { private_key: p.details.private_key }) };
}

export function socialFlow(p: IdentityProvider): SocialFlow {
  const d = details(p);
  const scopes = (d.authorize_scopes ?? '').split(/[\s,]+/);
  return {
    authorize: d.authorize_url!,
    nonce: p.type === 'Google' || p.type === 'SignInWithApple',
    pkce: p.type === 'Google' || p.type === 'LoginWithAmazon',
    formPost: p.type === 'SignInWithApple' && (scopes.includes('email') || scopes.includes('name')),
  };
}

/**
 * Google and Apple as OIDC providers: their issuer, token endpoint and key set (the known one
 * for their own issuer, else the replacement issuer's discovery document's).
 */
async function oidcEndpoints(p: IdentityProvider, d: Record<string, string>, now: number): Promise<IdpEndpoints> {
  const issuer = d.oidc_issuer!;
  const asOidc: IdentityProvider = {
    ...p,
    details: { client_id: d.client_id!, oidc_issuer: issuer, authorize_url: d.authorize_url!, token_url: d.token_url!, ...(KNOWN_JWKS[issuer] === undefined ? {} : { jwks_uri: KNOWN_JWKS[issuer] }) },
  };
  const e = await endpoints(asOidc, now);
  return { ...e, userinfo: undefined, ...(issuer === 'https://accounts.google.com' ? { alsoIssuers: ['accounts.google.com'] } : {}) };
}

/** Apple's client secret: an ES256 JWT from the team, signed with the key Apple issued (key_id). */
export async function appleClientSecret(d: Record<string, string>, now: number): Promise<string> {
  let key: Awaited<ReturnType<typeof importPKCS8>>;
  try {
    key = await importPKCS8(d.private_key!, 'ES256');
  } catch {
    throw new IdpFailure('The SignInWithApple private_key is not a PKCS #8 P-256 private key.');
  }
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: d.key_id! })
    .setIssuer(d.team_id!)
    .setSubject(d.client_id!)
    .setAudience(d.oidc_issuer!)
    .setIssuedAt(iat)
    .setExpirationTime(iat + APPLE_SECRET_S)
    .sign(key);
}

/** Apple's `user` form field: the name it gives only on the first sign-in (firstName, lastName, name). */
function appleUser(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '' || text.length > MAX_APPLE_USER) return {};
  try {
    const u = JSON.parse(text) as { name?: { firstName?: unknown; lastName?: unknown } };
    const first = typeof u.name?.firstName === 'string' ? u.name.firstName : undefined;
    const last = typeof u.name?.lastName === 'string' ? u.name.lastName : undefined;
    const name = [first, last].filter((x) => x !== undefined).join(' ');
    return { ...(first === undefined ? {} : { firstName: first }), ...(last === undefined ? {} : { lastName: last }), ...(name === '' ? {} : { name }) };
  } catch {
    return {};
  }
}

/** Facebook's and Amazon's token request: GET with the parameters in the query, or POST as a form (token_request_method). */
async function oauthToken(d: Record<string, string>, code: string, redirectUri: string, verifier: string | undefined): Promise<string> {
  const params = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: d.client_id!, client_secret: d.client_secret! });
  if (verifier !== undefined) params.set('code_verifier', verifier);
  const accept = { accept: 'application/json' };
  let t: Record<string, unknown>;
  if (d.token_request_method === 'GET') {
    const url = new URL(d.token_url!);
    for (const [k, v] of params) url.searchParams.set(k, v);
    t = await call(url.toString(), { headers: accept }, 'token');
  } else {
    t = await call(d.token_url!, { method: 'POST', headers: { ...accept, 'content-type': 'application/x-www-form-urlencoded' }, body: params }, 'token');
  }
  if (typeof t.access_token !== 'string' || t.access_token === '' || t.access_token.length > 16_384) throw new IdpFailure('The identity provider returned no access token.');
  return t.access_token;
}

/** The profile endpoint's answer; Graph is asked for the fields AttributeMapping names (attributes_url_add_attributes). */
async function profile(p: IdentityProvider, d: Record<string, string>, accessToken: string, idClaim: string): Promise<Record<string, unknown>> {
  let url = d.attributes_url!;
  if (d.attributes_url_add_attributes === 'true') {
    const fields = [...new Set([idClaim, ...Object.values(p.attributeMapping)])].filter((f) => GRAPH_FIELD.test(f));
    url += fields.join(',');
  }
  return call(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }, 'userinfo');
}

/** What a social provider's answer (its code, and Apple's `user` field) says about the user, verified. */
export interface SocialAnswer {
  code: string;
  redirectUri: string;
  /** The PKCE verifier and nonce of the authorization request. */
  verifier: string;
  nonce: string;
  appleUser?: string;
}

/** The claims of the provider's user: from the verified ID token (Google, Apple) or the profile endpoint (Facebook, Amazon). */
export async function socialClaims(p: IdentityProvider & { type: SocialType }, a: SocialAnswer, now: number): Promise<Record<string, unknown>> {
  const d = details(p);
  const flow = socialFlow(p);
  const verifier = flow.pkce ? a.verifier : undefined;
  if (flow.nonce) {
    const e = await oidcEndpoints(p, d, now);
    const secret = p.type === 'SignInWithApple' ? await appleClientSecret(d, now) : d.client_secret;
    const tokens = await exchangeCode(p, e, a.code, a.redirectUri, verifier, secret);
    const claims = await verifyIdToken(p, e, tokens.idToken, a.nonce, now);
    // The ID token's claims win over the unsigned form field's.
    return p.type === 'SignInWithApple' ? { ...appleUser(a.appleUser), ...claims } : { ...claims };
  }
  const idClaim = p.type === 'Facebook' ? 'id' : 'user_id';
  const info = await profile(p, d, await oauthToken(d, a.code, a.redirectUri, verifier), idClaim);
  const id = info[idClaim];
  if (typeof id !== 'string' || id === '') throw new IdpFailure(`The identity provider\u2019s profile has no ${idClaim}.`);
  return info;
}
