/**
 * Sign-in through an external OIDC identity provider. `/oauth2/authorize` with
 * `identity_provider` (or `idp_identifier`) sends the browser to the provider with a state,
 * a nonce and a PKCE challenge of Gatehouse's own. The state is a sealed, expiring blob
 * holding the original authorization request, the nonce and the PKCE verifier, and the hash
 * of a random cookie set on this browser: a state replayed, moved to another browser, or
 * tampered with opens nothing, and its single use is recorded in the shared store (any node
 * refuses it once used). `/oauth2/idpresponse` then trades the provider's code, verifies the
 * ID token, signs in the federated (or linked) user and finishes the original request.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { BodyTimeout, BodyTooLarge, readBody, send } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { IdpContext } from '../context.js';
import type { Sessions } from '../sessions.js';
import type { IdentityProvider } from '../store/hosted.js';
import type { AppClient } from '../store/pools.js';
import { checkAuthorize, cookies, finish, SESSION_COOKIE, SESSION_MS, setCookie, type AuthorizeRequest } from './authorize.js';
import { federatedUser, providerUserId } from './federated-user.js';
import { sameToken } from './login.js';
import { endpoints, exchangeCode, IdpFailure, userInfo, verifyIdToken } from './oidc-idp.js';
import { errorPage } from './pages.js';
import { startSamlFederation } from './saml-federation.js';
import { isSocial, socialClaims, socialFlow, type SocialFlow, type SocialType } from './social-idp.js';
import type { DomainRequest } from './routes.js';

/** How long the provider's sign-in may take. */
export const STATE_MS = 10 * 60_000;
const STATE_COOKIE = 'cognito-fed';
/** A form_post answer: a code, the state, Apple's `user` field. */
const MAX_ANSWER_FORM = 32 * 1024;
const ANSWER_FORM_MS = 10_000;
export const NOT_AVAILABLE = 'Login option is not available. Please try another one';
const LAMBDA_ERRORS = new Set(['UserLambdaValidationException', 'UnexpectedLambdaException', 'InvalidLambdaResponseException']);

