/**
 * Federation with a SAML 2.0 identity provider, end to end: the test's own IdP
 * (saml-test-idp.ts: throw-away key, xml-crypto signatures) is registered with
 * CreateIdentityProvider by its MetadataURL (v3 SDK); `openid-client` is the app; Debian's
 * Chromium clicks "Continue with Okta" on the hosted page, signs in at the IdP, and posts its
 * Response back to /saml2/idpresponse, landing on the app with a code that openid-client
 * exchanges. The federated user is `Okta_<NameID>`, EXTERNAL_PROVIDER, in the group
 * `<poolId>_Okta`, with the mapped SAML attributes (a multi-valued one as `[a, b]`) and `identities` naming the IdP's entity id;
 * a native user linked by a mapped attribute (AdminLinkProviderForUser with `email`) is signed
 * in instead, keeps signing in through the IdP after AdminDisableProviderForUser takes their
 * password (ProviderName `Cognito`), and is unlinked by the NameID once it has signed in.
 */
import {
  AdminDisableProviderForUserCommand, AdminGetUserCommand, AdminLinkProviderForUserCommand, AdminSetUserPasswordCommand, CreateIdentityProviderCommand,
  CreateUserPoolClientCommand, CreateUserPoolDomainCommand, DescribeIdentityProviderCommand, InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';
import { startTestIdp, type TestIdp } from './saml-test-idp.js';

let server: TestServer;
let pool: Pool;
let browser: Browser;
let saml: TestIdp;
let app: { id: string; secret: string };
const PREFIX = 'saml-federation';
const CALLBACK = 'http://127.0.0.1:9/callback';
const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
/** Who the IdP says each of its users is (dave-okta's address is the native user dave's). */
const people: Record<string, { email: string; name: string }> = {
  jane: { email: 'jane@corp.example', name: 'Jane Doe' },
  'dave-okta': { email: 'dave@corp.example', name: 'Dave at Okta' },
};

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server, { Schema: [{ Name: 'email', Required: true, Mutable: true }, { Name: 'groups', AttributeDataType: 'String', Mutable: true }] });
  await idp(server).send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: PREFIX }));
  saml = await startTestIdp(`urn:amazon:cognito:sp:${pool.poolId}`, (user) => ({ [EMAIL]: people[user]!.email, [NAME]: people[user]!.name, groups: ['staff', 'dev'] }));
  await idp(server).send(new CreateIdentityProviderCommand({
    UserPoolId: pool.poolId, ProviderName: 'Okta', ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${saml.url}/metadata` },
    AttributeMapping: { email: EMAIL, name: NAME, 'custom:groups': 'groups' },
  }));
  const c = await idp(server).send(new CreateUserPoolClientCommand({
    UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO', 'Okta'],
  }));
  app = { id: c.UserPoolClient!.ClientId!, secret: c.UserPoolClient!.ClientSecret! };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await saml?.close();
  await server?.close();
});

/** The whole sign-in in a fresh browser: the app's request, "Continue with Okta", the IdP's form, its POST back, the app's code exchange. */
async function signInThroughOkta(user: string): Promise<oidc.IDToken> {
  const config = await oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.id, undefined, oidc.ClientSecretBasic(app.secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
  const context = await browser.newContext();
  try {
    await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
    const page = await context.newPage();
    await page.goto(url.toString());
    await page.getByRole('link', { name: 'Continue with Okta' }).click();
    await page.getByLabel('Username').fill(user);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    return tokens.claims()!;
  } finally {
    await context.close();
  }
}

describe('SAML federation through the hosted UI in Chromium', () => {
  it('describes the provider with the SSO endpoint its metadata names', async () => {
    const d = await idp(server).send(new DescribeIdentityProviderCommand({ UserPoolId: pool.poolId, ProviderName: 'Okta' }));
    expect(d.IdentityProvider).toMatchObject({ ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${saml.url}/metadata`, SSORedirectBindingURI: `${saml.url}/sso` } });
  });

  it('creates the federated user Okta_<NameID> on the first sign-in, with the mapped SAML attributes, group and identities', async () => {
    const claims = await signInThroughOkta('jane');
    expect(claims).toMatchObject({ 'cognito:username': 'Okta_jane', email: 'jane@corp.example', name: 'Jane Doe', aud: app.id, 'cognito:groups': [`${pool.poolId}_Okta`] });
    expect(claims.identities).toEqual([expect.objectContaining({ userId: 'jane', providerName: 'Okta', providerType: 'SAML', issuer: saml.entityId, primary: 'true' })]);
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'Okta_jane' }));
    expect(user.UserStatus).toBe('EXTERNAL_PROVIDER');
    // The multi-valued SAML attribute, in one string as Cognito writes it.
    expect(user.UserAttributes?.find((a) => a.Name === 'custom:groups')?.Value).toBe('[staff, dev]');
    expect(user.UserAttributes?.find((a) => a.Name === 'sub')?.Value).toBe(claims.sub);
    expect(saml.requests.at(-1)).toMatchObject({ issuer: `urn:amazon:cognito:sp:${pool.poolId}`, acs: `${server.url}/_auth/${PREFIX}/saml2/idpresponse` });
    // A second sign-in is the same user.
    expect((await signInThroughOkta('jane')).sub).toBe(claims.sub);
  });

  it('signs in a native user linked by a mapped attribute, also after their password is disabled, until the NameID is unlinked', async () => {
    const daveSub = await confirmedUser(server, pool, 'dave', 'dave@corp.example');
    await idp(server).send(new AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'dave' },
      SourceUser: { ProviderName: 'Okta', ProviderAttributeName: 'email', ProviderAttributeValue: 'dave@corp.example' },
    }));
    const linked = await signInThroughOkta('dave-okta');
    expect(linked).toMatchObject({ 'cognito:username': 'dave', sub: daveSub, email: 'dave@corp.example' });
    expect(linked.identities).toEqual([expect.objectContaining({ userId: 'dave-okta', providerName: 'Okta', providerType: 'SAML', issuer: saml.entityId })]);

    // The native user without a password: the API says what it says to a wrong one; the IdP still signs them in.
    await idp(server).send(new AdminDisableProviderForUserCommand({ UserPoolId: pool.poolId, User: { ProviderName: 'Cognito', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'dave' } }));
    const passwordSignIn = (): Promise<unknown> => anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'dave', PASSWORD } }));
    expect(await errorOf(passwordSignIn())).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect((await signInThroughOkta('dave-okta')).sub).toBe(daveSub);
    await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'dave', Password: PASSWORD, Permanent: true }));
    expect(await passwordSignIn()).toMatchObject({ AuthenticationResult: expect.objectContaining({ IdToken: expect.any(String) }) });

    // Signed in once, the identity is linked by its NameID, as AWS documents for AdminDisableProviderForUser.
    await idp(server).send(new AdminDisableProviderForUserCommand({ UserPoolId: pool.poolId, User: { ProviderName: 'Okta', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'dave-okta' } }));
    const dave = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'dave' }));
    expect(dave.UserAttributes?.some((a) => a.Name === 'identities')).toBe(false);
    const unlinked = await signInThroughOkta('dave-okta');
    expect(unlinked['cognito:username']).toBe('Okta_dave-okta');
    expect(unlinked.sub).not.toBe(daveSub);
  });

  it('refuses linking by an attribute the provider does not map, and unknown native users', async () => {
    expect(await errorOf(idp(server).send(new AdminLinkProviderForUserCommand({
      UserPoolId: pool.poolId, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'dave' },
      SourceUser: { ProviderName: 'Okta', ProviderAttributeName: 'phone_number', ProviderAttributeValue: '+15550100' },
    })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(idp(server).send(new AdminDisableProviderForUserCommand({
      UserPoolId: pool.poolId, User: { ProviderName: 'Cognito', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'nobody' },
    })))).toMatchObject({ name: 'UserNotFoundException' });
    expect(await errorOf(idp(server).send(new AdminDisableProviderForUserCommand({
      UserPoolId: pool.poolId, User: { ProviderName: 'Cognito', ProviderAttributeName: 'email', ProviderAttributeValue: 'dave' },
    })))).toMatchObject({ name: 'InvalidParameterException' });
  });
});
