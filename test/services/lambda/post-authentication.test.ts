/**
 * PostAuthentication_Authentication runs after the last step of a sign-in, whichever it is:
 * the password when nothing follows it, the TOTP answer (identity-js sendMFACode), and device
 * SRP (DEVICE_PASSWORD_VERIFIER) for a remembered device, a CUSTOM_AUTH flow's last answer —
 * never before those steps are proved. A trigger that throws refuses the tokens with UserLambdaValidationException.
 */
import { AdminUpdateUserAttributesCommand, AssociateSoftwareTokenCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, UpdateUserPoolClientCommand, SetUserPoolMfaConfigCommand, UpdateUserPoolCommand, VerifySoftwareTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `exports.handler = async (event) => {
  switch (event.triggerSource) {
    case 'DefineAuthChallenge_Authentication': {
      const last = event.request.session[event.request.session.length - 1];
      if (last && last.challengeResult) event.response.issueTokens = true;
      else event.response.challengeName = 'CUSTOM_CHALLENGE';
      return event;
    }
    case 'CreateAuthChallenge_Authentication':
      event.response.publicChallengeParameters = { question: 'six times seven' };
      event.response.privateChallengeParameters = { answer: '42' };
      return event;
    case 'VerifyAuthChallengeResponse_Authentication':
      event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
      return event;
  }
  if (event.triggerSource !== 'PostAuthentication_Authentication') throw new Error('unexpected ' + event.triggerSource);
  console.log('post-auth ' + event.userName + ' newDevice=' + event.request.newDeviceUsed + ' client=' + event.callerContext.clientId);
  if (event.request.userAttributes.nickname === 'blocked') throw new Error('Not today');
  return event;
};`;

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } });
  await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'post-auth', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }));
  await allowCognito(server, 'post-auth', pool.poolId);
  // The pool's other settings as created: UpdateUserPool resets what it is not given.
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true }, MfaConfiguration: 'OPTIONAL', LambdaConfig: { PostAuthentication: fn.FunctionArn!, DefineAuthChallenge: fn.FunctionArn!, CreateAuthChallenge: fn.FunctionArn!, VerifyAuthChallengeResponse: fn.FunctionArn! } }));
  await idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
});
afterAll(async () => {
  await server?.close();
});
// identity-js stamps its SRP answers with the real time: every test starts from it again.
beforeEach(() => server.gatehouse.clock.reset());

function freshCode(secret: string): string {
  server.gatehouse.clock.advance(30_000);
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: server.gatehouse.clock.now() });
}

/** The function's PostAuthentication lines for this user, in order. */
const postAuths = (username: string): string[] =>
  server.logs().filter((l) => l.event === 'lambda.invoke').flatMap((l) => String(l.output).split('\n')).map((line) => /post-auth (\S+) (.*)$/.exec(line)).filter((m) => m?.[1] === username).map((m) => m![2]!);

async function totpUser(username: string): Promise<string> {
  await confirmedUser(server, pool, username);
  const token = (await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }))).AuthenticationResult!.AccessToken!;
  const { SecretCode } = await anonymous(server).send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
  await anonymous(server).send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: freshCode(SecretCode!) }));
  return SecretCode!;
}

const cognitoPool = (): CognitoUserPool => new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url });

/** identity-js authenticateUser; records how many PostAuthentication lines there were when TOTP was asked. */
function authenticate(user: CognitoUser, secret: string): Promise<{ session: CognitoUserSession; mfa: boolean; beforeMfa: number }> {
  return new Promise((resolve, reject) => {
    let mfa = false;
    let beforeMfa = -1;
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: PASSWORD }), {
      onSuccess: (session) => resolve({ session, mfa, beforeMfa }),
      onFailure: reject,
      totpRequired: () => {
        mfa = true;
        beforeMfa = postAuths(user.getUsername()).length;
        user.sendMFACode(freshCode(secret), { onSuccess: (session) => resolve({ session, mfa, beforeMfa }), onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
      },
    });
  });
}

describe('PostAuthentication after MFA and device steps (amazon-cognito-identity-js)', () => {
  it('runs after the TOTP answer, with newDeviceUsed for the new device, and after device SRP', async () => {
    const secret = await totpUser('tess');
    const setUp = postAuths('tess').length;
    expect(setUp).toBe(1);

    const first = new CognitoUser({ Username: 'tess', Pool: cognitoPool() });
    const signedIn = await authenticate(first, secret);
    expect(signedIn.mfa).toBe(true);
    // Not after the password: only once the second factor is proved.
    expect(signedIn.beforeMfa).toBe(setUp);
    expect(postAuths('tess').slice(setUp)).toEqual([`newDevice=true client=${pool.clientId}`]);
    await new Promise((resolve, reject) => first.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));

    // The remembered device stands in for TOTP: PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER.
    const again = await authenticate(new CognitoUser({ Username: 'tess', Pool: cognitoPool() }), secret);
    expect(again.mfa).toBe(false);
    expect(postAuths('tess').slice(setUp)).toEqual([`newDevice=true client=${pool.clientId}`, `newDevice=false client=${pool.clientId}`]);
  });

  it('refuses the tokens when the trigger throws after the second factor', async () => {
    const secret = await totpUser('bea');
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'bea', UserAttributes: [{ Name: 'nickname', Value: 'blocked' }] }));
    const e = await errorOf(authenticate(new CognitoUser({ Username: 'bea', Pool: cognitoPool() }), secret));
    expect([e.name, e.message, (e.raw as { code?: string }).code]).toEqual(['UserLambdaValidationException', 'PostAuthentication failed with error Not today.', 'UserLambdaValidationException']);
    expect(postAuths('bea')).toHaveLength(2);
  });

  it('runs after a CUSTOM_AUTH flow issues tokens (SDK v3), not before', async () => {
    await confirmedUser(server, pool, 'cleo');
    const start = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'cleo' } }));
    expect([start.ChallengeName, start.ChallengeParameters?.question]).toEqual(['CUSTOM_CHALLENGE', 'six times seven']);
    expect(postAuths('cleo')).toEqual([]);
    const done = await anonymous(server).send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: start.Session, ChallengeResponses: { USERNAME: 'cleo', ANSWER: '42' } }));
    expect(done.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    expect(postAuths('cleo')).toEqual([`newDevice=true client=${pool.clientId}`]);
  });
});
