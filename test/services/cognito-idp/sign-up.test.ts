/**
 * Registration and recovery through SDK v3 (public operations, unsigned) with mail delivered
 * to a real SMTP server: password policy, attributes, uniqueness, SECRET_HASH, codes (wrong,
 * expired, too many tries), PreventUserExistenceErrors, email-as-username and
 * case-insensitive pools; and the outbox when no SMTP server is configured.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, errorOf, idp, PASSWORD, createPool, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;

beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer({ VerificationMessageTemplate: { EmailMessage: 'Hello! Your code: {####}', EmailSubject: 'Confirm your account' } }));
});
afterAll(() => closeAll(server, smtp));

const signUp = (p: Pool, Username: string, Password = PASSWORD, email = `${Username}@example.com`, extra: Record<string, unknown> = {}) =>
  anonymous(server).send(new SignUpCommand({ ClientId: p.clientId, Username, Password, UserAttributes: [{ Name: 'email', Value: email }], ...extra }));

describe('SignUp', () => {
  it('enforces the password policy with AWS messages', async () => {
    const cases: [string, string][] = [
      ['Sh0rt!', 'Password did not conform with policy: Password not long enough'],
      ['NOLOWERCASE1!', 'Password did not conform with policy: Password must have lowercase characters'],
      ['nouppercase1!', 'Password did not conform with policy: Password must have uppercase characters'],
      ['NoNumbersHere!', 'Password did not conform with policy: Password must have numeric characters'],
      ['NoSymbols123', 'Password did not conform with policy: Password must have symbol characters'],
    ];
    for (const [password, message] of cases) {
      const e = await errorOf(signUp(pool, 'policy-user', password));
      expect(e).toEqual({ name: 'InvalidPasswordException', message, status: 400 });
    }
  });

  it('uses the pool template for the verification mail', async () => {
    const out = await signUp(pool, 'templated');
    expect(out.CodeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 't***@e***.com' });
    const mail = await smtp.waitFor('templated@example.com');
    expect(mail.subject).toBe('Confirm your account');
    expect(mail.text).toMatch(/^Hello! Your code: \d{6}$/);
  });

  it('rejects missing required and unknown attributes, and taken usernames', async () => {
    const c = anonymous(server);
    let e = await errorOf(c.send(new SignUpCommand({ ClientId: pool.clientId, Username: 'noemail', Password: PASSWORD })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Attributes did not conform to the schema: email: The attribute email is required' });
    e = await errorOf(signUp(pool, 'weird', PASSWORD, 'weird@example.com', { UserAttributes: [{ Name: 'email', Value: 'weird@example.com' }, { Name: 'favourite_colour', Value: 'blue' }] }));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Attributes did not conform to the schema: favourite_colour: Attribute does not exist in the schema.\n' });
    // Administrators get AWS's other wording for the same mistake.
    e = await errorOf(idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'weird', UserAttributes: [{ Name: 'favourite_colour', Value: 'blue' }] })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Attributes did not conform to the schema: Type for attribute {favourite_colour} could not be determined' });
    e = await errorOf(signUp(pool, 'bademail', PASSWORD, 'not-an-email'));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid email address format.' });
    e = await errorOf(signUp(pool, 'verified', PASSWORD, 'v@example.com', { UserAttributes: [{ Name: 'email', Value: 'v@example.com' }, { Name: 'email_verified', Value: 'true' }] }));
    expect(e.name).toBe('InvalidParameterException');
    await signUp(pool, 'taken');
    e = await errorOf(signUp(pool, 'taken'));
    expect(e).toEqual({ name: 'UsernameExistsException', message: 'User already exists', status: 400 });
    e = await errorOf(c.send(new SignUpCommand({ ClientId: 'nosuchclient0000000000000a', Username: 'x', Password: PASSWORD })));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', message: 'User pool client nosuchclient0000000000000a does not exist.' });
  });

  it('requires a correct SecretHash when the client has a secret', async () => {
    const app = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'secret', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
    const p: Pool = { poolId: pool.poolId, clientId: app.ClientId!, clientSecret: app.ClientSecret! };
    const hash = (u: string) => createHmac('sha256', p.clientSecret!).update(u + p.clientId).digest('base64');
    let e = await errorOf(signUp(p, 'hashless'));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `Client ${p.clientId} is configured for secret but secret was not received` });
    e = await errorOf(signUp(p, 'wronghash', PASSWORD, 'wronghash@example.com', { SecretHash: hash('someone-else') }));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `Unable to verify secret hash for client ${p.clientId}` });
    await signUp(p, 'hashed', PASSWORD, 'hashed@example.com', { SecretHash: hash('hashed') });
    const code = codeIn((await smtp.waitFor('hashed@example.com')).text);
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: 'hashed', ConfirmationCode: code, SecretHash: hash('hashed') }));
    e = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'hashed', PASSWORD } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `Client ${p.clientId} is configured with secret but SECRET_HASH was not received` });
    const ok = await anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'hashed', PASSWORD, SECRET_HASH: hash('hashed') } }));
    expect(ok.AuthenticationResult?.IdToken).toBeDefined();
    const refreshed = await anonymous(server).send(
      new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: ok.AuthenticationResult!.RefreshToken!, SECRET_HASH: hash('hashed') } }),
    );
    expect(refreshed.AuthenticationResult?.AccessToken).toBeDefined();
  });
});

describe('ConfirmSignUp and ResendConfirmationCode', () => {
  it('refuses wrong codes, then too many tries, and confirmed users', async () => {
    await signUp(pool, 'guesser');
    const code = codeIn((await smtp.waitFor('guesser@example.com')).text);
    const wrong = code === '000000' ? '111111' : '000000';
    const confirm = (c: string) => anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'guesser', ConfirmationCode: c }));
    for (let i = 0; i < 5; i++) {
      expect(await errorOf(confirm(wrong))).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.', status: 400 });
    }
    expect(await errorOf(confirm(code))).toMatchObject({ name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.' });

    // A new code does not reset the count of wrong ones: it works once the hour has passed.
    const resent = await anonymous(server).send(new ResendConfirmationCodeCommand({ ClientId: pool.clientId, Username: 'guesser' }));
    expect(resent.CodeDeliveryDetails).toMatchObject({ DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const fresh = codeIn((await smtp.waitFor('guesser@example.com')).text);
    expect(await errorOf(confirm(fresh))).toMatchObject({ name: 'LimitExceededException' });
    server.gatehouse.clock.advance(3600_000 + 1000);
    try {
      if (fresh !== code) expect((await errorOf(confirm(code))).name).toBe('CodeMismatchException');
      await confirm(fresh);
    } finally {
      server.gatehouse.clock.reset();
    }
    expect(await errorOf(confirm(fresh))).toMatchObject({ name: 'NotAuthorizedException', message: 'User cannot be confirmed. Current status is CONFIRMED' });
    const again = await errorOf(anonymous(server).send(new ResendConfirmationCodeCommand({ ClientId: pool.clientId, Username: 'guesser' })));
    expect(again).toMatchObject({ name: 'InvalidParameterException', message: 'User is already confirmed.' });
  });

  it('expires sign-up codes after 24 hours', async () => {
    await signUp(pool, 'slowpoke');
    const code = codeIn((await smtp.waitFor('slowpoke@example.com')).text);
    server.gatehouse.clock.advance(24 * 3600_000 + 1000);
    try {
      const e = await errorOf(anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'slowpoke', ConfirmationCode: code })));
      expect(e).toEqual({ name: 'ExpiredCodeException', message: 'Invalid code provided, please request a code again.', status: 400 });
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('says UserNotFoundException for unknown users, or hides them when the client asks', async () => {
    const c = anonymous(server);
    let e = await errorOf(c.send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'ghost', ConfirmationCode: '123456' })));
    expect(e).toMatchObject({ name: 'UserNotFoundException', message: 'Username/client id combination not found.' });
    e = await errorOf(c.send(new ResendConfirmationCodeCommand({ ClientId: pool.clientId, Username: 'ghost' })));
    expect(e.name).toBe('UserNotFoundException');

    const hidden = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'hiding', PreventUserExistenceErrors: 'ENABLED' }))).UserPoolClient!.ClientId!;
    e = await errorOf(c.send(new ConfirmSignUpCommand({ ClientId: hidden, Username: 'ghost', ConfirmationCode: '123456' })));
    expect(e.name).toBe('CodeMismatchException');
    const resent = await c.send(new ResendConfirmationCodeCommand({ ClientId: hidden, Username: 'ghost@example.com' }));
    expect(resent.CodeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'g***@e***.com' });
    const forgot = await c.send(new ForgotPasswordCommand({ ClientId: hidden, Username: 'ghost' }));
    expect(forgot.CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
  });
});

describe('ForgotPassword and ConfirmForgotPassword', () => {
  it('resets a password with the mailed code', async () => {
    await confirmedUser(server, pool, 'forgetful');
    // AdminConfirmSignUp does not verify the email; recovery needs a verified one.
    let e = await errorOf(anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'forgetful' })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Cannot reset password for the user as there is no registered/verified email or phone_number' });

    await signUp(pool, 'recoverer');
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'recoverer', ConfirmationCode: codeIn((await smtp.waitFor('recoverer@example.com')).text) }));
    const out = await anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'recoverer' }));
    expect(out.CodeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'r***@e***.com' });
    const code = codeIn((await smtp.waitFor('recoverer@example.com')).text);
    const confirm = (c: string, p = 'N3w-Password!') => anonymous(server).send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'recoverer', ConfirmationCode: c, Password: p }));
    e = await errorOf(confirm(code === '999999' ? '999998' : '999999'));
    expect(e.name).toBe('CodeMismatchException');
    e = await errorOf(confirm(code, 'weak'));
    expect(e).toMatchObject({ name: 'InvalidPasswordException', message: 'Password did not conform with policy: Password not long enough' });
    await confirm(code);
    const login = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'recoverer', PASSWORD: 'N3w-Password!' } }));
    expect(login.AuthenticationResult?.AccessToken).toBeDefined();
    e = await errorOf(confirm(code, 'Another-Passw0rd!'));
    expect(e.name).toBe('ExpiredCodeException');

    e = await errorOf(anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'nobody-here' })));
    expect(e).toMatchObject({ name: 'UserNotFoundException', message: 'Username/client id combination not found.' });
  });

  it('refuses to reset the password of an invited user who has not chosen one yet', async () => {
    await idp(server).send(
      new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'invited', TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'invited@example.com' }, { Name: 'email_verified', Value: 'true' }] }),
    );
    const e = await errorOf(anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'invited' })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'User password cannot be reset in the current state.' });
    expect((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'invited' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
  });

  it('expires reset codes after an hour', async () => {
    await signUp(pool, 'latecomer');
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'latecomer', ConfirmationCode: codeIn((await smtp.waitFor('latecomer@example.com')).text) }));
    await anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'latecomer' }));
    const code = codeIn((await smtp.waitFor('latecomer@example.com')).text);
    server.gatehouse.clock.advance(3600_000 + 1000);
    try {
      const e = await errorOf(anonymous(server).send(new ConfirmForgotPasswordCommand({ ClientId: pool.clientId, Username: 'latecomer', ConfirmationCode: code, Password: 'N3w-Password!' })));
      expect(e.name).toBe('ExpiredCodeException');
    } finally {
      server.gatehouse.clock.reset();
    }
  });
  it('limits how often anyone may have a code mailed to a user', async () => {
    await signUp(pool, 'popular');
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: 'popular', ConfirmationCode: codeIn((await smtp.waitFor('popular@example.com')).text) }));
    const forgot = () => anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'popular' }));
    for (let i = 0; i < 5; i++) await forgot();
    expect(await errorOf(forgot())).toMatchObject({ name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.' });
    await signUp(pool, 'unconfirmed-popular');
    const resend = () => anonymous(server).send(new ResendConfirmationCodeCommand({ ClientId: pool.clientId, Username: 'unconfirmed-popular' }));
    // The code SignUp sent counts: four more.
    for (let i = 0; i < 4; i++) await resend();
    expect(await errorOf(resend())).toMatchObject({ name: 'LimitExceededException' });
    server.gatehouse.clock.advance(3600_000 + 1000);
    try {
      expect((await forgot()).CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
      expect((await resend()).CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
    } finally {
      server.gatehouse.clock.reset();
    }
  });
});

describe('pools that sign in with email, and case-insensitive usernames', () => {
  it('makes the email the sign-in name and a UUID the username', async () => {
    const p = await createPool(server, { UsernameAttributes: ['email'], Schema: undefined });
    const out = await anonymous(server).send(new SignUpCommand({ ClientId: p.clientId, Username: 'Mail.User@Example.com', Password: PASSWORD }));
    await anonymous(server).send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: 'mail.user@example.com', ConfirmationCode: codeIn((await smtp.waitFor('Mail.User@example.com')).text) }));
    const user = await idp(server).send(new AdminGetUserCommand({ UserPoolId: p.poolId, Username: 'mail.user@example.com' }));
    expect(user.Username).toBe(out.UserSub);
    expect(user.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'Mail.User@Example.com' }, { Name: 'email_verified', Value: 'true' }]));
    const login = await anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'MAIL.USER@example.com', PASSWORD } }));
    expect(login.AuthenticationResult?.IdToken).toBeDefined();

    let e = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: p.clientId, Username: 'mail.user@example.com', Password: PASSWORD })));
    expect(e).toMatchObject({ name: 'UsernameExistsException', message: 'An account with the given email already exists.' });
    e = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: p.clientId, Username: 'plainname', Password: PASSWORD })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Username should be an email.' });
  });

  it('matches usernames case-insensitively when the pool says so', async () => {
    const p = await createPool(server, { UsernameConfiguration: { CaseSensitive: false } });
    await confirmedUser(server, p, 'MixedCase');
    const login = await anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'mixedcase', PASSWORD } }));
    expect(login.AuthenticationResult?.IdToken).toBeDefined();
    const e = await errorOf(signUp(p, 'MIXEDCASE'));
    expect(e.name).toBe('UsernameExistsException');

    // The default (no UsernameConfiguration) is case-sensitive, as AWS's API.
    await confirmedUser(server, pool, 'Sensitive');
    const miss = await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'sensitive', PASSWORD } })));
    expect(miss.name).toBe('UserNotFoundException');
  });
});

describe('the outbox, without SMTP', () => {
  it('keeps the verification mail in the outbox and logs the delivery without the code', async () => {
    const plain = await startServer();
    try {
      const p = await createPool(plain);
      await anonymous(plain).send(new SignUpCommand({ ClientId: p.clientId, Username: 'outboxed', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'outboxed@example.com' }] }));
      const res = await fetch(`${plain.url}/_gatehouse/outbox?to=outboxed@example.com`);
      const { messages } = (await res.json()) as { messages: { subject: string; text: string; purpose: string }[] };
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ subject: 'Your verification code', purpose: 'SignUp' });
      const code = codeIn(messages[0]!.text);
      expect(plain.logs().some((l) => l.event === 'mail.outbox' && l.to === 'outboxed@example.com')).toBe(true);
      // No string in any line carries the code (numbers such as timestamps are not text).
      expect(plain.logs().filter((l) => Object.values(l).some((v) => typeof v === 'string' && v.includes(code)))).toEqual([]);
      await anonymous(plain).send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: 'outboxed', ConfirmationCode: code }));
    } finally {
      await plain.close();
    }
  });
});
