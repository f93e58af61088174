/**
 * Throughput of the user pool domain's token endpoint: authorization-code exchanges (PKCE
 * S256, two RS256 signatures each: access and ID token) and client_credentials grants (one
 * signature), over HTTP keep-alive, against the compiled server in a child process. Prints
 * grants per server-CPU-second next to the ceiling their RS256 signatures allow, measured in
 * the same run on this machine.
 *
 *   npm run build && npx tsx bench/cognito-idp-oauth.ts [--seconds 5] [--warmup 1] [--levels 1,4,16] [--cpu-prof DIR]
 *
 * Codes are made before the exchange phase (a signed-in hosted session authorizes again
 * without the form), so the exchange figures count the exchange alone. Each level is also run
 * against a bare node:http server that does only the signatures (bench/support/floor-server.mjs):
 * the `node:http floor` rows show how much of the ceiling HTTP itself leaves on this machine.
 * `BENCH_THREADS=1` also prints each level's server CPU per operation by thread (the main
 * thread apart from V8's and libuv's helpers: GC, compiler, thread pool) and its monotonic time
 * window, to cut a `perf record -k CLOCK_MONOTONIC -p <pid>` profile of the server to it.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startFloorServer, type FloorServer } from './support/floor.js';
import { ROOT, startBenchServer, threadCpuMs } from './support/server.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, levels: { type: 'string', default: '1,4,16' }, 'cpu-prof': { type: 'string' } } });
const SECONDS = Number(values.seconds);
/** Seconds each level runs before the clock starts: the JIT has compiled the hot path by then, as in a server that has been up a while. */
const WARMUP = Number(values.warmup);
const LEVELS = values.levels.split(',').map(Number);
const PASSWORD = 'Bench-Passw0rd!';
const CALLBACK = 'http://127.0.0.1:9/cb';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Result {
  label?: string;
  concurrency: number;
  ops: number;
  seconds: number;
  cpuMs: number;
}

async function run(server: { cpuMs(): number; pid: number }, concurrency: number, op: () => Promise<void>): Promise<Result> {
  const warm = performance.now() + WARMUP * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      do await op();
      while (performance.now() < warm);
    }),
  );
  const threads0 = process.env.BENCH_THREADS ? threadCpuMs(server.pid) : undefined;
  const mono0 = Number(process.hrtime.bigint()) / 1e9;
  const cpu0 = server.cpuMs();
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let ops = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        ops++;
      }
    }),
  );
  if (threads0 !== undefined) {
    const split = [...threadCpuMs(server.pid)].map(([name, ms]) => `${name} ${((ms - (threads0.get(name) ?? 0)) / ops).toFixed(3)}`);
    // The monotonic window (seconds) of the measurement, to cut a `perf record -k CLOCK_MONOTONIC` profile to it.
    console.log(`  CPU ms per op by thread at ${concurrency}: ${split.join(', ')}; window ${mono0.toFixed(3)}-${(Number(process.hrtime.bigint()) / 1e9).toFixed(3)}`);
  }
  return { concurrency, ops, seconds: (performance.now() - t0) / 1000, cpuMs: server.cpuMs() - cpu0 };
}

function print(title: string, results: Result[], ceilingPerCpuS: number): void {
  console.log(`\n${title} (ceiling of its signatures: ${ceilingPerCpuS.toFixed(0)} per CPU-second)`);
  console.log('server            concurrency   ops/s   server CPU ms/op   ops per server-CPU-s   of ceiling');
  for (const r of results) {
    const perCpu = r.ops / (r.cpuMs / 1000);
    console.log(
      `${(r.label ?? 'gatehouse').padEnd(17)} ${String(r.concurrency).padStart(11)} ${(r.ops / r.seconds).toFixed(0).padStart(7)} ${(r.cpuMs / r.ops).toFixed(2).padStart(18)} ${perCpu.toFixed(0).padStart(22)} ${`${((100 * perCpu) / ceilingPerCpuS).toFixed(0)} %`.padStart(11)}`,
    );
  }
}

/**
 * CPU milliseconds of one RS256 signature over a token-sized input, on this machine, in this
 * process: CPU time, not wall time, so other load on the machine does not inflate it.
 */
