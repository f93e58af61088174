/**
 * Deploying and invoking with the AWS CLI (`create-function --zip-file fileb://…`,
 * `invoke --log-type Tail`), a package from Gatehouse's S3, resource policies
 * (add-permission for cognito-idp.amazonaws.com with a SourceArn, get-policy,
 * remove-permission), and the policy engine deciding lambda:* for a role session.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetPolicyCommand, InvokeCommand, ListFunctionsCommand, RemovePermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { errorOf } from '../../support/errors.js';
import { closeAll, REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { ACCT, createExecutionRole, lambdaClient, zipOf } from './support.js';

let server: TestServer;
let lambda: LambdaClient;
let role: string;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  lambda = lambdaClient(server);
  role = await createExecutionRole(server);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-lambda-test-'));
});
afterAll(async () => {
  await closeAll(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the AWS CLI', () => {
  it('deploys a package from a file and invokes it with its log tail', async () => {
    const zip = path.join(dir, 'fn.zip');
    fs.writeFileSync(zip, zipOf({ 'app.js': `exports.greet = async (e) => { console.log('greeting', e.name); return { hello: e.name }; };` }));
    const created = await awsCli(server.url, server.credentials, [
      'lambda', 'create-function', '--function-name', 'cli-fn', '--runtime', 'nodejs20.x', '--role', role, '--handler', 'app.greet', '--zip-file', `fileb://${zip}`,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ FunctionName: 'cli-fn', Runtime: 'nodejs20.x', Handler: 'app.greet', State: 'Active' });

    const out = path.join(dir, 'out.json');
    const invoked = await awsCli(server.url, server.credentials, [
      'lambda', 'invoke', '--function-name', 'cli-fn', '--payload', '{"name":"Ada"}', '--log-type', 'Tail', out,
    ]);
    expect(invoked.code, invoked.stderr).toBe(0);
    const meta = JSON.parse(invoked.stdout) as { StatusCode: number; LogResult: string; ExecutedVersion: string };
    expect(meta.StatusCode).toBe(200);
    expect(meta.ExecutedVersion).toBe('$LATEST');
    expect(Buffer.from(meta.LogResult, 'base64').toString('utf8')).toMatch(/\tINFO\tgreeting Ada\n/);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual({ hello: 'Ada' });

    const listed = await awsCli(server.url, server.credentials, ['lambda', 'list-functions']);
    expect(JSON.parse(listed.stdout).Functions.map((f: { FunctionName: string }) => f.FunctionName)).toContain('cli-fn');
    const missing = await awsCli(server.url, server.credentials, ['lambda', 'get-function', '--function-name', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope/);

    const deleted = await awsCli(server.url, server.credentials, ['lambda', 'delete-function', '--function-name', 'cli-fn']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});

describe('packages from S3', () => {
  it('creates a function from Code.S3Bucket/S3Key, and refuses a missing object', async () => {
    const s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'deploys' }));
    await s3.send(new PutObjectCommand({ Bucket: 'deploys', Key: 'fn.zip', Body: zipOf({ 'index.js': 'exports.handler = async () => "from s3";' }) }));
    await lambda.send(new CreateFunctionCommand({ FunctionName: 's3fn', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { S3Bucket: 'deploys', S3Key: 'fn.zip' } }));
    const r = await lambda.send(new InvokeCommand({ FunctionName: 's3fn' }));
    expect(Buffer.from(r.Payload!).toString()).toBe('"from s3"');
    const missing = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 's3none', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { S3Bucket: 'deploys', S3Key: 'none.zip' } })));
    expect(missing.name).toBe('InvalidParameterValueException');
    expect(missing.message).toMatch(/NoSuchKey/);
  });
});

describe('permissions', () => {
  it('adds, reads and removes resource policy statements', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'trigger', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (e) => e;' }) } }));
    const none = await errorOf(lambda.send(new GetPolicyCommand({ FunctionName: 'trigger' })));
    expect([none.name, none.status]).toEqual(['ResourceNotFoundException', 404]);
    const poolArn = `arn:aws:cognito-idp:us-east-1:${ACCT}:userpool/us-east-1_abc`;
    const added = await lambda.send(
      new AddPermissionCommand({ FunctionName: 'trigger', StatementId: 'cognito', Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', SourceArn: poolArn }),
    );
    expect(JSON.parse(added.Statement!)).toEqual({
      Sid: 'cognito',
      Effect: 'Allow',
      Principal: { Service: 'cognito-idp.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `arn:aws:lambda:us-east-1:${ACCT}:function:trigger`,
      Condition: { ArnLike: { 'AWS:SourceArn': poolArn } },
    });
    const dup = await errorOf(lambda.send(new AddPermissionCommand({ FunctionName: 'trigger', StatementId: 'cognito', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' })));
    expect([dup.name, dup.status]).toEqual(['ResourceConflictException', 409]);
    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'trigger' }));
    expect(JSON.parse(policy.Policy!).Statement).toHaveLength(1);
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'trigger', StatementId: 'cognito' }));
    const gone = await errorOf(lambda.send(new RemovePermissionCommand({ FunctionName: 'trigger', StatementId: 'cognito' })));
    expect([gone.name, gone.message]).toEqual(['ResourceNotFoundException', 'Statement cognito is not found in resource policy.']);
  });

  it('asks the policy engine: a role session may invoke only what its policy allows', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'allowed', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => 7;' }) } }));
    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'invoker', AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'invoker',
        PolicyName: 'invoke-one',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:us-east-1:${ACCT}:function:allowed` }] }),
      }),
    );
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const s = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/invoker`, RoleSessionName: 'me' }));
    const asRole = lambdaClient(server, { accessKeyId: s.Credentials!.AccessKeyId!, secretAccessKey: s.Credentials!.SecretAccessKey!, sessionToken: s.Credentials!.SessionToken! } as never);
    const ok = await asRole.send(new InvokeCommand({ FunctionName: 'allowed' }));
    expect(Buffer.from(ok.Payload!).toString()).toBe('7');
    const denied = await errorOf(asRole.send(new InvokeCommand({ FunctionName: 'trigger' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.status).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCT}:assumed-role/invoker/me is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCT}:function:trigger because no identity-based policy allows the lambda:InvokeFunction action`,
    );
    const list = await errorOf(asRole.send(new ListFunctionsCommand({})));
    expect(list.name).toBe('AccessDeniedException');
  });

  it('refuses unsigned and badly signed requests', async () => {
    const unsigned = await fetch(`${server.url}/2015-03-31/functions/allowed/invocations`, { method: 'POST', body: '{}', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAGATEHOUSETEST001/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00' } });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/InvalidSignatureException|IncompleteSignatureException/);
  });
});
