/**
 * A SAML 2.0 identity provider made in the test process: a throw-away RSA key and self-signed
 * certificate (node-forge), its metadata document, Responses signed with xml-crypto (the
 * signer node-saml itself verifies with), and an HTTP server with the SSO endpoint (HTTP-Redirect
 * binding: it inflates and reads the AuthnRequest), a login form ("Username", "Sign in") and
 * the HTTP-POST form back to the service provider ("Continue"). `response()` also makes the
 * wrong Responses the attack tests send.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import forge from 'node-forge';
import { SignedXml } from 'xml-crypto';

export interface Keys {
  key: string;
  cert: string;
  /** The certificate's base64 DER, as metadata carries it. */
  der: string;
}

export function throwAwayKeys(): Keys {
  const pair = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = pair.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const name = [{ name: 'commonName', value: 'test-saml-idp' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(pair.privateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { key: forge.pki.privateKeyToPem(pair.privateKey), cert: pem, der: pem.replace(/-----[A-Z ]+-----|\s/g, '') };
}

export function metadata(entityId: string, sso: string, der: string): string {
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sso}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${sso}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

export interface ResponseOptions {
  issuer: string;
  audience: string;
  acs: string;
  inResponseTo: string;
  nameId: string;
  attributes?: Record<string, string | string[]>;
  /** Which element carries the signature ('none': unsigned). */
  sign?: 'response' | 'assertion' | 'none';
  keys: Keys;
  /** Validity window relative to now, in seconds (NotBefore = now + from, NotOnOrAfter = now + to). */
  from?: number;
  to?: number;
  destination?: string;
  recipient?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (offsetS: number): string => new Date(Date.now() + offsetS * 1000).toISOString();

/** A Response (signed as asked), base64 as the HTTP-POST binding sends it. */
export function response(o: ResponseOptions): string {
  const id = `_r${randomBytes(16).toString('hex')}`;
  const aid = `_a${randomBytes(16).toString('hex')}`;
  const from = iso(o.from ?? -30);
  const to = iso(o.to ?? 300);
  const attributes = Object.entries(o.attributes ?? {}).map(([name, v]) =>
    `<saml:Attribute Name="${esc(name)}">${(Array.isArray(v) ? v : [v]).map((x) => `<saml:AttributeValue>${esc(x)}</saml:AttributeValue>`).join('')}</saml:Attribute>`).join('');
  const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${aid}" Version="2.0" IssueInstant="${iso(0)}">`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId)}</saml:NameID>`
    + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(o.inResponseTo)}" NotOnOrAfter="${to}" Recipient="${esc(o.recipient ?? o.acs)}"/></saml:SubjectConfirmation></saml:Subject>`
    + `<saml:Conditions NotBefore="${from}" NotOnOrAfter="${to}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="${aid}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`
    + (attributes === '' ? '' : `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`)
    + '</saml:Assertion>';
  let xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(0)}" Destination="${esc(o.destination ?? o.acs)}" InResponseTo="${esc(o.inResponseTo)}">`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertion}</samlp:Response>`;
  const sign = o.sign ?? 'assertion';
  if (sign !== 'none') {
    const target = sign === 'response' ? "/*[local-name(.)='Response']" : "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
    const sig = new SignedXml({ privateKey: o.keys.key, publicCert: o.keys.cert, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sig.addReference({ xpath: target, digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'] });
    sig.computeSignature(xml, { location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
    xml = sig.getSignedXml();
  }
  return Buffer.from(xml, 'utf8').toString('base64');
}

/** What an AuthnRequest in an HTTP-Redirect URL says. */
export function readAuthnRequest(url: URL): { id: string; acs: string; issuer: string; relayState: string } {
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  return {
    id: /\sID="([^"]+)"/.exec(xml)?.[1] ?? '',
    acs: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? '',
    issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? '',
    relayState: url.searchParams.get('RelayState') ?? '',
  };
}

export interface TestIdp {
  url: string;
  entityId: string;
  keys: Keys;
  metadata: string;
  /** AuthnRequests the SSO endpoint received. */
  requests: { id: string; acs: string; issuer: string; relayState: string }[];
  close(): Promise<void>;
}

/**
 * The IdP's server: GET /sso shows the login form for the AuthnRequest, POST /login answers
 * with the auto-post form carrying the signed Response (the user clicks "Continue"),
 * GET /metadata serves the metadata (for MetadataURL providers).
 */
export async function startTestIdp(audience: string, attributesOf: (user: string) => Record<string, string | string[]>): Promise<TestIdp> {
  const keys = throwAwayKeys();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/entity`;
  const idp: TestIdp = { url, entityId, keys, metadata: metadata(entityId, `${url}/sso`, keys.der), requests: [], close: () => new Promise((r) => server.close(() => r())) };
  const html = (res: http.ServerResponse, body: string): void => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>${body}</body></html>`);
  };
  server.on('request', (req, res) => {
    const u = new URL(req.url!, url);
    if (u.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      return void res.end(idp.metadata);
    }
    if (u.pathname === '/sso') {
      const r = readAuthnRequest(u);
      idp.requests.push(r);
      return html(res, `<form method="post" action="/login"><input type="hidden" name="id" value="${esc(r.id)}"><input type="hidden" name="acs" value="${esc(r.acs)}"><input type="hidden" name="relay" value="${esc(r.relayState)}">`
        + '<label>Username <input name="user"></label><button type="submit">Sign in</button></form>');
    }
    if (u.pathname === '/login' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const f = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const user = f.get('user') ?? '';
        const saml = response({ issuer: entityId, audience, acs: f.get('acs')!, inResponseTo: f.get('id')!, nameId: user, attributes: attributesOf(user), keys });
        html(res, `<form method="post" action="${esc(f.get('acs')!)}"><input type="hidden" name="SAMLResponse" value="${saml}"><input type="hidden" name="RelayState" value="${esc(f.get('relay')!)}"><button type="submit">Continue</button></form>`);
      });
      return;
    }
    res.writeHead(404).end();
  });
  return idp;
}
