/**
 * GATEHOUSE_LAMBDA_ENDPOINT: triggers go to the standard Lambda Invoke API at that URL. The
 * engine here is a second Gatehouse, which speaks that API as AWS SAM's local Lambda does;
 * the first one runs no function itself. Its answers and failures map as the built-in
 * runner's do.
 */
import { AdminGetUserCommand, SignUpCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { createExecutionRole, lambdaClient, zipOf } from './support.js';

let engine: TestServer;
let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  engine = await startServer();
  const role = await createExecutionRole(engine);
  await lambdaClient(engine).send(
    new CreateFunctionCommand({
      FunctionName: 'external-presignup',
      Runtime: 'nodejs20.x',
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': `exports.handler = async (e) => { if (e.userName === 'mallory') throw new Error('not here'); e.response.autoConfirmUser = true; return e; };` }) },
    }),
  );
  server = await startServer({ GATEHOUSE_LAMBDA_ENDPOINT: engine.url });
  pool = await createPool(server);
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:000000000000:function:external-presignup' } }));
});
afterAll(() => closeAll(server, engine));

describe('the external engine', () => {
  it('runs the trigger at GATEHOUSE_LAMBDA_ENDPOINT', async () => {
    const r = await anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'alice', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }] }));
    expect(r.UserConfirmed).toBe(true);
    expect(engine.logs().some((l) => l.event === 'lambda.invoke' && l.function === 'external-presignup')).toBe(true);
    expect(server.logs().some((l) => l.event === 'lambda.invoke')).toBe(false);
  });

  it('maps the function\'s error and a missing function as Cognito does', async () => {
    const refused = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'mallory', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'm@example.com' }] })));
    expect([refused.name, refused.message]).toEqual(['UserLambdaValidationException', 'PreSignUp failed with error not here.']);
    expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'mallory' })))).name).toBe('UserNotFoundException');
    await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:000000000000:function:missing' } }));
    const missing = await errorOf(anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: 'bob', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'b@example.com' }] })));
    expect([missing.name, missing.message]).toEqual(['UnexpectedLambdaException', 'PreSignUp invocation failed due to error ResourceNotFoundException.']);
  });
});
