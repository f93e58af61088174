/**
 * Lambda through @aws-sdk/client-lambda: create a function from a .zip, read and list it,
 * invoke it (async and callback handlers, context fields, Lambda's environment, the execution
 * role's credentials used against Gatehouse), update its code and configuration, delete it;
 * AWS's errors for a missing function, a taken name, a role Lambda cannot assume, reserved
 * environment keys, a non-Node runtime and a bad package.
 */
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, ListFunctionsCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';
import { createExecutionRole, lambdaClient, zipOf } from './support.js';

let server: TestServer;
let lambda: LambdaClient;
let role: string;

const ECHO = `
exports.handler = async (event, context) => {
  console.log('got', JSON.stringify(event));
  return {
    event,
    requestId: context.awsRequestId,
    name: context.functionName,
    arn: context.invokedFunctionArn,
    memory: context.memoryLimitInMB,
    remaining: context.getRemainingTimeInMillis(),
    env: { region: process.env.AWS_REGION, fn: process.env.AWS_LAMBDA_FUNCTION_NAME, greeting: process.env.GREETING,
      hasKey: typeof process.env.AWS_ACCESS_KEY_ID === 'string', endpoint: process.env.AWS_ENDPOINT_URL,
      leaked: Object.keys(process.env).filter((k) => k.startsWith('GATEHOUSE_')) },
  };
};`;

const text = (p: Uint8Array | undefined): string => Buffer.from(p ?? new Uint8Array()).toString('utf8');

beforeAll(async () => {
  server = await startServer();
  lambda = lambdaClient(server);
  role = await createExecutionRole(server);
});
afterAll(() => closeAll(server));

