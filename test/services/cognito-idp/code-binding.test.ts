/**
 * A verification code proves control of the value it was sent to, nothing else (issue 10,
 * item 2): a code asked for one's own address does not verify someone else's address the
 * account changes to, and a change of the attribute voids codes sent to the old value.
 * Through SDK v3, codes read from the mail Gatehouse delivers over SMTP.
 */
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  InitiateAuthCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
/** A pool that does not auto-verify: changing the email sends no code. */
let manual: Pool;
/** The console default: email auto-verified. */
let auto: Pool;
beforeAll(async () => {
  ({ server, smtp, pool: manual } = await startPoolServer({ AutoVerifiedAttributes: [], AliasAttributes: ['email'], Schema: [{ Name: 'email', Required: true, Mutable: true }] }));
  auto = await createPool(server);
});
afterAll(() => closeAll(server, smtp));

const attributesOf = async (pool: Pool, username: string): Promise<Record<string, string>> =>
  Object.fromEntries(((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }))).UserAttributes ?? []).map((a) => [a.Name!, a.Value!]));

async function accessToken(pool: Pool, username: string): Promise<string> {
  const r = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return r.AuthenticationResult!.AccessToken!;
}

const expired = { name: 'ExpiredCodeException', message: 'Invalid code provided, please request a code again.', status: 400 };

describe('a code verifies only the value it was sent to', () => {
  it("refuses a code sent to the attacker's address once the account names the victim's", async () => {
    await confirmedUser(server, manual, 'mallory', 'mallory@example.com');
    const token = await accessToken(manual, 'mallory');
    const c = anonymous(server);
    await c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
    const code = codeIn((await smtp.waitFor('mallory@example.com')).text);
    await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'victim@example.com' }] }));
    expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code })))).toEqual(expired);
    expect(await attributesOf(manual, 'mallory')).toMatchObject({ email: 'victim@example.com', email_verified: 'false' });
    // Nor does changing back revive it: the change voided the code.
    await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'mallory@example.com' }] }));
    expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code })))).toEqual(expired);
    // The victim's address is no alias of mallory's: it signs nobody in.
    expect(await errorOf(c.send(new InitiateAuthCommand({ ClientId: manual.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'victim@example.com', PASSWORD } })))).toMatchObject({
      name: 'UserNotFoundException',
    });
  });

  it('verifying an alias another user holds verified is AliasExistsException, even with the right code', async () => {
    await confirmedUser(server, manual, 'alice', 'shared@example.com');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: manual.poolId, Username: 'alice', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    await confirmedUser(server, manual, 'bob', 'bob@example.com');
    const token = await accessToken(manual, 'bob');
    const c = anonymous(server);
    await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }] }));
    await c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
    const code = codeIn((await smtp.waitFor('shared@example.com')).text);
    expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code })))).toEqual({
      name: 'AliasExistsException',
      message: 'An account with the given email already exists.',
      status: 400,
    });
    expect((await attributesOf(manual, 'bob')).email_verified).toBe('false');
    // The alias still signs alice in.
    const signedIn = await c.send(new InitiateAuthCommand({ ClientId: manual.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'shared@example.com', PASSWORD } }));
    expect(signedIn.AuthenticationResult?.IdToken).toBeDefined();
  });

  it('a change of case is a change: the code for the old spelling is void, the new one works', async () => {
    await confirmedUser(server, auto, 'casey', 'casey@example.com');
    const token = await accessToken(auto, 'casey');
    const c = anonymous(server);
    await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'new.casey@example.com' }] }));
    const first = codeIn((await smtp.waitFor('new.casey@example.com')).text);
    await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'New.Casey@example.com' }] }));
    const second = codeIn((await smtp.waitFor('New.Casey@example.com')).text);
    if (first !== second) expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: first })))).toMatchObject({ name: 'CodeMismatchException' });
    await c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: second }));
    expect(await attributesOf(auto, 'casey')).toMatchObject({ email: 'New.Casey@example.com', email_verified: 'true' });
  });

  it('a password-reset code mailed to the old address is void once an administrator changes the email', async () => {
    await confirmedUser(server, auto, 'rhea', 'rhea@example.com');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: auto.poolId, Username: 'rhea', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const c = anonymous(server);
    await c.send(new ForgotPasswordCommand({ ClientId: auto.clientId, Username: 'rhea' }));
    const code = codeIn((await smtp.waitFor('rhea@example.com')).text);
    await idp(server).send(
      new AdminUpdateUserAttributesCommand({ UserPoolId: auto.poolId, Username: 'rhea', UserAttributes: [{ Name: 'email', Value: 'rhea.new@example.com' }, { Name: 'email_verified', Value: 'true' }] }),
    );
    expect(await errorOf(c.send(new ConfirmForgotPasswordCommand({ ClientId: auto.clientId, Username: 'rhea', ConfirmationCode: code, Password: 'An0ther-Passw0rd!' })))).toEqual(expired);
    // The old password still signs in: nothing changed.
    expect((await accessToken(auto, 'rhea')).length).toBeGreaterThan(0);
  });
});