function signMs(): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(900, 1);
  for (let i = 0; i < 50; i++) sign('sha256', data, privateKey);
  const n = 1000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) sign('sha256', data, privateKey);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

async function main(): Promise<void> {
  const profile = values['cpu-prof'];
  const server = await startBenchServer({}, profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]);
  const floor: FloorServer = await startFloorServer();
  /** The same request against the floor server: form body in, `signatures` RS256 signatures, JSON out. */
  const floorRun = async (c: number, signatures: number, body: string): Promise<Result> => ({
    ...(await run(floor, c, async () => {
      const r = await request(`${floor.url}/oauth2/token?sign=${signatures}`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, body);
      if (r.status !== 200) throw new Error(`floor: ${r.status}`);
    })),
    label: 'node:http floor',
  });
  try {
    const admin = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    const poolId = (await admin.send(new CreateUserPoolCommand({ PoolName: 'bench' }))).UserPool!.Id!;
    await admin.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'bench' }));
    await admin.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] }));
    const m2m = (await admin.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['api/read'],
    }))).UserPoolClient!;
    const web = (await admin.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK],
    }))).UserPoolClient!;
    await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bench-user', MessageAction: 'SUPPRESS', TemporaryPassword: PASSWORD }));
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'bench-user', Password: PASSWORD, Permanent: true }));

    const base = `${server.url}/_auth/bench`;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: web.ClientId!, redirect_uri: CALLBACK, scope: 'openid email', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
    // Sign in once through the form; the session cookie then authorizes without it.
    const form = await request(`${base}/login?${query}`, 'GET', {});
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const csrfCookie = String(form.headers['set-cookie']![0]).split(';')[0]!;
    const signedIn = await request(`${base}/login?${query}`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie }, new URLSearchParams({ _csrf: csrf, username: 'bench-user', password: PASSWORD }).toString());
    const session = signedIn.headers['set-cookie']!.map((c) => c.split(';')[0]!).find((c) => c.startsWith('cognito='))!;

    const sMs = signMs();
    console.log(`server ${server.url}, pid ${server.pid}; ${SECONDS} s per level; RS256 sign ${sMs.toFixed(3)} ms CPU on this machine`);

    const codes: string[] = [];
    const exchanges: Result[] = [];
    for (const c of LEVELS) {
      // Enough codes for this level at up to 1,500 exchanges a second, made before the clock starts.
      codes.length = 0;
      for (let i = 0; i < (SECONDS + WARMUP) * 1500 + c; i++) {
        const a = await request(`${base}/oauth2/authorize?${query}`, 'GET', { cookie: session });
        codes.push(new URL(String(a.headers.location)).searchParams.get('code')!);
      }
      exchanges.push(
        await run(server, c, async () => {
          const code = codes.pop();
          if (code === undefined) throw new Error('out of codes: raise the pre-made count');
          const r = await request(`${base}/oauth2/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({
            grant_type: 'authorization_code', client_id: web.ClientId!, code, redirect_uri: CALLBACK, code_verifier: verifier,
          }).toString());
          if (r.status !== 200) throw new Error(`exchange: ${r.status} ${r.body}`);
        }),
      );
      exchanges.push(await floorRun(c, 2, new URLSearchParams({ grant_type: 'authorization_code', client_id: web.ClientId!, code: codes[0] ?? '', redirect_uri: CALLBACK, code_verifier: verifier }).toString()));
    }
    print('authorization_code exchanges (PKCE; access + ID token)', exchanges, 1000 / (2 * sMs));

    const basic = `Basic ${Buffer.from(`${m2m.ClientId}:${m2m.ClientSecret}`).toString('base64')}`;
    const grants: Result[] = [];
    for (const c of LEVELS) {
      grants.push(
        await run(server, c, async () => {
          const r = await request(`${base}/oauth2/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, 'grant_type=client_credentials&scope=api%2Fread');
          if (r.status !== 200) throw new Error(`client_credentials: ${r.status} ${r.body}`);
        }),
      );
      grants.push(await floorRun(c, 1, 'grant_type=client_credentials&scope=api%2Fread'));
    }
    print('client_credentials grants (one access token)', grants, 1000 / sMs);
  } finally {
    agent.destroy();
    await floor.stop();
    await server.stop();
  }
}

await main();
