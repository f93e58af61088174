/**
 * Amplify JS v6 with user pool triggers: a sign-up PreSignUp auto-confirms (no confirmation
 * step), a session whose ID token carries PreTokenGeneration's claim, and CUSTOM_WITH_SRP
 * (SRP first, then the Define/Create/Verify challenge) through confirmSignIn.
 */
import { UpdateUserPoolClientCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { allowCognito, createExecutionRole, lambdaClient, zipOf } from './support.js';

const HANDLER = `
exports.handler = async (event) => {
  const s = event.request.session || [];
  switch (event.triggerSource) {
    case 'PreSignUp_SignUp': event.response.autoConfirmUser = true; event.response.autoVerifyEmail = true; break;
    case 'DefineAuthChallenge_Authentication': {
      const last = s[s.length - 1];
      if (s.length === 1 && last.challengeName === 'SRP_A') event.response.challengeName = 'PASSWORD_VERIFIER';
      else if (last.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) event.response.issueTokens = true;
      else if (s.length > 4) event.response.failAuthentication = true;
      else event.response.challengeName = 'CUSTOM_CHALLENGE';
      break;
    }
    case 'CreateAuthChallenge_Authentication':
      event.response.publicChallengeParameters = { hint: 'the answer' };
      event.response.privateChallengeParameters = { answer: '42' };
      break;
    case 'VerifyAuthChallengeResponse_Authentication':
      event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
      break;
    default:
      if (event.triggerSource.startsWith('TokenGeneration_')) event.response.claimsOverrideDetails = { claimsToAddOrOverride: { plan: 'gold' } };
  }
  return event;
};`;

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  const role = await createExecutionRole(server);
  const arn = (await lambdaClient(server).send(new CreateFunctionCommand({ FunctionName: 'amplify-triggers', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }))).FunctionArn!;
  await allowCognito(server, 'amplify-triggers', pool.poolId);
  await idp(server).send(
    new UpdateUserPoolCommand({
      UserPoolId: pool.poolId,
      AutoVerifiedAttributes: ['email'],
      LambdaConfig: { PreSignUp: arn, PreTokenGeneration: arn, DefineAuthChallenge: arn, CreateAuthChallenge: arn, VerifyAuthChallengeResponse: arn },
    }),
  );
  await idp(server).send(new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  Amplify.configure({ Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: server.url } } });
});
afterAll(() => closeAll(server));

describe('Amplify JS v6 with triggers', () => {
  it('signs up auto-confirmed and gets the PreTokenGeneration claim', async () => {
    const up = await signUp({ username: 'amp', password: PASSWORD, options: { userAttributes: { email: 'amp@example.com' } } });
    expect(up.isSignUpComplete).toBe(true);
    expect(up.nextStep.signUpStep).toBe('DONE');
    const r = await signIn({ username: 'amp', password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    expect(r.isSignedIn).toBe(true);
    const session = await fetchAuthSession();
    expect(session.tokens?.idToken?.payload).toMatchObject({ plan: 'gold', email_verified: true, 'cognito:username': 'amp' });
    await signOut();
  });

  it('signs in with CUSTOM_WITH_SRP and confirmSignIn', async () => {
    const first = await signIn({ username: 'amp', password: PASSWORD, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
    expect(first.nextStep).toMatchObject({ signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { hint: 'the answer' } });
    const wrong = await confirmSignIn({ challengeResponse: '41' });
    expect(wrong.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    const done = await confirmSignIn({ challengeResponse: '42' });
    expect(done).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect((await fetchAuthSession()).tokens?.idToken?.payload['cognito:username']).toBe('amp');
    await signOut();
  });
});