interface FedState {
  /** The original authorization request's query. */
  q: string;
  c: string;
  p: string;
  n: string;
  v: string;
  /** The domain base the request came through: the redirect_uri toward the provider. */
  b: string;
  /** SHA-256 of the browser's state cookie. */
  k: string;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('base64url');

/** Whether the client lets users sign in with this provider (SupportedIdentityProviders, as Cognito checks it). */
export function supports(client: AppClient, name: string): boolean {
  return (client.config.SupportedIdentityProviders ?? []).includes(name);
}

/** The provider an authorization request names, or undefined when it names none. */
export async function requestedProvider(idp: IdpContext, d: DomainRequest, query: URLSearchParams): Promise<IdentityProvider | 'COGNITO' | 'unavailable' | undefined> {
  const name = query.get('identity_provider');
  const identifier = query.get('idp_identifier');
  if (name === null && identifier === null) return undefined;
  if (name !== null && name.toUpperCase() === 'COGNITO') return 'COGNITO';
  const p = name !== null
    ? await idp.hosted.provider(d.pool.id, name)
    : (await idp.hosted.providers(d.pool.id, '', 1000)).find((x) => x.idpIdentifiers.includes(identifier!));
  return p ?? 'unavailable';
}

/** Sends the browser to the provider's authorization endpoint. */
export async function startFederation(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, p: IdentityProvider): Promise<void> {
  if (supports(a.client, p.name) && p.type === 'SAML') return startSamlFederation(idp, d, a, p);
  if (!supports(a.client, p.name) || (p.type !== 'OIDC' && !isSocial(p.type))) return errorPage(d, 400, 'invalid_request', NOT_AVAILABLE);
  const now = idp.platform.clock.now();
  let flow: SocialFlow;
  try {
    flow = isSocial(p.type) ? socialFlow(p) : { authorize: (await endpoints(p, now)).authorize, nonce: true, pkce: true, formPost: false };
  } catch (err) {
    if (!(err instanceof IdpFailure)) throw err;
    idp.platform.log.warn({ event: 'cognito-idp.federation.failed', userPoolId: d.pool.id, providerName: p.name, reason: err.message }, 'identity provider unusable');
    return errorPage(d, 502, 'invalid_request', err.message);
  }
  const browser = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const state = idp.sealer.seal<FedState>('idp', d.pool.id, '', { q: a.query, c: a.client.clientId, p: p.name, n: nonce, v: verifier, b: d.base, k: sha(browser) }, now + STATE_MS);
  const target = new URL(flow.authorize);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: p.details.client_id!,
    redirect_uri: `${d.base}/oauth2/idpresponse`,
    scope: p.details.authorize_scopes!,
    state,
    ...(flow.nonce ? { nonce } : {}),
    ...(flow.pkce ? { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' } : {}),
    ...(flow.formPost ? { response_mode: 'form_post' } : {}),
  };
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  let cookie = setCookie(d, STATE_COOKIE, browser, STATE_MS / 1000);
  // A form_post answer is a cross-site POST, which carries no SameSite=Lax cookie; over HTTPS
  // (the only scheme Apple sends to) the state cookie is SameSite=None instead.
  if (flow.formPost && d.r.secure) cookie = cookie.replace('SameSite=Lax', 'SameSite=None');
  send(d.r.res, 302, { location: target.toString(), 'cache-control': 'no-store', 'set-cookie': cookie });
}

/**
 * The end of every federated sign-in (OIDC and SAML): the linked or federated user
 * (federated-user.ts), the hosted session opened, the original authorization request finished.
 * ServiceErrors (a required attribute missing) are the caller's to turn into `fail`.
 */
export async function signInFederated(
  idp: IdpContext, sessions: Sessions, d: DomainRequest, a: AuthorizeRequest, p: IdentityProvider,
  who: { userId: string; claims: Record<string, unknown>; issuer: string | null; now: number }, fail: (description: string) => void, cookies: string[],
): Promise<void> {
  const { now } = who;
  const user = await federatedUser(idp, d.pool, p, who.userId, who.claims, now, a.client.clientId, who.issuer);
  if (!user.enabled) return fail('User is disabled.');
  const sessionId = randomBytes(32).toString('base64url');
  const authTime = Math.floor(now / 1000);
  await idp.oauth.putSession(sessionId, { poolId: d.pool.id, sub: user.sub, authTime, expiresAt: now + SESSION_MS }, now);
  idp.platform.log.info({ event: 'cognito-idp.federation.sign-in', userPoolId: d.pool.id, clientId: a.client.clientId, providerName: p.name, sub: user.sub }, 'user signed in through an identity provider');
  return finish(idp, sessions, d, a, user.sub, authTime, { 'set-cookie': [setCookie(d, SESSION_COOKIE, sessionId, SESSION_MS / 1000), ...cookies] });
}

/** Where a failed federated sign-in sends the browser: the client's redirect URI with `error`, `error_description` and the state. */
export function failTo(d: DomainRequest, a: AuthorizeRequest, error: string, cookie?: string): (description: string) => void {
  return (description) => {
    const u = new URL(a.redirectUri);
    // In Cognito's order: error_description, state, error.
    u.searchParams.set('error_description', description);
    if (a.state !== undefined) u.searchParams.set('state', a.state);
    u.searchParams.set('error', error);
    send(d.r.res, 302, { location: u.toString(), 'cache-control': 'no-store', ...(cookie === undefined ? {} : { 'set-cookie': cookie }) });
  };
}

/** What a refused sign-in tells the app; a trigger's failure as Cognito words it: "PreSignUp failed with error …. ". */
export function failureText(err: Error): string {
  return err instanceof ServiceError && LAMBDA_ERRORS.has(err.code) ? `${err.message} ` : err.message;
}

/** The provider's answer: the query of a GET, or the form of a POST (response_mode=form_post, Apple's). */
async function answerOf(d: DomainRequest): Promise<URLSearchParams | undefined> {
  const { r } = d;
  if (r.method === 'GET') return new URLSearchParams(r.query);
  if (r.method !== 'POST') {
    send(r.res, 405, { allow: 'GET, POST', 'content-type': 'text/plain' }, 'Use GET or POST.\n');
    return undefined;
  }
  try {
    return new URLSearchParams((await readBody(r.req, MAX_ANSWER_FORM, ANSWER_FORM_MS)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLarge || err instanceof BodyTimeout) {
      errorPage(d, err instanceof BodyTooLarge ? 413 : 408, 'invalid_request', 'The identity provider\u2019s answer is not acceptable.');
      return undefined;
    }
    throw err;
  }
}

/** An OIDC provider's user: the verified ID token's claims, and its userinfo answer for the same subject. */
async function oidcClaims(p: IdentityProvider, code: string, redirectUri: string, s: FedState, now: number): Promise<Record<string, unknown>> {
  const e = await endpoints(p, now);
  const tokens = await exchangeCode(p, e, code, redirectUri, s.v);
  const claims: Record<string, unknown> = { ...(await verifyIdToken(p, e, tokens.idToken, s.n, now)) };
  if (tokens.accessToken !== undefined) Object.assign(claims, await userInfo(p, e, tokens.accessToken, claims.sub as string));
  return claims;
}

/** `GET|POST /oauth2/idpresponse`: the provider's answer. */
export async function idpResponseEndpoint(idp: IdpContext, sessions: Sessions, d: DomainRequest): Promise<void> {
  const query = await answerOf(d);
  if (query === undefined) return;
  const sealed = query.get('state') ?? '';
  const now = idp.platform.clock.now();
  const opened = sealed === '' || sealed.length > 8192 ? 'invalid' : idp.sealer.open<FedState>('idp', d.pool.id, '', sealed, now);
  if (opened === 'invalid' || opened === 'expired') return errorPage(d, 400, 'invalid_request', opened === 'expired' ? 'The sign-in has expired. Start again.' : 'Invalid state.');
  const s = opened.data;
  // Bound to the browser that started it (login CSRF), then spent: a replay opens nothing.
  if (!sameToken(sha(cookies(d).get(STATE_COOKIE) ?? ''), s.k) || !(await idp.sealer.consume(opened.nonce, opened.expiresAt, now))) {
    return errorPage(d, 400, 'invalid_request', 'Invalid state.');
  }
  const client = await idp.pools.getClient(s.c);
  const checked = checkAuthorize(d, client, new URLSearchParams(s.q), s.q);
  if (!('ok' in checked)) return errorPage(d, 400, 'invalid_request', 'The authorization request is no longer valid.');
  const a = checked.ok;
  const fail = failTo(d, a, 'invalid_request', setCookie(d, STATE_COOKIE, '', 0));
  const p = await idp.hosted.provider(d.pool.id, s.p);
  if (p === undefined || (p.type !== 'OIDC' && !isSocial(p.type)) || !supports(a.client, p.name)) return fail(NOT_AVAILABLE);
  const error = query.get('error');
  const code = query.get('code');
  if (error !== null || code === null || code === '' || code.length > 4096) {
    return fail(error === null ? 'The identity provider returned no code.' : `The identity provider answered ${error.slice(0, 64)}.`);
  }
  const log = { userPoolId: d.pool.id, clientId: a.client.clientId, providerName: p.name };
  const redirectUri = `${s.b}/oauth2/idpresponse`;
  try {
    const claims = isSocial(p.type)
      ? await socialClaims(p as IdentityProvider & { type: SocialType }, { code, redirectUri, verifier: s.v, nonce: s.n, appleUser: query.get('user') ?? undefined }, now)
      : await oidcClaims(p, code, redirectUri, s, now);
    const userId = providerUserId(p, claims);
    if (userId === undefined) return fail('The identity provider gave no user id.');
    return await signInFederated(idp, sessions, d, a, p, { userId, claims, issuer: null, now }, fail, [setCookie(d, STATE_COOKIE, '', 0)]);
  } catch (err) {
    if (err instanceof IdpFailure || (err instanceof ServiceError && err.status < 500)) {
      idp.platform.log.warn({ event: 'cognito-idp.federation.failed', ...log, reason: err.message }, 'federated sign-in refused');
      return fail(failureText(err));
    }
    throw err;
  }
}
