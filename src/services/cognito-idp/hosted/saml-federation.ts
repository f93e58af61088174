/**
 * SP-initiated sign-in through a SAML 2.0 identity provider, as Cognito does it.
 * `/oauth2/authorize` naming the provider (or "Continue with <name>" on /login) sends the
 * browser to the provider's SSO endpoint with an AuthnRequest (HTTP-Redirect binding) and a
 * RelayState: a sealed, expiring blob holding the original authorization request and the
 * AuthnRequest's id, whose single use is recorded in the shared store. `POST
 * /saml2/idpresponse` (HTTP-POST binding) opens and spends the relay state, then has the
 * Response checked (saml-idp.ts: signature against the metadata's certificates, audience,
 * Destination, Recipient, validity window, InResponseTo equal to the relay state's request
 * id) and signs in `<ProviderName>_<NameID>` or the linked user through the same code as OIDC.
 *
 * The relay state is not bound to a browser cookie as the OIDC state is: the provider's POST
 * is a cross-site request, on which browsers send no SameSite=Lax cookie. The client's own
 * `state` and PKCE still tie the code it receives to the request it made.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { BodyTimeout, BodyTooLarge, readBody, send } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { IdpContext } from '../context.js';
import type { Sessions } from '../sessions.js';
import type { IdentityProvider } from '../store/hosted.js';
import { checkAuthorize, type AuthorizeRequest } from './authorize.js';
import { failTo, failureText, NOT_AVAILABLE, signInFederated, STATE_MS, supports } from './federation.js';
import { IdpFailure } from './oidc-idp.js';
import { errorPage } from './pages.js';
import type { DomainRequest } from './routes.js';
import { authnRequestUrl, samlMetadata, verifySamlResponse } from './saml-idp.js';

/** A SAMLResponse with many attributes is tens of kilobytes; this bounds the form it comes in. */
export const MAX_SAML_FORM = 256 * 1024;
const FORM_TIMEOUT_MS = 30_000;
/** Cognito's words for a response it cannot relate to a sign-in it started. */
const BAD_RELAY = 'Invalid samlResponse or relayState from identity provider';

interface SamlState {
  /** The original authorization request's query, its client, the provider. */
  q: string;
  c: string;
  p: string;
  /** The AuthnRequest's ID (the Response's InResponseTo) and when it was issued. */
  i: string;
  t: number;
  /** The domain base the request came through: the assertion consumer URL's. */
  b: string;
}

const acsOf = (base: string): string => `${base}/saml2/idpresponse`;

/** Sends the browser to the SAML provider's SSO endpoint with an AuthnRequest. */
export async function startSamlFederation(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, p: IdentityProvider): Promise<void> {
  const now = idp.platform.clock.now();
  try {
    const md = await samlMetadata(p, now);
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const relayState = idp.sealer.seal<SamlState>('saml', d.pool.id, '', { q: a.query, c: a.client.clientId, p: p.name, i: requestId, t: now, b: d.base }, now + STATE_MS);
    const location = await authnRequestUrl(md, { poolId: d.pool.id, acs: acsOf(d.base), requestId, issuedAt: now, validMs: STATE_MS }, relayState);
    send(d.r.res, 302, { location, 'cache-control': 'no-store' });
  } catch (err) {
    if (!(err instanceof IdpFailure)) throw err;
    idp.platform.log.warn({ event: 'cognito-idp.federation.failed', userPoolId: d.pool.id, providerName: p.name, reason: err.message }, 'identity provider unusable');
    errorPage(d, 502, 'invalid_request', err.message);
  }
}

/** `POST /saml2/idpresponse`: the provider's Response. */
export async function samlResponseEndpoint(idp: IdpContext, sessions: Sessions, d: DomainRequest): Promise<void> {
  const { r } = d;
  if (r.method !== 'POST') {
    send(r.res, 405, { allow: 'POST', 'content-type': 'text/plain' }, 'Use POST.\n');
    return;
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await readBody(r.req, MAX_SAML_FORM, FORM_TIMEOUT_MS)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLarge) return errorPage(d, 413, 'invalid_request', 'The SAML response is too large.');
    if (err instanceof BodyTimeout) return errorPage(d, 408, 'invalid_request', 'The SAML response did not arrive in time.');
    throw err;
  }
  const now = idp.platform.clock.now();
  const relay = form.get('RelayState') ?? '';
  const samlResponse = form.get('SAMLResponse') ?? '';
  const opened = relay === '' || relay.length > 32_768 || samlResponse === '' ? 'invalid' : idp.sealer.open<SamlState>('saml', d.pool.id, '', relay, now);
  if (opened === 'invalid' || opened === 'expired') return errorPage(d, 400, 'invalid_request', opened === 'expired' ? 'The sign-in has expired. Start again.' : BAD_RELAY);
  // Spent before anything else: a replayed Response (the same InResponseTo) finds its relay state used, on any node.
  if (!(await idp.sealer.consume(opened.nonce, opened.expiresAt, now))) return errorPage(d, 400, 'invalid_request', BAD_RELAY);
  const s = opened.data;
  const client = await idp.pools.getClient(s.c);
  const checked = checkAuthorize(d, client, new URLSearchParams(s.q), s.q);
  if (!('ok' in checked)) return errorPage(d, 400, 'invalid_request', 'The authorization request is no longer valid.');
  const a = checked.ok;
  const p = await idp.hosted.provider(d.pool.id, s.p);
  if (p === undefined || p.type !== 'SAML' || !supports(a.client, p.name)) return failTo(d, a, 'invalid_request')(NOT_AVAILABLE);
  const log = { userPoolId: d.pool.id, clientId: a.client.clientId, providerName: p.name };
  try {
    const md = await samlMetadata(p, now);
    const who = await verifySamlResponse(md, { poolId: d.pool.id, acs: acsOf(s.b), requestId: s.i, issuedAt: s.t, validMs: STATE_MS }, samlResponse);
    return await signInFederated(idp, sessions, d, a, p, { userId: who.nameId, claims: who.attributes, issuer: who.issuer, now }, failTo(d, a, 'invalid_request'), []);
  } catch (err) {
    if (err instanceof IdpFailure || (err instanceof ServiceError && err.status < 500)) {
      idp.platform.log.warn({ event: 'cognito-idp.federation.failed', ...log, reason: err.message }, 'SAML sign-in refused');
      // Cognito answers a Response it refuses with server_error ("Invalid SAML response received: …").
      return failTo(d, a, err instanceof IdpFailure ? 'server_error' : 'invalid_request')(failureText(err));
    }
    throw err;
  }
}
