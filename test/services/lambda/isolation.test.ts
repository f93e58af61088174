/**
 * A function can harm only itself: a handler that hangs is killed at its timeout, one that
 * exits or runs out of heap ends its process, one that prints megabytes has its output cut to a
 * bounded tail, one that writes garbage into the result channel is killed — each answered with
 * the Lambda runtime's error, and the server and other functions go on serving. The execution
 * role's credentials reach Gatehouse from inside the handler through the AWS SDK.
 */
import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, type TestServer } from '../../support/gatehouse.js';
import { createExecutionRole, lambdaClient, zipOf } from './support.js';

let server: TestServer;
let lambda: LambdaClient;
let role: string;

const text = (p: Uint8Array | undefined): string => Buffer.from(p ?? new Uint8Array()).toString('utf8');

async function deploy(name: string, source: string, extra: { Timeout?: number; MemorySize?: number } = {}): Promise<void> {
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.js': source }) }, ...extra }));
}

async function invoke(name: string, payload: unknown = {}) {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));
  return { ...r, body: text(r.Payload), log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8') };
}

beforeAll(async () => {
  server = await startServer();
  lambda = lambdaClient(server);
  role = await createExecutionRole(server);
  await deploy('ok', 'exports.handler = async (e) => ({ ok: e });');
});
afterAll(() => closeAll(server));

describe('a misbehaving handler', () => {
  it('that hangs is killed at its timeout', async () => {
    await deploy('hang', 'exports.handler = () => new Promise(() => {});', { Timeout: 1 });
    const started = Date.now();
    const r = await invoke('hang');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/) });
    expect(r.log).toMatch(/Task timed out after 1\.00 seconds/);
    expect(JSON.parse((await invoke('ok', 1)).body)).toEqual({ ok: 1 });
  });

  it('that spins the CPU is killed at its timeout', async () => {
    await deploy('spin', 'exports.handler = async () => { for (;;) {} };', { Timeout: 1 });
    const r = await invoke('spin');
    expect(JSON.parse(r.body).errorType).toBe('Sandbox.Timedout');
  });

  it('that exits ends only its own process, and the next invocation starts a new one', async () => {
    await deploy('exit', 'let n = 0; exports.handler = async (e) => { n++; if (e.exit) process.exit(3); return n; };');
    const r = await invoke('exit', { exit: true });
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/Runtime exited with error: exit status 3$/) });
    expect((await invoke('exit', {})).body).toBe('1');
  });

  it('that throws at load time gets the error of its module', async () => {
    await deploy('init', 'throw new Error("cannot start");');
    const r = await invoke('init');
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body)).toMatchObject({ errorType: 'Error', errorMessage: 'cannot start' });
  });

  it('that prints megabytes has its log bounded', async () => {
    await deploy('loud', 'exports.handler = async () => { const line = "x".repeat(1024); for (let i = 0; i < 20 * 1024; i++) console.log(line); process.stdout.write("direct\\n"); return "done"; };', { Timeout: 30 });
    const r = await invoke('loud');
    expect(r.body).toBe('"done"');
    expect(Buffer.from(r.LogResult!, 'base64').length).toBeLessThanOrEqual(4096);
    expect(r.log).toMatch(/REPORT RequestId/);
    const logged = server.logs().filter((l) => l.event === 'lambda.invoke' && l.function === 'loud');
    expect(logged).toHaveLength(1);
    expect(String(logged[0]!.output).length).toBeLessThanOrEqual(8192);
  });

  it('that returns more than 6 MB gets Function.ResponseSizeTooLarge', async () => {
    await deploy('big', 'exports.handler = async () => "y".repeat(7 * 1024 * 1024);', { Timeout: 30 });
    const r = await invoke('big');
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body).errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it('that writes into the result channel is killed', async () => {
    await deploy('forge', 'const fs = require("fs"); exports.handler = async () => { const b = Buffer.alloc(4); b.writeUInt32BE(0xffffffff); fs.writeSync(3, b); await new Promise((r) => setTimeout(r, 2000)); return 1; };', { Timeout: 10 });
    const r = await invoke('forge');
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body).errorType).toBe('Runtime.ExitError');
  });

  it('that fills its heap is stopped at MemorySize', async () => {
    await deploy('hog', 'exports.handler = async () => { const a = []; for (;;) a.push(new Array(1e6).fill(1)); };', { Timeout: 30, MemorySize: 128 });
    const r = await invoke('hog');
    expect(r.FunctionError).toBe('Unhandled');
    expect(JSON.parse(r.body).errorType).toBe('Runtime.ExitError');
    expect(JSON.parse((await invoke('ok', 2)).body)).toEqual({ ok: 2 });
  });
});

describe('the execution role', () => {
  it('signs the SDK calls a handler makes to Gatehouse', async () => {
    await deploy(
      'whoami',
      `const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
       exports.handler = async () => (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;`,
      { Timeout: 20 },
    );
    const r = await invoke('whoami');
    expect(r.FunctionError, r.body).toBeUndefined();
    expect(JSON.parse(r.body)).toBe('arn:aws:sts::000000000000:assumed-role/lambda-exec/whoami');
  });
});
