/**
 * Identity Pools credential exchanges: GetId + GetCredentialsForIdentity (the enhanced flow
 * every SDK credential provider runs), per second and per second of server CPU, against the
 * compiled server in a child process (`npm run build` first). Users and their logins are made
 * before timing: User Pool users signed in for ID tokens (default), or developer-provider
 * users with GetOpenIdTokenForDeveloperIdentity tokens (`--logins developer`). Half the users
 * log in once to warm the server up; the other half's first login (identity created, login
 * linked) is timed; then the steady state (identities exist, logins linked) at each concurrency. The role's trust policy is a real
 * Cognito one, so STS evaluates it on every exchange. Prints figures, judges nothing.
 *
 *   npm run build && npx tsx bench/cognito-identity.ts [--logins userpool|developer] [--users N] [--seconds S]
 *     [--concurrency 1,4,16,64] [--profile DIR]   (DIR receives the server's --cpu-prof profile)
 */
import http from 'node:http';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetOpenIdTokenForDeveloperIdentityCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ROOT, startBenchServer, type BenchServer } from './support/server.js';
import { userPoolLogins } from './support/user-pool-logins.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const MODE = args.get('logins') ?? 'userpool';
const USERS = Number(args.get('users') ?? 800);
const SECONDS = Number(args.get('seconds') ?? 5);
const CONCURRENCY = (args.get('concurrency') ?? '1,4,16,64').split(',').map(Number);
const PROFILE = args.get('profile');
const REGION = 'us-east-1';

interface Login {
  key: string;
  token: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

/** A public (unsigned) Cognito Identity call, as browsers make them. */
function call(url: string, op: string, body: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}`, 'content-length': Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          if (res.statusCode === 200) resolve(json);
          else reject(new Error(`${op}: ${res.statusCode} ${JSON.stringify(json)}`));
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function exchange(url: string, poolId: string, login: Login): Promise<void> {
  const Logins = { [login.key]: login.token };
  const { IdentityId } = await call(url, 'GetId', { IdentityPoolId: poolId, Logins });
  const out = await call(url, 'GetCredentialsForIdentity', { IdentityId, Logins });
  const c = out.Credentials as { AccessKeyId?: string } | undefined;
  if (c?.AccessKeyId?.startsWith('ASIA') !== true) throw new Error(`no credentials: ${JSON.stringify(out)}`);
}

async function setup(server: BenchServer): Promise<{ poolId: string; logins: Login[] }> {
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: ROOT });
  const identity = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: ROOT });
  const dev = 'login.bench.app';
  const up = MODE === 'userpool' ? await userPoolLogins(server.url, USERS) : undefined;
  const pool = await identity.send(
    new CreateIdentityPoolCommand({
      IdentityPoolName: 'bench',
      AllowUnauthenticatedIdentities: false,
      DeveloperProviderName: dev,
      ...(up === undefined ? {} : { CognitoIdentityProviders: [{ ProviderName: up.providerName, ClientId: up.clientId }] }),
    }),
  );
  const poolId = pool.IdentityPoolId!;
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': poolId }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
      },
    ],
  };
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'Cognito_BenchAuth_Role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: poolId, Roles: { authenticated: role.Role!.Arn! } }));
  let logins: Login[];
  if (up !== undefined) {
    logins = up.idTokens.map((token) => ({ key: up.providerName, token }));
  } else {
    logins = [];
    for (let i = 0; i < USERS; i++) {
      // TokenDuration long enough to outlast the run.
      const t = await identity.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: poolId, Logins: { [dev]: `user-${i}` }, TokenDuration: 86_400 }));
      logins.push({ key: 'cognito-identity.amazonaws.com', token: t.Token! });
    }
  }
  return { poolId, logins };
}

async function run(server: BenchServer, poolId: string, logins: Login[], concurrency: number, seconds: number): Promise<{ rate: number; perCpuSecond: number; cpuMsPerExchange: number }> {
  let n = 0;
  const cpu0 = server.cpuMs();
  const t0 = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (Date.now() < end) {
        await exchange(server.url, poolId, logins[i % logins.length]!);
        i += concurrency;
        n++;
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = server.cpuMs() - cpu0;
  return { rate: n / wall, perCpuSecond: (n / cpu) * 1000, cpuMsPerExchange: cpu / n };
}

async function main(): Promise<void> {
  // Measured as deployed: the default log level writes one line per request.
  const server = await startBenchServer({}, PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`]);
  try {
    const { poolId, logins } = await setup(server);
    console.log(`cognito-identity bench: ${logins.length} users with ${MODE === 'userpool' ? 'User Pool ID tokens' : 'developer tokens'}, ${SECONDS}s per step, server pid ${server.pid}`);

    // Half the users log in first to warm the server up; the other half's first login is timed.
    const half = Math.floor(logins.length / 2);
    for (let i = 0; i < half; i += 16) await Promise.all(logins.slice(i, Math.min(i + 16, half)).map((l) => exchange(server.url, poolId, l)));
    const cpu0 = server.cpuMs();
    const t0 = Date.now();
    for (let i = half; i < logins.length; i += 16) await Promise.all(logins.slice(i, i + 16).map((l) => exchange(server.url, poolId, l)));
    const firstCpu = server.cpuMs() - cpu0;
    const firsts = logins.length - half;
    console.log(
      `first login (identity created, login linked), concurrency 16, ${firsts} users: ${((firsts / (Date.now() - t0)) * 1000).toFixed(0)} exchanges/s, ${((firsts / firstCpu) * 1000).toFixed(0)} per server-CPU-second`,
    );

    console.log('steady state: GetId + GetCredentialsForIdentity');
    console.log('concurrency  exchanges/s  per server-CPU-s  server CPU ms/exchange  RSS MiB');
    for (const c of CONCURRENCY) {
      await run(server, poolId, logins, c, 1);
      const r = await run(server, poolId, logins, c, SECONDS);
      console.log(`${String(c).padStart(11)}  ${r.rate.toFixed(0).padStart(11)}  ${r.perCpuSecond.toFixed(0).padStart(16)}  ${r.cpuMsPerExchange.toFixed(3).padStart(22)}  ${server.rssMiB().toFixed(0).padStart(7)}`);
    }
    console.log(`peak RSS ${server.peakRssMiB().toFixed(0)} MiB`);
  } finally {
    agent.destroy();
    await server.stop();
  }
}

await main();
