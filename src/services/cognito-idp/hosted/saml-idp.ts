/**
 * Gatehouse as the SAML 2.0 service provider of a `ProviderType: SAML` identity provider, as
 * Cognito is one: entity id and audience `urn:amazon:cognito:sp:<userPoolId>`, the assertion
 * consumer `https://<domain>/saml2/idpresponse` (HTTP-POST), AuthnRequests by HTTP-Redirect to
 * the provider's SingleSignOnService. The provider's metadata (ProviderDetails' MetadataFile, or
 * MetadataURL fetched within the bounds of every call to a provider) names its entity id, SSO
 * endpoint and signing certificates. XML signatures, the InResponseTo, audience and validity
 * windows are checked by `@node-saml/node-saml`; Gatehouse adds what it leaves out: the
 * Response's Destination, the bearer confirmation's Recipient and the assertion's Issuer.
 * node-saml reads the wall clock for NotBefore/NotOnOrAfter, not Gatehouse's injected Clock.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CacheProvider, SAML } from '@node-saml/node-saml';
import type { IdentityProvider } from '../store/hosted.js';
import { fetchBounded, IdpFailure } from './oidc-idp.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
/** Metadata documents (ProviderDetails' limit is 131072 characters; a fetched one gets the same). */
export const MAX_METADATA = 256 * 1024;
/** Cognito's limit for each signing certificate in the metadata. */
const MAX_CERT = 4096;
/** Clock skew allowed on NotBefore / NotOnOrAfter, as the OIDC path allows on ID tokens. */
const SKEW_MS = 60_000;
const CACHE_MS = 3600_000;
const CACHE_MAX = 200;

export interface SamlMetadata {
  entityId: string;
  sso: string;
  slo: string | undefined;
  /** Base64 DER of each signing certificate. */
  certs: string[];
}

/** The little of a DOM this module reads. */
interface XNode {
  localName: string | null;
  parentNode: XNode | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): { length: number; [i: number]: XNode };
}
type Element = XNode;
type Document = XNode & { documentElement: XNode | null };
interface XmlParser {
  parseFromString(xml: string, type: string): Document;
}
// @xmldom/xmldom (node-saml's own parser) is loaded untyped: its declarations pull the DOM
// library, and with it browser globals, into the whole program. It and node-saml are loaded
// when a SAML provider is first used, not at start: most servers have none.
let xmldom: { DOMParser: new (options: unknown) => XmlParser } | undefined;
const domParser = (): new (options: unknown) => XmlParser => (xmldom ??= createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: new (options: unknown) => XmlParser }).DOMParser;
let nodeSaml: Promise<typeof import('@node-saml/node-saml')> | undefined;

export const spEntityId = (poolId: string): string => `urn:amazon:cognito:sp:${poolId}`;

function first(parent: XNode, ns: string, name: string): Element | undefined {
  const list = parent.getElementsByTagNameNS(ns, name);
  return list.length === 0 ? undefined : list[0];
}

function location(desc: Element, service: string): string | undefined {
  const list = desc.getElementsByTagNameNS(MD, service);
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.getAttribute('Binding') === REDIRECT) {
      const v = e.getAttribute('Location') ?? '';
      return /^https?:\/\//.test(v) && v.length <= 2048 ? v : undefined;
    }
  }
  return undefined;
}

/** The document, or undefined when it is not well-formed. */
function parse(xml: string): Document | undefined {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  try {
    const DOMParser = domParser();
    return new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  } catch {
    return undefined;
  }
}

