/**
 * Sign-in throughput of the user pool service: complete SRP logins (InitiateAuth
 * USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER) and REFRESH_TOKEN_AUTH grants,
 * over HTTP keep-alive at several concurrency levels, against the compiled server in a child
 * process. Prints rate, server CPU per operation, operations per server-CPU-second and RSS,
 * and the cost of the unavoidable crypto measured on this machine for comparison.
 *
 *   npm run build && npx tsx bench/cognito-idp-login.ts [--seconds 5] [--users 200] [--levels 1,4,16,64]
 *     [--skip-refresh] [--cpu-prof DIR] [--workers N] [--postgres]
 *
 * With --workers N the server runs `serve --workers N` (N processes on one port); CPU and RSS
 * are summed over the primary and its workers, and the per-core floor is multiplied by the
 * cores N processes can use. With --postgres the store is a throw-away PostgreSQL cluster
 * (Debian's postgresql) instead of SQLite, and its CPU per operation is printed beside Gatehouse's.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createDiffieHellman, generateKeyPairSync, getDiffieHellman, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startPostgres } from '../test/support/postgres.js';
import { ROOT, startBenchServer, treeCpuMs, type BenchServer } from './support/server.js';
import { respond, start } from './support/srp-client.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    users: { type: 'string', default: '200' },
    levels: { type: 'string', default: '1,4,16,64' },
    'skip-refresh': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    workers: { type: 'string', default: '1' },
    postgres: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const USERS = Number(values.users);
const LEVELS = values.levels.split(',').map(Number);
const PASSWORD = 'Bench-Passw0rd!';

// Connections are what the cluster spreads over workers: several per level.
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function call<T>(url: URL, op: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}`, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) reject(new Error(`${op}: HTTP ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Challenge {
  ChallengeParameters: { SRP_B: string; SALT: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string };
}
interface Tokens {
  AuthenticationResult: { IdToken: string; AccessToken: string; RefreshToken?: string };
}

async function srpLogin(url: URL, poolName: string, clientId: string, username: string): Promise<Tokens> {
  const s = start();
  const ch = await call<Challenge>(url, 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, SRP_A: s.A } });
  return call<Tokens>(url, 'RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: clientId,
    ChallengeResponses: respond(poolName, s, ch.ChallengeParameters, PASSWORD),
  });
}

let dbCpuMs: (() => number) | undefined;

interface Result {
  concurrency: number;
  ops: number;
  seconds: number;
  cpuMs: number;
  /** CPU of the PostgreSQL server processes, with --postgres. */
  dbCpuMs?: number;
  rss: number;
}

async function run(server: BenchServer, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  // Warm up this level briefly so connection set-up is not measured.
  await Promise.all(Array.from({ length: concurrency }, (_, w) => op(w)));
  const cpu0 = server.cpuMs();
  const db0 = dbCpuMs?.();
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let ops = 0;
  let rss = server.rssMiB();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < deadline) {
        await op(i);
        i += concurrency;
        ops++;
        if (ops % 200 === 0) rss = Math.max(rss, server.rssMiB());
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const db = db0 === undefined ? {} : { dbCpuMs: dbCpuMs!() - db0 };
  return { concurrency, ops, seconds, cpuMs: server.cpuMs() - cpu0, rss: Math.max(rss, server.rssMiB()), ...db };
}

function print(title: string, results: Result[]): void {
  console.log(`\n${title}`);
  const pg = results.some((r) => r.dbCpuMs !== undefined);
  console.log(`concurrency   ops/s   server CPU ms/op   ops per server-CPU-s   RSS MiB${pg ? '   PostgreSQL CPU ms/op' : ''}`);
  for (const r of results) {
    const perCpuSecond = r.ops / (r.cpuMs / 1000);
    console.log(
      `${String(r.concurrency).padStart(11)} ${(r.ops / r.seconds).toFixed(0).padStart(7)} ${(r.cpuMs / r.ops).toFixed(2).padStart(18)} ${perCpuSecond.toFixed(0).padStart(22)} ${r.rss.toFixed(0).padStart(9)}${r.dbCpuMs === undefined ? '' : (r.dbCpuMs / r.ops).toFixed(2).padStart(23)}`,
    );
  }
}

