/**
 * CUSTOM_AUTH through amazon-cognito-identity-js with Define/Create/VerifyAuthChallengeResponse
 * triggers: a one-time answer challenge on its own (initiateAuth + sendCustomChallengeAnswer),
 * and with SRP first (CUSTOM_AUTH + CHALLENGE_NAME SRP_A: the password, then the challenge);
 * a wrong answer ends the sign-in as Define decides, a Session answers once.
 */
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, UpdateUserPoolClientCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createPool, errorOf, idp, jwtVerifier, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `
exports.define = async (event) => {
  const s = event.request.session;
  const last = s[s.length - 1];
  if (s.length === 1 && last.challengeName === 'SRP_A') { event.response.challengeName = 'PASSWORD_VERIFIER'; return event; }
  if (last && last.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) { event.response.issueTokens = true; return event; }
  if (s.filter((x) => x.challengeName === 'CUSTOM_CHALLENGE').length >= 2) { event.response.failAuthentication = true; return event; }
  event.response.challengeName = 'CUSTOM_CHALLENGE';
  return event;
};
exports.create = async (event) => {
  event.response.publicChallengeParameters = { question: 'What is 6 x 7?', steps: String(event.request.session.length) };
  event.response.privateChallengeParameters = { answer: '42' };
  event.response.challengeMetadata = 'QUIZ';
  return event;
};
exports.verify = async (event) => {
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
};`;

let server: TestServer;
let pool: Pool;

type Outcome = { session: CognitoUserSession } | { error: { code?: string; message: string } };

/** Runs a custom sign-in, answering each challenge from `answers` in turn. */
function customSignIn(username: string, answers: string[], password?: string): Promise<Outcome & { challenges: Record<string, string>[] }> {
  const user = new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url }) });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  const challenges: Record<string, string>[] = [];
  return new Promise((resolve) => {
    const callbacks = {
      onSuccess: (session: CognitoUserSession) => resolve({ session, challenges }),
      onFailure: (error: { code?: string; message: string }) => resolve({ error, challenges }),
      customChallenge: (params: Record<string, string>) => {
        challenges.push(params);
        user.sendCustomChallengeAnswer(answers.shift() ?? '', callbacks);
      },
    };
    const details = new AuthenticationDetails({ Username: username, ...(password === undefined ? {} : { Password: password }) });
    if (password === undefined) user.initiateAuth(details, callbacks);
    else user.authenticateUser(details, callbacks);
  });
}

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  const role = await createExecutionRole(server);
  const zip = zipOf({ 'index.js': HANDLER });
  const arns: Record<string, string> = {};
  for (const h of ['define', 'create', 'verify']) {
    arns[h] = (await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: `auth-${h}`, Runtime: 'nodejs20.x', Role: role, Handler: `index.${h}`, Code: { ZipFile: zip } }))).FunctionArn!;
    await allowCognito(server, `auth-${h}`, pool.poolId);
  }
  await idp(server).send(
    new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { DefineAuthChallenge: arns.define, CreateAuthChallenge: arns.create, VerifyAuthChallengeResponse: arns.verify } }),
  );
  await idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'carol', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }] }));
  await idp(server).send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'carol', Password: PASSWORD, Permanent: true }));
});
afterAll(() => closeAll(server));

describe('CUSTOM_AUTH', () => {
  it('signs in by answering the custom challenge', async () => {
    const r = await customSignIn('carol', ['42']);
    expect('session' in r).toBe(true);
    expect(r.challenges).toEqual([{ question: 'What is 6 x 7?', steps: '0', USERNAME: 'carol' }]);
    const claims = await jwtVerifier(server, pool.poolId, pool.clientId, 'id').verify((r as { session: CognitoUserSession }).session.getIdToken().getJwtToken());
    expect(claims['cognito:username']).toBe('carol');
  });

  it('asks again after a wrong answer, and fails when Define says so', async () => {
    const retried = await customSignIn('carol', ['41', '42']);
    expect('session' in retried).toBe(true);
    expect(retried.challenges.map((c) => c.steps)).toEqual(['0', '1']);
    const failed = await customSignIn('carol', ['1', '2']);
    expect(failed).toMatchObject({ error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
  });

  it('starts with SRP when the client sends CHALLENGE_NAME SRP_A', async () => {
    const r = await customSignIn('carol', ['42'], PASSWORD);
    expect('session' in r).toBe(true);
    expect(r.challenges).toEqual([{ question: 'What is 6 x 7?', steps: '2', USERNAME: 'carol' }]);
    const wrong = await customSignIn('carol', ['42'], 'Wr0ng-Password!');
    expect(wrong).toMatchObject({ error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
  });

  it('accepts a Session once', async () => {
    const start = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'carol' } }));
    expect(start.ChallengeName).toBe('CUSTOM_CHALLENGE');
    const answer = { ClientId: pool.clientId, ChallengeName: 'CUSTOM_CHALLENGE' as const, Session: start.Session, ChallengeResponses: { USERNAME: 'carol', ANSWER: '42' } };
    expect((await anonymous(server).send(new RespondToAuthChallengeCommand(answer))).AuthenticationResult?.IdToken).toBeDefined();
    const replay = await errorOf(anonymous(server).send(new RespondToAuthChallengeCommand(answer)));
    expect(replay.name).toBe('NotAuthorizedException');
  });
});
