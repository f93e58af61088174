/**
 * Shared set-up for Lambda tests: an execution role Lambda may assume, and .zip packages
 * made from source strings (fflate, the library the server unpacks with).
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import { REGION, type TestServer } from '../../support/gatehouse.js';

export const ACCT = '000000000000';
export const ROLE_ARN = `arn:aws:iam::${ACCT}:role/lambda-exec`;

export const trustLambda = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
}

export async function createExecutionRole(server: TestServer, name = 'lambda-exec'): Promise<string> {
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustLambda }));
  return r.Role!.Arn!;
}

export function lambdaClient(server: TestServer, credentials = server.credentials): LambdaClient {
  return new LambdaClient({ endpoint: server.url, region: REGION, credentials });
}

export const poolArn = (poolId: string): string => `arn:aws:cognito-idp:${REGION}:${ACCT}:userpool/${poolId}`;

/** AddPermission as real deployments must: Cognito may invoke the function for this pool only. */
export async function allowCognito(server: TestServer, functionName: string, poolId: string): Promise<void> {
  await lambdaClient(server).send(
    new AddPermissionCommand({ FunctionName: functionName, StatementId: `cognito-${poolId}`, Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', SourceArn: poolArn(poolId) }),
  );
}
