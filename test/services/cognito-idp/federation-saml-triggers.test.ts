/**
 * A SAML sign-in goes through the same federated-user code as OIDC (federated-triggers.test.ts),
 * so PreSignUp_ExternalProvider runs before `<ProviderName>_<NameID>` is created, with the
 * mapped SAML attributes, and a refusal reaches the app's redirect_uri as Cognito words it.
 * HTTP-level (the test's own SAML IdP signs the Responses; the browser path is
 * federation-saml.test.ts).
 */
import { AdminGetUserCommand, CreateIdentityProviderCommand, CreateUserPoolClientCommand, CreateUserPoolDomainCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { readAuthnRequest, response, startTestIdp, type TestIdp } from './saml-test-idp.js';
import { createPool, errorOf, idp, type Pool } from './support.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from '../lambda/support.js';

const HANDLER = `exports.handler = async (event) => {
  console.log('event ' + JSON.stringify(event));
  if (event.triggerSource === 'PreSignUp_ExternalProvider') {
    if (event.request.userAttributes.email.startsWith('mallory')) throw new Error('Not from Corp');
    event.response.autoVerifyEmail = true;
  }
  return event;
};`;

let server: TestServer;
let pool: Pool;
let saml: TestIdp;
let clientId: string;
const PREFIX = 'saml-triggers';
const CALLBACK = 'http://127.0.0.1:9/callback';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  saml = await startTestIdp(`urn:amazon:cognito:sp:${pool.poolId}`, () => ({}));
  await idp(server).send(new CreateIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataFile: saml.metadata }, AttributeMapping: { email: 'mail' } }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'],
    CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['Corp'],
  }));
  clientId = c.UserPoolClient!.ClientId!;
  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'saml-triggers', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  await allowCognito(server, 'saml-triggers', pool.poolId);
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, LambdaConfig: { PreSignUp: fn.FunctionArn! } }));
});
afterAll(async () => {
  await saml?.close();
  await server?.close();
});

const events = (): { triggerSource: string; userName: string; callerContext: { clientId: string }; request: Record<string, unknown> }[] =>
  server.logs().filter((l) => l.event === 'lambda.invoke').flatMap((l) => String(l.output).split('\n')).flatMap((line) => {
    const i = line.indexOf('event {');
    return i < 0 ? [] : [JSON.parse(line.slice(i + 6))];
  });

/** The whole SP-initiated exchange for one NameID; where Gatehouse sends the browser at the end. */
async function signIn(nameId: string): Promise<URL> {
  const base = `${server.url}/_auth/${PREFIX}`;
  const start = await fetch(`${base}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s1&identity_provider=Corp`, { redirect: 'manual' });
  const req = readAuthnRequest(new URL(start.headers.get('location')!));
  const samlResponse = response({ issuer: saml.entityId, audience: `urn:amazon:cognito:sp:${pool.poolId}`, acs: req.acs, inResponseTo: req.id, nameId, attributes: { mail: `${nameId}@corp.example` }, keys: saml.keys });
  const res = await fetch(`${base}/saml2/idpresponse`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: req.relayState }).toString(),
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

describe('Lambda triggers on a SAML sign-in', () => {
  it('runs PreSignUp_ExternalProvider with the mapped SAML attributes before creating Corp_<NameID>', async () => {
    expect((await signIn('alice')).searchParams.get('code')).toEqual(expect.any(String));
    const [pre] = events().filter((e) => e.userName === 'Corp_alice');
    expect(pre).toMatchObject({ triggerSource: 'PreSignUp_ExternalProvider', callerContext: { clientId }, request: { userAttributes: { email: 'alice@corp.example' }, validationData: {} } });
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_alice' }));
    expect(user.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value).toBe('true');
  });

  it('sends a refusal back to the redirect_uri as Cognito words it, and creates no user', async () => {
    const landed = await signIn('mallory');
    expect(landed.search).toBe('?error_description=PreSignUp+failed+with+error+Not+from+Corp.+&state=s1&error=invalid_request');
    expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Corp_mallory' })))).name).toBe('UserNotFoundException');
  });
});