describe('functions', () => {
  it('creates, reads, lists and invokes a function', async () => {
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'echo',
        Runtime: 'nodejs20.x',
        Role: role,
        Handler: 'index.handler',
        Code: { ZipFile: zipOf({ 'index.js': ECHO }) },
        Environment: { Variables: { GREETING: 'hello' } },
        Timeout: 10,
      }),
    );
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:echo');
    expect(created.State).toBe('Active');
    expect(created.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'echo' }));
    expect(got.Configuration?.Handler).toBe('index.handler');
    expect(got.Configuration?.Environment?.Variables).toEqual({ GREETING: 'hello' });
    const byArn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: created.FunctionArn }));
    expect(byArn.FunctionName).toBe('echo');
    const listed = await lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).toContain('echo');

    const r = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ a: 1 })), LogType: 'Tail' }));
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBeUndefined();
    const body = JSON.parse(text(r.Payload)) as Record<string, any>;
    expect(body.event).toEqual({ a: 1 });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.name).toBe('echo');
    expect(body.arn).toBe(created.FunctionArn);
    expect(body.memory).toBe('128');
    expect(body.remaining).toBeGreaterThan(5000);
    expect(body.env).toEqual({ region: 'us-east-1', fn: 'echo', greeting: 'hello', hasKey: true, endpoint: expect.stringMatching(/^http:\/\//), leaked: [] });
    const log = Buffer.from(r.LogResult!, 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    expect(log).toMatch(/\tINFO\tgot {"a":1}\n/);
    expect(log).toMatch(/END RequestId: .*\nREPORT RequestId: .*Duration: [\d.]+ ms/);
  });

  it('runs callback handlers and ES modules, and reports handler errors as the Node runtime does', async () => {
    const code = zipOf({
      'cb.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { n: event.n * 2 }), 5); };`,
      'esm.mjs': `export const handler = async () => 'from esm';`,
      'fail.js': `exports.handler = async () => { const e = new TypeError('bad input'); throw e; };`,
    });
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'multi', Runtime: 'nodejs22.x', Role: role, Handler: 'cb.handler', Code: { ZipFile: code } }));
    const cb = await lambda.send(new InvokeCommand({ FunctionName: 'multi', Payload: Buffer.from('{"n":21}') }));
    expect(JSON.parse(text(cb.Payload))).toEqual({ n: 42 });

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'multi', Handler: 'esm.handler' }));
    expect(JSON.parse(text((await lambda.send(new InvokeCommand({ FunctionName: 'multi' }))).Payload))).toBe('from esm');

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'multi', Handler: 'fail.handler' }));
    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'multi' }));
    expect(failed.StatusCode).toBe(200);
    expect(failed.FunctionError).toBe('Unhandled');
    const err = JSON.parse(text(failed.Payload)) as { errorType: string; errorMessage: string; trace: string[] };
    expect(err.errorType).toBe('TypeError');
    expect(err.errorMessage).toBe('bad input');
    expect(err.trace[0]).toBe('TypeError: bad input');

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'multi', Handler: 'missing.handler' }));
    const missing = await lambda.send(new InvokeCommand({ FunctionName: 'multi' }));
    expect(missing.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(missing.Payload)).errorType).toBe('Runtime.ImportModuleError');
  });

  it('queues Event invocations (202) and only authorizes DryRun ones (204)', async () => {
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const queued = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: Buffer.from('{"async":true}') }));
    expect(queued.StatusCode).toBe(202);
    for (let i = 0; i < 100 && !server.logs().some((l) => l.event === 'lambda.invoke' && String(l.output).includes('"async":true')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.logs().some((l) => l.event === 'lambda.invoke' && String(l.output).includes('got {"async":true}'))).toBe(true);
  });

  it('updates the code: the next invocation runs the new package', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'versioned', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': `exports.handler = async () => 1;` }) } }));
    expect(text((await lambda.send(new InvokeCommand({ FunctionName: 'versioned' }))).Payload)).toBe('1');
    const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'versioned', ZipFile: zipOf({ 'index.js': `exports.handler = async () => 2;` }) }));
    expect(updated.CodeSha256).not.toBe(undefined);
    expect(text((await lambda.send(new InvokeCommand({ FunctionName: 'versioned' }))).Payload)).toBe('2');
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'versioned' }));
    const gone = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'versioned' })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:versioned');
    expect(gone.status).toBe(404);
  });

  it('answers AWS errors for bad requests and writes nothing', async () => {
    const zip = zipOf({ 'index.js': 'exports.handler = async () => 1;' });
    const base = { Runtime: 'nodejs20.x' as const, Role: role, Handler: 'index.handler', Code: { ZipFile: zip } };
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'taken', ...base }));
    const dup = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'taken', ...base })));
    expect([dup.name, dup.message, dup.status]).toEqual(['ResourceConflictException', 'Function already exist: taken', 409]);

    const badRole = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'r', ...base, Role: 'arn:aws:iam::000000000000:role/nope' })));
    expect([badRole.name, badRole.message]).toEqual(['InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.']);

    const reserved = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'e', ...base, Environment: { Variables: { AWS_REGION: 'x' } } })));
    expect(reserved.name).toBe('InvalidParameterValueException');
    expect(reserved.message).toMatch(/Reserved keys used in this request: AWS_REGION$/);

    const python = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'p', ...base, Runtime: 'python3.12' })));
    expect(python.name).toBe('InvalidParameterValueException');

    const notZip = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'z', ...base, Code: { ZipFile: Buffer.from('not a zip') } })));
    expect([notZip.name, notZip.message]).toEqual(['InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.']);

    const slip = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 's', ...base, Code: { ZipFile: zipOf({ '../evil.js': 'x' }) } })));
    expect(slip.name).toBe('InvalidParameterValueException');

    const badName = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'no-such' })));
    expect(badName.name).toBe('ResourceNotFoundException');
    const listed = await lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName).filter((n) => ['r', 'e', 'p', 'z', 's'].includes(n!))).toEqual([]);

    const badJson = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'taken', Payload: Buffer.from('{nope') })));
    expect(badJson.name).toBe('InvalidRequestContentException');
  });
});
