/**
 * One-time codes as a second factor: SMS_MFA through the SMS webhook (retried, logged without
 * the text) with amazon-cognito-identity-js' mfaRequired, EMAIL_OTP over SMTP with SDK v3,
 * SELECT_MFA_TYPE (identity-js' selectMFAType, and SDK v3), and a pool that requires MFA
 * texting a user who chose nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminSetUserMFAPreferenceCommand,
  AdminUpdateUserAttributesCommand,
  AssociateSoftwareTokenCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

/** The SMS webhook: records what it is sent; can be told to fail the next few calls. */
class Webhook {
  readonly received: { to: string; message: string }[] = [];
  failNext = 0;
  calls = 0;
  readonly #server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      this.calls++;
      if (this.failNext > 0) {
        this.failNext--;
        res.writeHead(503).end();
        return;
      }
      this.received.push(JSON.parse(body) as { to: string; message: string });
      res.writeHead(204).end();
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/sms`;
  }
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
  lastTo(to: string): string {
    const m = [...this.received].reverse().find((r) => r.to === to);
    if (m === undefined) throw new Error(`no text message to ${to}`);
    return m.message;
  }
}

let server: TestServer;
let smtp: TestSmtp;
const webhook = new Webhook();
let pool: Pool;

beforeAll(async () => {
  const url = await webhook.start();
  ({ server, smtp } = await startServerWithSmtp({ GATEHOUSE_SMS_WEBHOOK_URL: url }));
  pool = await createPool(server);
  await idp(server).send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: pool.poolId,
      MfaConfiguration: 'OPTIONAL',
      SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your sign-in code is {####}' },
      EmailMfaConfiguration: { Message: 'Sign in with {####}', Subject: 'Your sign-in code' },
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );
});
afterAll(() => closeAll(server, smtp, webhook));

async function userWith(username: string, phone: string, prefs: Omit<ConstructorParameters<typeof AdminSetUserMFAPreferenceCommand>[0], 'UserPoolId' | 'Username'>, p: Pool = pool): Promise<void> {
  await confirmedUser(server, p, username);
  await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: p.poolId, Username: username, UserAttributes: [{ Name: 'phone_number', Value: phone }, { Name: 'phone_number_verified', Value: 'true' }] }));
  if (Object.keys(prefs).length > 0) await idp(server).send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: p.poolId, Username: username, ...prefs }));
}

const passwordAuth = (USERNAME: string, p: Pool = pool) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));

function cognitoUser(username: string): CognitoUser {
  return new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url }) });
}

describe('SMS_MFA', () => {
  it('texts the code through the webhook, retried after a 503, and amazon-cognito-identity-js signs in with it', async () => {
    await userWith('sam', '+15555550111', { SMSMfaSettings: { Enabled: true, PreferredMfa: true } });
    webhook.failNext = 1;
    const before = webhook.calls;
    const user = cognitoUser('sam');
    const session = await new Promise<CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: 'sam', Password: PASSWORD }), {
        onSuccess: () => reject(new Error('signed in without MFA')),
        onFailure: reject,
        mfaRequired: (name: string, params: Record<string, string>) => {
          expect(name).toBe('SMS_MFA');
          expect(params).toMatchObject({ CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS', CODE_DELIVERY_DESTINATION: '+*******0111' });
          user.sendMFACode(codeIn(webhook.lastTo('+15555550111')), { onSuccess: resolve, onFailure: reject });
        },
      }),
    );
    expect(session.isValid()).toBe(true);
    expect(webhook.calls - before).toBe(2);
    const text = webhook.lastTo('+15555550111');
    expect(text).toMatch(/^Your sign-in code is \d{6}$/);
    // The log says a message went out and that a try failed, never what it said.
    const lines = server.logs().filter((l) => String(l.event).startsWith('sms.'));
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['sms.retry', 'sms.sent']));
    expect(JSON.stringify(server.logs())).not.toContain(codeIn(text));
  });

  it('refuses a wrong code with Cognito’s message, then takes the right one once', async () => {
    await userWith('sia', '+15555550112', { SMSMfaSettings: { Enabled: true } });
    const started = await passwordAuth('sia');
    expect(started.ChallengeName).toBe('SMS_MFA');
    const code = codeIn(webhook.lastTo('+15555550112'));
    const answer = (SMS_MFA_CODE: string) =>
      anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'SMS_MFA', Session: started.Session, ChallengeResponses: { USERNAME: 'sia', SMS_MFA_CODE } }));
    expect(await errorOf(answer(code === '000000' ? '111111' : '000000'))).toEqual({ name: 'CodeMismatchException', message: 'Invalid code or auth state for the user.', status: 400 });
    expect((await answer(code)).AuthenticationResult?.AccessToken).toBeDefined();
    expect(await errorOf(answer(code))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
  });
});

describe('EMAIL_OTP', () => {
  it('mails the code with the pool’s template; a wrong code, then the right one (SDK v3)', async () => {
    await confirmedUser(server, pool, 'eve');
    expect((await smtp.waitFor('eve@example.com')).subject).toBe('Your verification code'); // the sign-up code
    await idp(server).send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: 'eve', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
    const started = await passwordAuth('eve');
    expect(started).toMatchObject({ ChallengeName: 'EMAIL_OTP', ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'e***@e***.com' } });
    const mail = await smtp.waitFor('eve@example.com');
    expect(mail.subject).toBe('Your sign-in code');
    const answer = (EMAIL_OTP_CODE: string) =>
      anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'EMAIL_OTP', Session: started.Session, ChallengeResponses: { USERNAME: 'eve', EMAIL_OTP_CODE } }));
    const code = codeIn(mail.text);
    expect(await errorOf(answer(code === '000000' ? '111111' : '000000'))).toMatchObject({ name: 'CodeMismatchException', message: 'Invalid code or auth state for the user.' });
    expect((await answer(code)).AuthenticationResult?.IdToken).toBeDefined();
  });
});

describe('SELECT_MFA_TYPE', () => {
  /** A user with SMS and TOTP on and no preference; returns the TOTP secret. */
  async function twoFactors(username: string, phone: string): Promise<string> {
    await userWith(username, phone, { SMSMfaSettings: { Enabled: true } });
    // Set up TOTP with an access token from a first, SMS-answered sign-in.
    const started = await passwordAuth(username);
    const signedIn = await anonymous(server).send(
      new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'SMS_MFA', Session: started.Session, ChallengeResponses: { USERNAME: username, SMS_MFA_CODE: codeIn(webhook.lastTo(phone)) } }),
    );
    const token = signedIn.AuthenticationResult!.AccessToken!;
    const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    const totp = new TOTP({ secret: Secret.fromBase32(SecretCode!) });
    await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: totp.generate({ timestamp: server.gatehouse.clock.now() }) }));
    return SecretCode!;
  }

  it('lets amazon-cognito-identity-js choose TOTP (selectMFAType → sendMFASelectionAnswer → totpRequired)', async () => {
    const secret = await twoFactors('cat', '+15555550113');
    server.gatehouse.clock.freeze();
    try {
      const user = cognitoUser('cat');
      const session = await new Promise<CognitoUserSession>((resolve, reject) => {
        const callbacks = {
          onSuccess: resolve,
          onFailure: reject,
          selectMFAType: (name: string, params: Record<string, string>) => {
            expect(name).toBe('SELECT_MFA_TYPE');
            expect(JSON.parse(params.MFAS_CAN_CHOOSE!)).toEqual(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
            user.sendMFASelectionAnswer('SOFTWARE_TOKEN_MFA', callbacks);
          },
          totpRequired: () => {
            const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() + 30_000 });
            user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
          },
          mfaRequired: () => reject(new Error('asked for SMS')),
        };
        user.authenticateUser(new AuthenticationDetails({ Username: 'cat', Password: PASSWORD }), callbacks);
      });
      expect(session.isValid()).toBe(true);
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('answers ANSWER=SMS_MFA with the SMS challenge and refuses a factor the user does not have (SDK v3)', async () => {
    await twoFactors('dan', '+15555550114');
    const started = await passwordAuth('dan');
    expect(started.ChallengeName).toBe('SELECT_MFA_TYPE');
    const select = (ANSWER: string) =>
      anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'SELECT_MFA_TYPE', Session: started.Session, ChallengeResponses: { USERNAME: 'dan', ANSWER } }));
    expect(await errorOf(select('EMAIL_OTP'))).toMatchObject({ name: 'InvalidParameterException' });
    const sms = await select('SMS_MFA');
    expect(sms).toMatchObject({ ChallengeName: 'SMS_MFA', ChallengeParameters: { CODE_DELIVERY_DESTINATION: '+*******0114' } });
    const done = await anonymous(server).send(
      new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'SMS_MFA', Session: sms.Session, ChallengeResponses: { USERNAME: 'dan', SMS_MFA_CODE: codeIn(webhook.lastTo('+15555550114')) } }),
    );
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
  });
});

describe('a pool that requires MFA', () => {
  it('texts a user who chose no factor but has a phone number; a session from another client is refused', async () => {
    const required = await createPool(server, { MfaConfiguration: 'ON', SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::000000000000:role/sms' } });
    const other = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: required.poolId, ClientName: 'other', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
    await userWith('ron', '+15555550115', {}, required);
    const started = await passwordAuth('ron', required);
    expect(started.ChallengeName).toBe('SMS_MFA');
    const code = codeIn(webhook.lastTo('+15555550115'));
    const answer = (ClientId: string) =>
      anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId, ChallengeName: 'SMS_MFA', Session: started.Session, ChallengeResponses: { USERNAME: 'ron', SMS_MFA_CODE: code } }));
    expect(await errorOf(answer(other))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
    expect((await answer(required.clientId)).AuthenticationResult?.AccessToken).toBeDefined();
  });
});