/** The provider's entity id, HTTP-Redirect SSO (and SLO) endpoints and signing certificates; IdpFailure naming what is wrong. */
export function parseMetadata(xml: string, now: number): SamlMetadata {
  if (xml.length > MAX_METADATA) throw new IdpFailure('The SAML metadata is too large.');
  // No DTDs: entity declarations are refused outright, so nothing expands.
  if (/<!DOCTYPE/i.test(xml)) throw new IdpFailure('The SAML metadata must not have a DOCTYPE.');
  const doc = parse(xml);
  if (doc === undefined) throw new IdpFailure('The SAML metadata is not well-formed XML.');
  const idpDesc = first(doc, MD, 'IDPSSODescriptor');
  const entity = idpDesc?.parentNode ?? undefined;
  const entityId = entity?.localName === 'EntityDescriptor' ? entity.getAttribute('entityID') ?? '' : '';
  if (idpDesc === undefined || entityId === '' || entityId.length > 1024) throw new IdpFailure('The SAML metadata has no IDPSSODescriptor in an EntityDescriptor with an entityID.');
  const sso = location(idpDesc, 'SingleSignOnService');
  if (sso === undefined) throw new IdpFailure('The SAML metadata has no SingleSignOnService with the HTTP-Redirect binding.');
  const certs: string[] = [];
  const keys = idpDesc.getElementsByTagNameNS(MD, 'KeyDescriptor');
  for (let i = 0; i < keys.length && certs.length < 10; i++) {
    const k = keys[i]!;
    const use = k.getAttribute('use');
    if (use !== null && use !== '' && use !== 'signing') continue;
    const text = (first(k, DS, 'X509Certificate')?.textContent ?? '').replace(/\s+/g, '');
    if (text === '' || text.length > MAX_CERT) throw new IdpFailure('A signing certificate in the SAML metadata is missing or longer than 4096 characters.');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(text, 'base64'));
    } catch {
      throw new IdpFailure('A signing certificate in the SAML metadata is not an X.509 certificate.');
    }
    if (Date.parse(cert.validTo) <= now) throw new IdpFailure('A signing certificate in the SAML metadata has expired.');
    certs.push(text);
  }
  if (certs.length === 0) throw new IdpFailure('The SAML metadata has no signing certificate.');
  return { entityId, sso, slo: location(idpDesc, 'SingleLogoutService'), certs };
}

const fetched = new Map<string, { at: number; md: SamlMetadata }>();

/** The provider's metadata document's text: the file, or the URL's answer (bounded, no redirects). */
export async function metadataText(details: Record<string, string>): Promise<string> {
  if (details.MetadataFile !== undefined) return details.MetadataFile;
  const url = details.MetadataURL!;
  const res = await fetchBounded(url, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } }, 'metadata', MAX_METADATA);
  if (!res.ok) throw new IdpFailure(`Non-ok status code ${res.status} returned from remote metadata source ${url}`);
  return res.text;
}

/** The provider's metadata: parsed from the file, or fetched from the URL and kept an hour. */
export async function samlMetadata(p: IdentityProvider, now: number): Promise<SamlMetadata> {
  const url = p.details.MetadataURL;
  if (url === undefined) return parseMetadata(p.details.MetadataFile ?? '', now);
  // Keyed by the provider's version too: an UpdateIdentityProvider is seen at once.
  const key = `${p.poolId}\n${p.name}\n${p.updatedAt}\n${url}`;
  const hit = fetched.get(key);
  if (hit !== undefined && now - hit.at < CACHE_MS) return hit.md;
  const md = parseMetadata(await metadataText(p.details), now);
  if (fetched.size >= CACHE_MAX) fetched.delete(fetched.keys().next().value!);
  fetched.set(key, { at: now, md });
  return md;
}

/** A cache that knows one request id: the one the sealed relay state names, so InResponseTo must be it. */
function onlyRequest(id: string, issuedAt: number): CacheProvider {
  return {
    saveAsync: () => Promise.resolve(null),
    getAsync: (key) => Promise.resolve(key === id ? new Date(issuedAt).toISOString() : null),
    removeAsync: () => Promise.resolve(null),
  };
}

interface Exchange {
  poolId: string;
  /** The assertion consumer URL, as the request reached the domain (`<base>/saml2/idpresponse`). */
  acs: string;
  requestId: string;
  issuedAt: number;
  /** How long the request id is good for. */
  validMs: number;
}

