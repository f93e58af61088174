/**
 * CustomMessage for every trigger source, through the clients apps use: amazon-cognito-identity-js
 * (resend, forgot password, attribute update and verification, SMS_MFA) and SDK v3 (admin create,
 * admin reset and update, EMAIL_OTP as MFA and as USER_AUTH's first factor). The handler words
 * each message from the event, so the mail received over SMTP (or the text through the SMS
 * webhook) shows the event as AWS documents it: triggerSource, callerContext.clientId,
 * codeParameter, linkParameter, usernameParameter (admin-created users only), clientMetadata.
 * A trigger that fails refuses an attribute change, which is then not saved.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminUpdateUserAttributesCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  UpdateUserAttributesCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AddPermissionCommand, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `
exports.handler = async (event) => {
  if (!event.triggerSource.startsWith('CustomMessage_')) return event;
  const r = event.request;
  if ((r.userAttributes.email || '').endsWith('@refused.example')) throw new Error('No such domain');
  const info = [event.triggerSource, 'client=' + event.callerContext.clientId, 'user=' + event.userName, 'username=' + r.usernameParameter,
    'link=' + r.linkParameter, 'meta=' + JSON.stringify(r.clientMetadata || null), 'email=' + r.userAttributes.email].join(' ');
  event.response.emailSubject = 'About ' + event.triggerSource;
  event.response.emailMessage = info + ' code=' + r.codeParameter;
  event.response.smsMessage = 'SMS ' + info + ' code=' + r.codeParameter;
  return event;
};`;

/** The SMS webhook: the texts it is sent. */
class Webhook {
  readonly received: { to: string; message: string }[] = [];
  readonly #server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      this.received.push(JSON.parse(body) as { to: string; message: string });
      res.writeHead(204).end();
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/sms`;
  }
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
  lastTo(to: string): string {
    const m = [...this.received].reverse().find((x) => x.to === to);
    if (m === undefined) throw new Error(`no text message to ${to}`);
    return m.message;
  }
}

let server: TestServer;
let smtp: TestSmtp;
const webhook = new Webhook();
let pool: Pool;
let userAuthClient: string;

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp({ GATEHOUSE_SMS_WEBHOOK_URL: await webhook.start() }));
  const policies = { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD' as const, 'EMAIL_OTP' as const] } };
  pool = await createPool(server, { Policies: policies });
  userAuthClient = (await idp(server).send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'choice', ExplicitAuthFlows: ['ALLOW_USER_AUTH'] }))).UserPoolClient!.ClientId!;
  const role = await createExecutionRole(server);
  const lambda = lambdaClient(server);
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: 'words', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  const poolArn = `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${pool.poolId}`;
  await lambda.send(new AddPermissionCommand({ FunctionName: 'words', StatementId: 'cognito', Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', SourceArn: poolArn }));
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], Policies: policies, LambdaConfig: { CustomMessage: fn.FunctionArn! } }));
  await idp(server).send(
    new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your sign-in code is {####}' }, EmailMfaConfiguration: { Message: 'Sign in with {####}', Subject: 'Your sign-in code' } }),
  );
});
afterAll(() => closeAll(server, smtp, webhook));

const userPool = (): CognitoUserPool => new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url });
const cognitoUser = (username: string): CognitoUser => new CognitoUser({ Username: username, Pool: userPool() });
const cb = <T>(run: (done: (err: unknown, result?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, result) => (err ? reject(err as Error) : resolve(result as T))));

/** A confirmed user with a verified email (its sign-up mail taken). */
async function verifiedUser(name: string): Promise<void> {
  await confirmedUser(server, pool, name);
  await smtp.waitFor(`${name}@example.com`);
  await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: name, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
}

async function signedIn(name: string): Promise<CognitoUser> {
  const user = cognitoUser(name);
  await new Promise<CognitoUserSession>((resolve, reject) => user.authenticateUser(new AuthenticationDetails({ Username: name, Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }));
  return user;
}

describe('codes sent on request', () => {
  it('CustomMessage_AdminCreateUser: the invitation carries {username} and the temporary password', async () => {
    await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'carol', TemporaryPassword: 'Temp-Passw0rd!', DesiredDeliveryMediums: ['EMAIL'], UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }], ClientMetadata: { app: 'admin' } }));
    const mail = await smtp.waitFor('carol@example.com');
    expect(mail.subject).toBe('About CustomMessage_AdminCreateUser');
    expect(mail.text).toBe('CustomMessage_AdminCreateUser client=CLIENT_ID_NOT_APPLICABLE user=carol username=carol link={##Click Here##} meta={"app":"admin"} email=carol@example.com code=Temp-Passw0rd!');
  });

  it('CustomMessage_ResendCode through identity-js resendConfirmationCode', async () => {
    await cb((done) => userPool().signUp('rita', PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: 'rita@example.com' })], [], done));
    expect((await smtp.waitFor('rita@example.com')).subject).toBe('About CustomMessage_SignUp');
    await cb((done) => cognitoUser('rita').resendConfirmationCode(done, { origin: 'resend' }));
    const mail = await smtp.waitFor('rita@example.com');
    expect(mail.subject).toBe('About CustomMessage_ResendCode');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_ResendCode client=${pool.clientId} user=rita username=null link=\\{##Click Here##\\} meta=\\{"origin":"resend"\\} email=rita@example.com code=\\d{6}$`));
    await cb((done) => cognitoUser('rita').confirmRegistration(codeIn(mail.text), false, done));
  });

  it('CustomMessage_ForgotPassword for identity-js forgotPassword and for AdminResetUserPassword', async () => {
    await verifiedUser('fred');
    const user = cognitoUser('fred');
    await new Promise<void>((resolve, reject) => user.forgotPassword({ onSuccess: () => undefined, onFailure: reject, inputVerificationCode: () => resolve() }, { origin: 'forgot' }));
    const mail = await smtp.waitFor('fred@example.com');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_ForgotPassword client=${pool.clientId} user=fred username=null .* meta=\\{"origin":"forgot"\\} email=fred@example.com code=\\d{6}$`));
    await new Promise<void>((resolve, reject) => user.confirmPassword(codeIn(mail.text), 'N3w-Passw0rd!', { onSuccess: () => resolve(), onFailure: reject }));

    await idp(server).send(new AdminResetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'fred' }));
    const reset = await smtp.waitFor('fred@example.com');
    expect(reset.subject).toBe('About CustomMessage_ForgotPassword');
    expect(reset.text).toMatch(/^CustomMessage_ForgotPassword client=CLIENT_ID_NOT_APPLICABLE user=fred username=null .* meta=null email=fred@example.com code=\d{6}$/);
  });
});

describe('attribute codes', () => {
  it('CustomMessage_UpdateUserAttribute mails the new address, which the code then verifies (identity-js)', async () => {
    await verifiedUser('uma');
    const user = await signedIn('uma');
    await cb((done) => user.updateAttributes([new CognitoUserAttribute({ Name: 'email', Value: 'uma@new.example' })], done, { origin: 'profile' }));
    const mail = await smtp.waitFor('uma@new.example');
    expect(mail.subject).toBe('About CustomMessage_UpdateUserAttribute');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_UpdateUserAttribute client=${pool.clientId} user=uma username=null .* meta=\\{"origin":"profile"\\} email=uma@new.example code=\\d{6}$`));
    await new Promise<void>((resolve, reject) => user.verifyAttribute('email', codeIn(mail.text), { onSuccess: () => resolve(), onFailure: reject }));
  });

  it('CustomMessage_VerifyUserAttribute for identity-js getAttributeVerificationCode', async () => {
    await confirmedUser(server, pool, 'vic');
    await smtp.waitFor('vic@example.com');
    const user = await signedIn('vic');
    await new Promise<void>((resolve, reject) => user.getAttributeVerificationCode('email', { onSuccess: () => resolve(), onFailure: reject, inputVerificationCode: () => resolve() }, { origin: 'verify' }));
    const mail = await smtp.waitFor('vic@example.com');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_VerifyUserAttribute client=${pool.clientId} user=vic username=null .* meta=\\{"origin":"verify"\\} email=vic@example.com code=\\d{6}$`));
    await new Promise<void>((resolve, reject) => user.verifyAttribute('email', codeIn(mail.text), { onSuccess: () => resolve(), onFailure: reject }));
  });

  it('AdminUpdateUserAttributes words its code too; a trigger that fails refuses the change, and nothing is saved', async () => {
    await verifiedUser('alba');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'alba', UserAttributes: [{ Name: 'email', Value: 'alba@new.example' }] }));
    expect((await smtp.waitFor('alba@new.example')).text).toMatch(/^CustomMessage_UpdateUserAttribute client=CLIENT_ID_NOT_APPLICABLE user=alba .* email=alba@new.example code=\d{6}$/);

    const session = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alba', PASSWORD } }));
    const refused = await errorOf(anonymous(server).send(new UpdateUserAttributesCommand({ AccessToken: session.AuthenticationResult!.AccessToken!, UserAttributes: [{ Name: 'email', Value: 'alba@refused.example' }] })));
    expect(refused).toEqual({ name: 'UserLambdaValidationException', message: 'CustomMessage failed with error No such domain.', status: 400 });
    const after = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'alba' }));
    expect(after.UserAttributes?.find((a) => a.Name === 'email')?.Value).toBe('alba@new.example');
  });
});

describe('CustomMessage_Authentication', () => {
  it('words the EMAIL_OTP second factor (SDK v3), and the code signs in', async () => {
    await verifiedUser('eve');
    await idp(server).send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: 'eve', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
    const started = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'eve', PASSWORD } }));
    expect(started.ChallengeName).toBe('EMAIL_OTP');
    const mail = await smtp.waitFor('eve@example.com');
    expect(mail.subject).toBe('About CustomMessage_Authentication');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_Authentication client=${pool.clientId} user=eve username=null .* email=eve@example.com code=\\d{6}$`));
    const done = await anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'EMAIL_OTP', Session: started.Session, ChallengeResponses: { USERNAME: 'eve', EMAIL_OTP_CODE: codeIn(mail.text) } }));
    expect(done.AuthenticationResult?.IdToken).toBeDefined();
  });

  it('words the SMS_MFA text, which identity-js answers with sendMFACode', async () => {
    await verifiedUser('sam');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'sam', UserAttributes: [{ Name: 'phone_number', Value: '+15555550177' }, { Name: 'phone_number_verified', Value: 'true' }] }));
    await idp(server).send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: 'sam', SMSMfaSettings: { Enabled: true, PreferredMfa: true } }));
    const user = cognitoUser('sam');
    const session = await new Promise<CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: 'sam', Password: PASSWORD }), {
        onSuccess: () => reject(new Error('signed in without MFA')),
        onFailure: reject,
        mfaRequired: () => user.sendMFACode(codeIn(webhook.lastTo('+15555550177')), { onSuccess: resolve, onFailure: reject }),
      }),
    );
    expect(session.isValid()).toBe(true);
    expect(webhook.lastTo('+15555550177')).toMatch(new RegExp(`^SMS CustomMessage_Authentication client=${pool.clientId} user=sam .* code=\\d{6}$`));
  });

  it('words USER_AUTH’s EMAIL_OTP first factor (SDK v3)', async () => {
    await verifiedUser('otto');
    const started = await anonymous(server).send(new InitiateAuthCommand({ ClientId: userAuthClient, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'otto', PREFERRED_CHALLENGE: 'EMAIL_OTP' } }));
    expect(started.ChallengeName).toBe('EMAIL_OTP');
    const mail = await smtp.waitFor('otto@example.com');
    expect(mail.text).toMatch(new RegExp(`^CustomMessage_Authentication client=${userAuthClient} user=otto .* code=\\d{6}$`));
    const done = await anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: userAuthClient, ChallengeName: 'EMAIL_OTP', Session: started.Session, ChallengeResponses: { USERNAME: 'otto', EMAIL_OTP_CODE: codeIn(mail.text) } }));
    expect(done.AuthenticationResult?.AccessToken).toBeDefined();
  });
});
