/**
 * Cognito invokes a trigger only with the function's resource policy's leave: a statement
 * (AddPermission) for `cognito-idp.amazonaws.com` whose SourceArn, if any, matches the user
 * pool. Otherwise the operation fails as at AWS: UnexpectedLambdaException "PreSignUp
 * invocation failed due to error AccessDeniedException.", and nothing is written.
 */
import { AdminGetUserCommand, SignUpCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AddPermissionCommand, CreateFunctionCommand, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { ACCT, createExecutionRole, lambdaClient, poolArn, zipOf } from './support.js';

let server: TestServer;
let pool: Pool;
let other: Pool;

const signUp = (username: string) =>
  anonymous(server).send(new SignUpCommand({ ClientId: pool.clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }] }));

async function refused(username: string): Promise<void> {
  const e = await errorOf(signUp(username));
  expect([e.name, e.message]).toEqual(['UnexpectedLambdaException', 'PreSignUp invocation failed due to error AccessDeniedException.']);
  expect((await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username })))).name).toBe('UserNotFoundException');
}

const permit = (sid: string, extra: { SourceArn?: string; SourceAccount?: string; Principal?: string }) =>
  lambdaClient(server).send(new AddPermissionCommand({ FunctionName: 'gate', StatementId: sid, Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', ...extra }));

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  other = await createPool(server);
  const role = await createExecutionRole(server);
  const fn = await lambdaClient(server).send(
    new CreateFunctionCommand({ FunctionName: 'gate', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (e) => { e.response.autoConfirmUser = true; return e; };' }) } }),
  );
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { PreSignUp: fn.FunctionArn! } }));
});
afterAll(() => closeAll(server));

describe('the function\'s resource policy', () => {
  it('refuses a function with no policy at all', async () => {
    await refused('nopolicy');
    expect(server.logs().some((l) => l.event === 'lambda.invoke')).toBe(false);
  });

  it('refuses statements for another pool, another service or another account', async () => {
    await permit('other-pool', { SourceArn: poolArn(other.poolId) });
    await permit('other-service', { Principal: 's3.amazonaws.com', SourceArn: poolArn(pool.poolId) });
    await permit('other-account', { SourceAccount: '111122223333' });
    await refused('wrongpolicy');
  });

  it('lets Cognito invoke it for the pool the SourceArn names, until the permission is removed', async () => {
    await permit('this-pool', { SourceArn: poolArn(pool.poolId) });
    expect((await signUp('allowed')).UserConfirmed).toBe(true);
    await lambdaClient(server).send(new RemovePermissionCommand({ FunctionName: 'gate', StatementId: 'this-pool' }));
    await refused('removed');
  });

  it('accepts a statement by SourceAccount, or a SourceArn pattern', async () => {
    await permit('by-account', { SourceAccount: ACCT });
    expect((await signUp('byaccount')).UserConfirmed).toBe(true);
    await lambdaClient(server).send(new RemovePermissionCommand({ FunctionName: 'gate', StatementId: 'by-account' }));
    await permit('by-pattern', { SourceArn: `arn:aws:cognito-idp:us-east-1:${ACCT}:userpool/*` });
    expect((await signUp('bypattern')).UserConfirmed).toBe(true);
  });
});
