/**
 * What a warm PreTokenGeneration trigger adds to a sign-in, and what a cold start costs.
 * Against the compiled server in a child process: sequential USER_PASSWORD_AUTH sign-ins on a
 * pool without triggers (the ceiling, same run) and on one whose PreTokenGeneration adds a
 * claim; latency (median, p95) and the server's own CPU per sign-in; the function's processes
 * are children of the server, so their CPU is read apart. Then cold starts: a configuration
 * change retires the warm process, and the next Invoke starts one; next to it, the time to
 * start a bare `node -e 0` on this machine (the floor of any cold start here).
 *
 *   npm run build && npx tsx bench/lambda-trigger.ts [--seconds 5] [--cold 5]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import { ROOT, startBenchServer, type BenchServer } from './support/server.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, cold: { type: 'string', default: '5' } } });
const SECONDS = Number(values.seconds);
const COLD = Number(values.cold);
const PASSWORD = 'Bench-Passw0rd!';
const REGION = 'us-east-1';

/** CPU ms of the server's descendants (the function processes), from /proc. */
function childrenCpuMs(pid: number): number {
  let total = 0;
  const walk = (p: number): void => {
    let kids: string[] = [];
    try {
      kids = fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return;
    }
    for (const k of kids) {
      try {
        const s = fs.readFileSync(`/proc/${k}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
        total += ((s[11]! + s[12]!) * 1000) / 100;
      } catch {
        // gone
      }
      walk(Number(k));
    }
  };
  walk(pid);
  return total;
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function setUp(server: BenchServer, idp: CognitoIdentityProviderClient, lambdaConfig?: Record<string, string>): Promise<string> {
  const pool = await idp.send(new CreateUserPoolCommand({ PoolName: 'bench', ...(lambdaConfig === undefined ? {} : { LambdaConfig: lambdaConfig }) }));
  const poolId = pool.UserPool!.Id!;
  const client = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bench', MessageAction: 'SUPPRESS' }));
  await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'bench', Password: PASSWORD, Permanent: true }));
  void server;
  return client.UserPoolClient!.ClientId!;
}

async function signIns(server: BenchServer, idp: CognitoIdentityProviderClient, clientId: string): Promise<{ n: number; p50: number; p95: number; serverCpu: number; fnCpu: number }> {
  const signIn = () => idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'bench', PASSWORD } }));
  for (let i = 0; i < 20; i++) await signIn();
  const lat: number[] = [];
  const cpu0 = server.cpuMs();
  const fn0 = childrenCpuMs(server.pid);
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const t = process.hrtime.bigint();
    const r = await signIn();
    if (r.AuthenticationResult?.IdToken === undefined) throw new Error('no tokens');
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { n: lat.length, p50: pct(lat, 50), p95: pct(lat, 95), serverCpu: (server.cpuMs() - cpu0) / lat.length, fnCpu: (childrenCpuMs(server.pid) - fn0) / lat.length };
}

const server = await startBenchServer();
try {
  const credentials = ROOT;
  const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials });
  const lambda = new LambdaClient({ endpoint: server.url, region: REGION, credentials });
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials });
  const role = await iam.send(new CreateRoleCommand({
    RoleName: 'bench-exec',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  }));
  const code = zipSync({ 'index.js': strToU8(`exports.handler = async (e) => { e.response.claimsOverrideDetails = { claimsToAddOrOverride: { tenant: 'bench' } }; return e; };`) });
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: 'bench-ptg', Runtime: 'nodejs20.x', Role: role.Role!.Arn!, Handler: 'index.handler', Code: { ZipFile: code } }));

  // Cognito may invoke it only with the function's resource policy's leave, as at AWS.
  await lambda.send(new AddPermissionCommand({ FunctionName: 'bench-ptg', StatementId: 'cognito', Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com' }));
  const plain = await setUp(server, idp);
  const triggered = await setUp(server, idp, { PreTokenGeneration: fn.FunctionArn! });
  // Alternated, and the first round dropped: the first seconds of a fresh server are JIT warm-up.
  await signIns(server, idp, plain);
  await signIns(server, idp, triggered);
  const off = await signIns(server, idp, plain);
  const on = await signIns(server, idp, triggered);

  const node0: number[] = [];
  for (let i = 0; i < COLD; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    node0.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < COLD; i++) {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'bench-ptg', Description: `cold ${i}` }));
    let t = process.hrtime.bigint();
    await lambda.send(new InvokeCommand({ FunctionName: 'bench-ptg', Payload: Buffer.from('{"response":{}}') }));
    cold.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await lambda.send(new InvokeCommand({ FunctionName: 'bench-ptg', Payload: Buffer.from('{"response":{}}') }));
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const f = (x: number): string => x.toFixed(2);
  console.log(`sign-in (USER_PASSWORD_AUTH, sequential, ${SECONDS} s each)`);
  console.log(`  no trigger (ceiling):       ${off.n} sign-ins, median ${f(off.p50)} ms, p95 ${f(off.p95)} ms, server CPU ${f(off.serverCpu)} ms/sign-in`);
  console.log(`  PreTokenGeneration (warm):  ${on.n} sign-ins, median ${f(on.p50)} ms, p95 ${f(on.p95)} ms, server CPU ${f(on.serverCpu)} ms/sign-in, function processes ${f(on.fnCpu)} ms/sign-in`);
  console.log(`  the trigger adds:           ${f(on.p50 - off.p50)} ms median latency, ${f(on.serverCpu - off.serverCpu)} ms server CPU`);
  console.log(`cold start (Invoke after a configuration change, ${COLD} times)`);
  console.log(`  cold Invoke:                median ${f(pct(cold, 50))} ms (max ${f(Math.max(...cold))})`);
  console.log(`  warm Invoke:                median ${f(pct(warm, 50))} ms`);
  console.log(`  bare node -e 0 (floor):     median ${f(pct(node0, 50))} ms`);
} finally {
  await server.stop();
}
