/**
 * Bad input on the SAML path, on top of the end-to-end test (federation-saml.test.ts): the
 * test's own IdP (saml-test-idp.ts) signs what a real one never would. Each Response is
 * answered before any user exists for it: an unsigned one, one signed by another key, one
 * tampered with after signing, for another audience (another pool's), expired or not yet
 * valid, for another AuthnRequest, to another Recipient or Destination; a relay state replayed
 * (a replayed InResponseTo), tampered, or from another pool; an oversized POST. And the
 * metadata: CreateIdentityProvider refuses a document Gatehouse could not sign in with.
 */
import { AdminGetUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, errorOf, idp, type Pool } from './support.js';
import { metadata, readAuthnRequest, response, startTestIdp, throwAwayKeys, type Keys, type ResponseOptions, type TestIdp } from './saml-test-idp.js';

let server: TestServer;
let pool: Pool;
let other: Pool;
let saml: TestIdp;
let clients: { [poolId: string]: string };
const CALLBACK = 'http://127.0.0.1:9/callback';
const PREFIX = 'saml-attacks';
const OTHER_PREFIX = 'saml-attacks-other';

async function setUpPool(p: Pool, prefix: string): Promise<string> {
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: p.poolId, Domain: prefix }));
  await idp(server).send(new CreateIdentityProviderCommand({
    UserPoolId: p.poolId, ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataFile: saml.metadata }, AttributeMapping: { email: 'email' }, IdpIdentifiers: ['corp.example'],
  }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: p.poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'],
    CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO', 'Corp'],
  }));
  return c.UserPoolClient!.ClientId!;
}

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  other = await createPool(server);
  saml = await startTestIdp('unused', () => ({}));
  clients = { [pool.poolId]: await setUpPool(pool, PREFIX), [other.poolId]: await setUpPool(other, OTHER_PREFIX) };
});
afterAll(async () => {
  await saml?.close();
  await server?.close();
});

const base = (prefix = PREFIX): string => `${server.url}/_auth/${prefix}`;

/** /oauth2/authorize naming the SAML provider: the AuthnRequest it redirects to, with its relay state. */
async function begin(p: Pool = pool, prefix = PREFIX): Promise<{ id: string; acs: string; issuer: string; relayState: string }> {
  const res = await fetch(`${base(prefix)}/oauth2/authorize?client_id=${clients[p.poolId]}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&state=app-state&identity_provider=Corp`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(`${saml.url}/sso`);
  return readAuthnRequest(to);
}

function post(samlResponse: string, relayState: string, prefix = PREFIX, extra = ''): Promise<Response> {
  return fetch(`${base(prefix)}/saml2/idpresponse`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString()}${extra}`,
  });
}

/** The client's redirect: the code, or `error=`. */
function answer(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(CALLBACK);
  expect(to.searchParams.get('state')).toBe('app-state');
  return to.searchParams;
}

async function userExists(nameId: string): Promise<boolean> {
  try {
    await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: `Corp_${nameId}` }));
    return true;
  } catch (err) {
    expect((err as Error).name).toBe('UserNotFoundException');
    return false;
  }
}

function good(req: { id: string; acs: string }, nameId: string, over: Partial<ResponseOptions> = {}): string {
  return response({ issuer: saml.entityId, audience: `urn:amazon:cognito:sp:${pool.poolId}`, acs: req.acs, inResponseTo: req.id, nameId, attributes: { email: `${nameId}@corp.example` }, keys: saml.keys, ...over });
}

describe('SAML federation: what the provider answers', () => {
  it('sends an AuthnRequest from urn:amazon:cognito:sp:<poolId> to /saml2/idpresponse, signs in with a right Response, and refuses the relay state replayed', async () => {
    const req = await begin();
    expect(req.issuer).toBe(`urn:amazon:cognito:sp:${pool.poolId}`);
    expect(req.acs).toBe(`${base()}/saml2/idpresponse`);
    const samlResponse = good(req, 'good-user');
    expect(answer(await post(samlResponse, req.relayState)).get('code')).toMatch(/.{20,}/);
    expect(await userExists('good-user')).toBe(true);
    const replayed = await post(samlResponse, req.relayState);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('Invalid samlResponse or relayState from identity provider');
  });

  it('finds the provider by idp_identifier too', async () => {
    const res = await fetch(`${base()}/oauth2/authorize?client_id=${clients[pool.poolId]}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&idp_identifier=corp.example`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${saml.url}/sso`);
    expect(readAuthnRequest(to).id).toMatch(/^_[0-9a-f]{40}$/);
  });

  it('accepts a Response signed as a whole instead of its Assertion', async () => {
    const req = await begin();
    expect(answer(await post(good(req, 'response-signed', { sign: 'response' }), req.relayState)).get('code')).not.toBeNull();
  });

  let otherKeys: Keys;
  const cases: [string, (req: { id: string; acs: string }, nameId: string) => string, string][] = [
    ['unsigned', (req, n) => good(req, n, { sign: 'none' }), 'SAML Assertion signature is invalid.'],
    ['signed by another key', (req, n) => good(req, n, { keys: otherKeys }), 'SAML Assertion signature is invalid.'],
    ['tampered after signing', (req, n) => Buffer.from(Buffer.from(good(req, n), 'base64').toString('utf8').replace(`${n}@corp.example`, 'admin@corp.example'), 'utf8').toString('base64'), 'SAML Assertion signature is invalid.'],
    ['for another pool\u2019s audience', (req, n) => good(req, n, { audience: `urn:amazon:cognito:sp:${other.poolId}` }), 'Audience is invalid.'],
    ['expired', (req, n) => good(req, n, { from: -900, to: -300 }), 'SAML assertion is not within its validity period.'],
    ['not yet valid', (req, n) => good(req, n, { from: 600, to: 900 }), 'SAML assertion is not within its validity period.'],
    ['for another AuthnRequest', (req, n) => good({ ...req, id: '_another-request-id' }, n), 'InResponseTo is invalid.'],
    ['for another Recipient', (req, n) => good(req, n, { recipient: 'https://elsewhere.example/saml2/idpresponse' }), 'Recipient is invalid.'],
    ['for another Destination', (req, n) => good(req, n, { destination: 'https://elsewhere.example/saml2/idpresponse' }), 'Destination is invalid.'],
    ['from another issuer', (req, n) => good(req, n, { issuer: 'https://impostor.example/entity' }), 'The assertion is from another issuer.'],
    ['that answers no AuthnRequest (IdP-initiated)', (req, n) => good(req, n, { inResponseTo: '' }), 'InResponseTo is invalid.'],
  ];
  it.each(cases.map(([name], i) => [name, i] as const))('refuses a Response %s, and creates no user', async (_name, i) => {
    otherKeys ??= throwAwayKeys();
    const [, make, reason] = cases[i]!;
    const req = await begin();
    const nameId = `user-${i}`;
    const err = answer(await post(make(req, nameId), req.relayState));
    expect(err.get('error')).toBe('server_error');
    expect(err.get('error_description')).toBe(`Invalid SAML response received: ${reason}`);
    expect(err.get('code')).toBeNull();
    expect(await userExists(nameId)).toBe(false);
  });
  it('refuses a user the pool cannot take (a required attribute missing), with Cognito\u2019s error, and creates no user', async () => {
    const req = await begin();
    const err = answer(await post(good(req, 'no-email-user', { attributes: {} }), req.relayState));
    expect(err.get('error')).toBe('invalid_request');
    expect(err.get('error_description')).toContain('email');
    expect(await userExists('no-email-user')).toBe(false);
  });
});

