/**
 * Code guessing and code sending are bounded per user and purpose over an hour, in the store
 * (issue 10, item 3): re-issuing a code (here by flipping the address's case) does not reset
 * the wrong-guess count, every path that sends a code is limited (and refused before it changes
 * anything), one mailbox cannot be flooded through many sign-ups, and two processes on one
 * store count together. Through SDK v3, codes read from mail delivered over SMTP.
 */
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  InitiateAuthCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, errorOf, idp, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
});
afterAll(() => closeAll(server, smtp));

const limited = { name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.', status: 400 };

async function accessToken(username: string, on: TestServer = server): Promise<string> {
  const r = await anonymous(on).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return r.AuthenticationResult!.AccessToken!;
}

const attributesOf = async (username: string): Promise<Record<string, string>> =>
  Object.fromEntries(((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }))).UserAttributes ?? []).map((a) => [a.Name!, a.Value!]));

/** A code that is certainly not `code`. */
const wrong = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('wrong codes are counted per user and purpose, not per code', () => {
  it('re-issuing by flipping the case of the address does not reset the count', async () => {
    await confirmedUser(server, pool, 'guesser', 'guesser@example.com');
    const token = await accessToken('guesser');
    const c = anonymous(server);
    const spellings = ['target@example.com', 'TARGET@example.com', 'Target@example.com'];
    const guesses = [2, 2, 1];
    let code = '';
    for (const [i, email] of spellings.entries()) {
      await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: email }] }));
      code = codeIn((await smtp.waitFor(email)).text);
      for (let g = 0; g < guesses[i]!; g++) {
        expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: wrong(code) })))).toMatchObject({ name: 'CodeMismatchException' });
      }
    }
    // Five wrong guesses over three codes: even the right code is refused now.
    expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code })))).toEqual(limited);
    expect(await attributesOf('guesser')).toMatchObject({ email: 'Target@example.com', email_verified: 'false' });
  });
});

describe('sending codes is limited on every path', () => {
  it('UpdateUserAttributes: the sixth code in an hour is refused, and the change with it', async () => {
    await confirmedUser(server, pool, 'flooder', 'flooder@example.com');
    const token = await accessToken('flooder');
    const c = anonymous(server);
    for (let i = 0; i < 5; i++) {
      const email = i % 2 === 0 ? 'victim.box@example.com' : 'VICTIM.BOX@example.com';
      await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: email }] }));
    }
    expect(await errorOf(c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'VICTIM.BOX@example.com' }] })))).toEqual(limited);
    expect((await attributesOf('flooder')).email).toBe('victim.box@example.com');
    expect(await errorOf(c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' })))).toEqual(limited);
    expect(smtp.messages.filter((m) => m.to.some((t) => t.toLowerCase() === 'victim.box@example.com'))).toHaveLength(5);
  });

  it('SignUp: one mailbox gets at most ten codes an hour, however many names sign up with it', async () => {
    const c = anonymous(server);
    const signUp = (n: number) =>
      c.send(new SignUpCommand({ ClientId: pool.clientId, Username: `spam${n}`, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'inbox@example.com' }] }));
    for (let n = 0; n < 10; n++) await signUp(n);
    expect(await errorOf(signUp(10))).toEqual(limited);
    // The refused sign-up created nobody.
    expect(await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'spam10' })))).toMatchObject({ name: 'UserNotFoundException' });
  });

  it('two processes on one store count together (ForgotPassword and wrong reset codes)', async () => {
    await confirmedUser(server, pool, 'shared', 'shared@example.com');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'shared', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const other = await startServer({ GATEHOUSE_DATA_DIR: server.dataDir, GATEHOUSE_SMTP_URL: smtp.url });
    try {
      const here = anonymous(server);
      const there = anonymous(other);
      for (let i = 0; i < 5; i++) await (i % 2 === 0 ? here : there).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'shared' }));
      expect(await errorOf(there.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'shared' })))).toEqual(limited);
      expect(await errorOf(here.send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'shared' })))).toEqual(limited);
      let code = '';
      for (let i = 0; i < 5; i++) code = codeIn((await smtp.waitFor('shared@example.com')).text);
      const confirm = (on: typeof here, c: string) => on.send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'shared', ConfirmationCode: c, Password: 'N3w-Passw0rd!' }));
      for (let i = 0; i < 5; i++) expect(await errorOf(confirm(i % 2 === 0 ? there : here, wrong(code)))).toMatchObject({ name: 'CodeMismatchException' });
      expect(await errorOf(confirm(here, code))).toEqual(limited);
      // The password was not changed.
      expect((await accessToken('shared', other)).length).toBeGreaterThan(0);
    } finally {
      await other.gatehouse.close();
    }
  });
});