/** What the unavoidable crypto costs on this machine, in this process (one core). */
function cryptoFloor(): { modexpMs: number; signMs: number } {
  const dh = createDiffieHellman(getDiffieHellman('modp15').getPrime(), Buffer.from([2]));
  const base = randomBytes(384);
  base[0] = 0x7f;
  const n = 300;
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    dh.setPrivateKey(randomBytes(32));
    dh.computeSecret(base);
  }
  const modexpMs = (performance.now() - t) / n;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(900, 1);
  t = performance.now();
  for (let i = 0; i < n; i++) sign('sha256', data, privateKey);
  return { modexpMs, signMs: (performance.now() - t) / n };
}

async function main(): Promise<void> {
  const profile = values['cpu-prof'];
  const pg = values.postgres ? await startPostgres() : undefined;
  const store: Record<string, string> = pg === undefined ? {} : { GATEHOUSE_DATABASE_URL: await pg.newDatabase() };
  if (pg !== undefined) dbCpuMs = () => treeCpuMs(pg.pid());
  const server = await startBenchServer({ GATEHOUSE_LOG_LEVEL: process.env.GATEHOUSE_LOG_LEVEL ?? 'info', GATEHOUSE_WORKERS: values.workers, ...store }, profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]);
  try {
    const url = new URL(server.url);
    const admin = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    const pool = await admin.send(new CreateUserPoolCommand({ PoolName: 'bench' }));
    const poolId = pool.UserPool!.Id!;
    const poolName = poolId.split('_')[1]!;
    const client = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    const clientId = client.UserPoolClient!.ClientId!;
    const usernames = Array.from({ length: USERS }, (_, i) => `bench-user-${i}`);
    for (const u of usernames) {
      await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: u, MessageAction: 'SUPPRESS', TemporaryPassword: PASSWORD }));
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: u, Password: PASSWORD, Permanent: true }));
    }
    console.log(`server ${server.url}, pid ${server.pid}; ${USERS} users; ${SECONDS} s per level; RSS after setup ${server.rssMiB().toFixed(0)} MiB`);

    const floor = cryptoFloor();
    const srpFloor = 3 * floor.modexpMs + 2 * floor.signMs;
    console.log(
      `crypto on this machine: 3072-bit modexp (256-bit exponent) ${floor.modexpMs.toFixed(2)} ms, RS256 sign ${floor.signMs.toFixed(2)} ms` +
        ` -> SRP login floor ${srpFloor.toFixed(2)} ms (${(1000 / srpFloor).toFixed(0)}/s per core), refresh floor ${(2 * floor.signMs).toFixed(2)} ms (${(1000 / (2 * floor.signMs)).toFixed(0)}/s per core)`,
    );
    const cores = Math.min(Number(values.workers), os.availableParallelism());
    console.log(`${values.workers} worker(s) on ${os.availableParallelism()} cores: ceiling ${((cores * 1000) / srpFloor).toFixed(0)} SRP logins/s (floor x ${cores} cores, load generator not counted)`);

    const refreshTokens: string[] = [];
    const srp: Result[] = [];
    for (const c of LEVELS) {
      srp.push(
        await run(server, c, async (i) => {
          const t = await srpLogin(url, poolName, clientId, usernames[i % USERS]!);
          if (refreshTokens.length < USERS && t.AuthenticationResult.RefreshToken !== undefined) refreshTokens.push(t.AuthenticationResult.RefreshToken);
        }),
      );
    }
    print('SRP logins (InitiateAuth + RespondToAuthChallenge)', srp);

    const refresh: Result[] = [];
    for (const c of values['skip-refresh'] ? [] : LEVELS) {
      refresh.push(
        await run(server, c, (i) =>
          call<Tokens>(url, 'InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshTokens[i % refreshTokens.length]! } }),
        ),
      );
    }
    if (refresh.length > 0) print('REFRESH_TOKEN_AUTH grants', refresh);
    console.log(`\npeak server RSS (VmHWM) ${server.peakRssMiB().toFixed(0)} MiB`);
  } finally {
    agent.destroy();
    await server.stop();
    pg?.stop();
  }
}

await main();
