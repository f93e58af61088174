/**
 * SAML federation on two nodes of one PostgreSQL store behind a round-robin balancer (the
 * set-up of test/store/nodes.test.ts): the relay state sealed by one node opens on the other,
 * and its single use is the store's, so a Response replayed to the node that started the
 * sign-in is refused after the other node took it. Also runs cognito-idp's migrations (v13's rebuilt
 * provider-link table) on PostgreSQL, and a link by attribute there.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AdminGetUserCommand, AdminLinkProviderForUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../../support/balancer.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';
import { readAuthnRequest, response, startTestIdp, type TestIdp } from './saml-test-idp.js';
import { confirmedUser, createPool, idp, type Pool } from './support.js';

let cluster: PostgresCluster;
let balancer: Balancer;
let shared: string;
const nodes: TestServer[] = [];
let pool: Pool;
let saml: TestIdp;
let clientId: string;
const PREFIX = 'saml-nodes';
const CALLBACK = 'http://127.0.0.1:9/callback';

beforeAll(async () => {
  cluster = await startPostgres();
  balancer = await startBalancer();
  shared = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-'));
  const env = { GATEHOUSE_DATABASE_URL: await cluster.newDatabase(), GATEHOUSE_DATA_DIR: shared, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_PUBLIC_URL: balancer.url };
  for (let i = 0; i < 2; i++) nodes.push(await startServer(env));
  balancer.nodes = nodes.map((n) => `http://127.0.0.1:${n.gatehouse.config.port}`);
  pool = await createPool(nodes[0]!);
  await idp(nodes[0]!).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  saml = await startTestIdp(`urn:amazon:cognito:sp:${pool.poolId}`, () => ({}));
  await idp(nodes[0]!).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataFile: saml.metadata }, AttributeMapping: { email: 'mail' } }));
  const c = await idp(nodes[0]!).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'],
    CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['Corp'],
  }));
  clientId = c.UserPoolClient!.ClientId!;
}, 180_000);
afterAll(async () => {
  await saml?.close();
  await closeAll(...nodes, balancer);
  cluster?.stop();
  if (shared) fs.rmSync(shared, { recursive: true, force: true });
});

/** /oauth2/authorize through the balancer (on `node`): the AuthnRequest, and a Response the IdP makes for it. */
async function begin(node: number, nameId: string): Promise<{ relayState: string; samlResponse: string }> {
  balancer.next(node);
  const start = await fetch(`${balancer.url}/_auth/${PREFIX}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&identity_provider=Corp`, { redirect: 'manual' });
  const req = readAuthnRequest(new URL(start.headers.get('location')!));
  expect(req.acs).toBe(`${balancer.url}/_auth/${PREFIX}/saml2/idpresponse`);
  const samlResponse = response({ issuer: saml.entityId, audience: `urn:amazon:cognito:sp:${pool.poolId}`, acs: req.acs, inResponseTo: req.id, nameId, attributes: { mail: `${nameId}@corp.example` }, keys: saml.keys });
  return { relayState: req.relayState, samlResponse };
}

function post(node: number, samlResponse: string, relayState: string): Promise<Response> {
  balancer.next(node);
  return fetch(`${balancer.url}/_auth/${PREFIX}/saml2/idpresponse`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
  });
}

describe('SAML federation on two nodes of one PostgreSQL', () => {
  it('signs in on the other node than the one that sent the AuthnRequest, and refuses the Response replayed to the first', async () => {
    const { relayState, samlResponse } = await begin(0, 'roamer');
    const res = await post(1, samlResponse, relayState);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toEqual(expect.any(String));
    expect(balancer.served.slice(-2).map((s) => s.node)).toEqual([0, 1]);
    const replayed = await post(0, samlResponse, relayState);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('Invalid samlResponse or relayState from identity provider');
  });

  it('signs in a user linked by attribute through the PostgreSQL link table', async () => {
    const sub = await confirmedUser(nodes[1]!, pool, 'erin', 'erin@corp.example');
    await idp(nodes[1]!).send(new AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'erin' },
      SourceUser: { ProviderName: 'Corp', ProviderAttributeName: 'email', ProviderAttributeValue: 'erin@corp.example' },
    }));
    const { relayState, samlResponse } = await begin(0, 'erin');
    const res = await post(1, samlResponse, relayState);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toEqual(expect.any(String));
    const erin = await idp(nodes[1]!).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'erin' }));
    expect(erin.UserAttributes?.find((a) => a.Name === 'sub')?.Value).toBe(sub);
    expect(JSON.parse(erin.UserAttributes!.find((a) => a.Name === 'identities')!.Value!)).toEqual([expect.objectContaining({ userId: 'erin', providerType: 'SAML' })]);
  });
});