async function sp(md: SamlMetadata, x: Exchange): Promise<SAML> {
  const { SAML, ValidateInResponseTo } = await (nodeSaml ??= import('@node-saml/node-saml'));
  return new SAML({
    callbackUrl: x.acs,
    entryPoint: md.sso,
    issuer: spEntityId(x.poolId),
    audience: spEntityId(x.poolId),
    idpCert: md.certs,
    // Either the Response or its Assertion must carry a valid signature (node-saml checks the one that does).
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: x.validMs,
    cacheProvider: onlyRequest(x.requestId, x.issuedAt),
    generateUniqueId: () => x.requestId,
    acceptedClockSkewMs: SKEW_MS,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
  });
}

/** The HTTP-Redirect URL of an AuthnRequest with this id, carrying the relay state. */
export async function authnRequestUrl(md: SamlMetadata, x: Exchange, relayState: string): Promise<string> {
  return (await sp(md, x)).getAuthorizeUrlAsync(relayState, undefined, {});
}

export interface SamlIdentity {
  nameId: string;
  issuer: string;
  attributes: Record<string, unknown>;
}

type Tree = Record<string, unknown>;
const child = (o: unknown, name: string): Tree[] => {
  const v = (o as Tree | undefined)?.[name];
  return Array.isArray(v) ? (v as Tree[]) : [];
};
const attr = (o: Tree | undefined, name: string): string | undefined => {
  const v = (o?.$ as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

/** Cognito's words before the reason (`Invalid SAML response received: SAML Assertion signature is invalid.`). */
const invalid = (reason: string): IdpFailure => new IdpFailure(`Invalid SAML response received: ${reason}`);

function reasonOf(message: string): string {
  if (/signature/i.test(message)) return 'SAML Assertion signature is invalid.';
  if (/audience/i.test(message)) return 'Audience is invalid.';
  if (/expired|NotOnOrAfter|NotBefore|not yet valid|subject confirmation/i.test(message)) return 'SAML assertion is not within its validity period.';
  if (/InResponseTo/i.test(message)) return 'InResponseTo is invalid.';
  if (/status|error:/i.test(message)) return 'The identity provider did not sign the user in.';
  return 'The SAML response could not be read.';
}

/** The signed-in identity of a base64 SAMLResponse, once everything about it is right; IdpFailure otherwise. */
export async function verifySamlResponse(md: SamlMetadata, x: Exchange, samlResponse: string): Promise<SamlIdentity> {
  const saml = await sp(md, x);
  let profile;
  try {
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (err) {
    throw invalid(reasonOf(err instanceof Error ? err.message : ''));
  }
  if (profile === null) throw invalid('The SAML response has no assertion.');
  if (profile.issuer !== md.entityId) throw invalid('The assertion is from another issuer.');
  // The Response's Destination (when given) and the bearer confirmation's Recipient (from the verified assertion) must be this endpoint.
  const destination = parse(profile.getSamlResponseXml?.() ?? '')?.documentElement?.getAttribute('Destination') ?? '';
  if (destination !== '' && destination !== x.acs) throw invalid('Destination is invalid.');
  const assertion = (profile.getAssertion?.() as Tree | undefined)?.Assertion;
  const confirmations = child(child(assertion, 'Subject')[0], 'SubjectConfirmation');
  const recipients = confirmations.map((c) => attr(child(c, 'SubjectConfirmationData')[0], 'Recipient'));
  if (!recipients.includes(x.acs)) throw invalid('Recipient is invalid.');
  const nameId = profile.nameID;
  if (typeof nameId !== 'string' || nameId === '' || nameId.length > 128) throw invalid('The assertion has no valid NameID.');
  const attributes: Record<string, unknown> = {};
  for (const [name, v] of Object.entries((profile.attributes as Record<string, unknown> | undefined) ?? {})) {
    // A multi-valued attribute becomes one string, `[a, b]`, as Cognito writes it into the mapped user attribute.
    attributes[name] = Array.isArray(v) ? `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]` : v;
  }
  return { nameId, issuer: md.entityId, attributes };
}
