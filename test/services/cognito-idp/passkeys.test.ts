/**
 * Passkeys with a real authenticator: Debian's Chromium (playwright-core) with the DevTools
 * virtual authenticator (`WebAuthn.addVirtualAuthenticator`) makes and uses the credential;
 * SDK v3 carries StartWebAuthnRegistration / CompleteWebAuthnRegistration /
 * ListWebAuthnCredentials / DeleteWebAuthnCredential and the USER_AUTH → WEB_AUTHN sign-in.
 * A replayed or foreign assertion, another user's passkey and a foreign origin are refused.
 */
import {
  CompleteWebAuthnRegistrationCommand,
  DeleteWebAuthnCredentialCommand,
  InitiateAuthCommand,
  ListWebAuthnCredentialsCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  StartWebAuthnRegistrationCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let pool: Pool;
/** The app's origin: any localhost origin may use the relying party `localhost`. */
const APP = 'http://localhost:4999/';

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(
    server,
    { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } } },
    { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  );
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OFF', WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'required' } }));
  await confirmedUser(server, pool, 'kim');
  await confirmedUser(server, pool, 'lee');

  browser = await launchChromium();
  page = await browser.newPage();
  await page.route(`${APP}**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>app</title>' }));
  await page.goto(APP);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}, 60_000);
afterAll(() => closeAll(browser === undefined ? undefined : { close: () => browser.close() }, server));

const accessToken = async (USERNAME: string): Promise<string> =>
  (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }))).AuthenticationResult!.AccessToken!;

/**
 * navigator.credentials.create / get in the page with the server's options; the credential as
 * its JSON form. The scripts are strings: the test runs in Node, whose types have no DOM.
 */
const inPage = (call: 'create' | 'get', parse: string, options: unknown): Promise<Record<string, unknown>> =>
  page.evaluate(
    `(async () => (await navigator.credentials.${call}({ publicKey: PublicKeyCredential.${parse}(${JSON.stringify(options)}) })).toJSON())()`,
  ) as Promise<Record<string, unknown>>;
const create = (options: unknown) => inPage('create', 'parseCreationOptionsFromJSON', options);
const get = (options: string) => inPage('get', 'parseRequestOptionsFromJSON', JSON.parse(options));

async function register(username: string): Promise<void> {
  const token = await accessToken(username);
  const { CredentialCreationOptions } = await anonymous(server).send(new StartWebAuthnRegistrationCommand({ AccessToken: token }));
  expect(CredentialCreationOptions).toMatchObject({ rp: { id: 'localhost' }, user: { name: username }, authenticatorSelection: { userVerification: 'required' } });
  await anonymous(server).send(new CompleteWebAuthnRegistrationCommand({ AccessToken: token, Credential: (await create(CredentialCreationOptions)) as never }));
}

const startWebAuthn = (USERNAME: string) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME, PREFERRED_CHALLENGE: 'WEB_AUTHN' } }));
const answer = (USERNAME: string, Session: string | undefined, credential: unknown) =>
  anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'WEB_AUTHN', Session, ChallengeResponses: { USERNAME, CREDENTIAL: JSON.stringify(credential) } }));

describe('passkeys', () => {
  it('registers a passkey made by Chromium’s authenticator, lists it, and refuses to complete twice', async () => {
    // Without a passkey, WEB_AUTHN is not among kim's choices.
    expect((await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'kim' } }))).AvailableChallenges).toEqual(['PASSWORD', 'PASSWORD_SRP']);
    await register('kim');
    const token = await accessToken('kim');
    const listed = await anonymous(server).send(new ListWebAuthnCredentialsCommand({ AccessToken: token }));
    expect(listed.Credentials).toHaveLength(1);
    expect(listed.Credentials![0]).toMatchObject({ RelyingPartyId: 'localhost', AuthenticatorTransports: expect.any(Array) });
    expect(await errorOf(anonymous(server).send(new CompleteWebAuthnRegistrationCommand({ AccessToken: token, Credential: {} as never })))).toMatchObject({ name: 'WebAuthnChallengeNotFoundException' });
  }, 60_000);

  it('signs in with USER_AUTH → WEB_AUTHN; a replayed assertion, another user’s passkey and a foreign origin are refused', async () => {
    const started = await startWebAuthn('kim');
    expect(started.ChallengeName).toBe('WEB_AUTHN');
    const options = started.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!;
    expect(JSON.parse(options)).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [expect.objectContaining({ type: 'public-key' })] });
    const assertion = await get(options);
    const done = await answer('kim', started.Session, assertion);
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
    expect(await errorOf(answer('kim', started.Session, assertion))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
    // The same assertion against a fresh challenge: its signature is over the old one.
    const again = await startWebAuthn('kim');
    expect(await errorOf(answer('kim', again.Session, assertion))).toMatchObject({ name: 'NotAuthorizedException' });

    // kim's passkey does not sign lee in.
    await register('lee');
    const forLee = await startWebAuthn('lee');
    const kimsAssertion = await get(JSON.stringify({ ...JSON.parse(forLee.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!), allowCredentials: JSON.parse(options).allowCredentials }));
    expect(await errorOf(answer('lee', forLee.Session, kimsAssertion))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });

    // An assertion made for another origin is refused before anything else is believed.
    const fresh = await startWebAuthn('kim');
    const real = await get(fresh.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!);
    const response = real.response as Record<string, string>;
    const clientData = JSON.parse(Buffer.from(response.clientDataJSON!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = { ...real, response: { ...response, clientDataJSON: Buffer.from(JSON.stringify({ ...clientData, origin: 'https://evil.example' })).toString('base64url') } };
    expect(await errorOf(answer('kim', fresh.Session, forged))).toMatchObject({ name: 'WebAuthnOriginNotAllowedException' });
    // The real one still works on that session (a refused answer does not use it up).
    expect((await answer('kim', fresh.Session, real)).AuthenticationResult?.IdToken).toBeDefined();
  }, 60_000);

  it('deletes a passkey, after which WEB_AUTHN is no longer offered', async () => {
    const token = await accessToken('lee');
    const [cred] = (await anonymous(server).send(new ListWebAuthnCredentialsCommand({ AccessToken: token }))).Credentials!;
    await anonymous(server).send(new DeleteWebAuthnCredentialCommand({ AccessToken: token, CredentialId: cred!.CredentialId }));
    expect(await errorOf(anonymous(server).send(new DeleteWebAuthnCredentialCommand({ AccessToken: token, CredentialId: cred!.CredentialId })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await anonymous(server).send(new ListWebAuthnCredentialsCommand({ AccessToken: token }))).Credentials).toEqual([]);
    expect((await startWebAuthn('lee')).ChallengeName).toBe('SELECT_CHALLENGE');
  });
});