describe('SAML federation: the relay state and the request', () => {
  it('refuses a missing or tampered relay state, one from another pool, and a GET', async () => {
    const req = await begin();
    const theirs = await begin(other, OTHER_PREFIX);
    for (const relay of ['', `${req.relayState.slice(0, -8)}AAAAAAA=`, theirs.relayState]) {
      const res = await post(good(req, 'relay-user'), relay);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Invalid samlResponse or relayState from identity provider');
    }
    expect((await fetch(`${base()}/saml2/idpresponse`)).status).toBe(405);
    // The relay state refused elsewhere is still good where it belongs.
    expect(answer(await post(good(req, 'relay-user'), req.relayState)).get('code')).not.toBeNull();
  });

  it('refuses an oversized POST without reading it all, and creates nothing', async () => {
    const req = await begin();
    const res = await post(good(req, 'big-user'), req.relayState, PREFIX, `&pad=${'x'.repeat(300 * 1024)}`);
    expect(res.status).toBe(413);
    expect(await userExists('big-user')).toBe(false);
  });
});

describe('SAML providers: the metadata', () => {
  const create = (details: Record<string, string>): Promise<unknown> => idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Bad', ProviderType: 'SAML', ProviderDetails: details }));

  it('refuses metadata it could not sign in with, and fetches a MetadataURL', async () => {
    const notACertificate = metadata('urn:x', 'https://idp.example/sso', 'MIIB');
    for (const [details, message] of [
      [{}, 'At least one of the MetadataURL or MetadataFile should be provided.'],
      [{ MetadataFile: '<md:EntityDescriptor' }, 'The SAML metadata is not well-formed XML.'],
      [{ MetadataFile: '<!DOCTYPE x [<!ENTITY a "b">]><x/>' }, 'The SAML metadata must not have a DOCTYPE.'],
      [{ MetadataFile: saml.metadata.replace(/<md:SingleSignOnService[^>]+HTTP-Redirect[^>]+>/, '') }, 'The SAML metadata has no SingleSignOnService with the HTTP-Redirect binding.'],
      [{ MetadataFile: notACertificate }, 'A signing certificate in the SAML metadata is not an X.509 certificate.'],
      [{ MetadataURL: `${saml.url}/missing` }, `Non-ok status code 404 returned from remote metadata source ${saml.url}/missing`],
    ] as const) {
      expect(await errorOf(create(details))).toMatchObject({ name: 'InvalidParameterException', message });
    }
    const made = await idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'ByUrl', ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${saml.url}/metadata` } }));
    expect(made.IdentityProvider!.ProviderDetails).toEqual({ MetadataURL: `${saml.url}/metadata`, SSORedirectBindingURI: `${saml.url}/sso` });
  });
});
