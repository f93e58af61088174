/**
 * Sign-in with a second factor: an SRP login (InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge
 * PASSWORD_VERIFIER) followed by SOFTWARE_TOKEN_MFA (RespondToAuthChallenge with a TOTP code),
 * against the compiled server in a child process. Prints logins per server-CPU-second next to
 * the crypto ceiling measured in the same run (three 3072-bit modexps and two RS256 signatures
 * per login; the TOTP check is three HMAC-SHA1s, which this counts as free).
 *
 * A TOTP code is accepted once per user and time step, so every login uses a user of its own:
 * `--users` must cover warm-up plus what the levels sign in (the run of a level stops early,
 * and says so, when they run out).
 *
 * Each level is also run against a bare node:http server doing only that crypto, request by
 * request (bench/support/floor-server.mjs): the `node:http floor` rows show how much of the
 * ceiling HTTP itself leaves on this machine.
 *
 *   npm run build && npx tsx bench/cognito-idp-mfa.ts [--seconds 3] [--warmup 1] [--users 2500] [--levels 1,8] [--cpu-prof DIR]
 */
import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createDiffieHellman, generateKeyPairSync, getDiffieHellman, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Secret, TOTP } from 'otpauth';
import { startFloorServer, type FloorServer } from './support/floor.js';
import { ROOT, startBenchServer, type BenchServer } from './support/server.js';
import { respond, start } from './support/srp-client.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    users: { type: 'string', default: '2500' },
    levels: { type: 'string', default: '1,8' },
    'cpu-prof': { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
/** Seconds of logins before each level's clock starts, so the JIT has compiled the path, as in a server up a while. */
const WARMUP = Number(values.warmup);
const USERS = Number(values.users);
const LEVELS = values.levels.split(',').map(Number);
const PASSWORD = 'Bench-Passw0rd!';
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function call<T>(url: URL, op: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}`, 'content-length': Buffer.byteLength(payload) } },
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
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters: { SRP_B: string; SALT: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string };
  AuthenticationResult?: { AccessToken: string };
}

interface BenchUser {
  name: string;
  totp: TOTP;
}

/** SRP, then the TOTP code of the next time step (the current one went to VerifySoftwareToken). */
async function mfaLogin(url: URL, poolName: string, clientId: string, u: BenchUser): Promise<void> {
  const s = start();
  const ch = await call<Challenge>(url, 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: u.name, SRP_A: s.A } });
  const mfa = await call<Challenge>(url, 'RespondToAuthChallenge', { ChallengeName: 'PASSWORD_VERIFIER', ClientId: clientId, ChallengeResponses: respond(poolName, s, ch.ChallengeParameters, PASSWORD) });
  if (mfa.ChallengeName !== 'SOFTWARE_TOKEN_MFA') throw new Error(`expected SOFTWARE_TOKEN_MFA, got ${String(mfa.ChallengeName)}`);
  const code = u.totp.generate({ timestamp: Date.now() + 30_000 });
  const done = await call<Challenge>(url, 'RespondToAuthChallenge', { ChallengeName: 'SOFTWARE_TOKEN_MFA', ClientId: clientId, Session: mfa.Session, ChallengeResponses: { USERNAME: u.name, SOFTWARE_TOKEN_MFA_CODE: code } });
  if (done.AuthenticationResult === undefined) throw new Error('no tokens after SOFTWARE_TOKEN_MFA');
}

/** One login's three requests against the floor server: the crypto of each step and nothing else. */
async function floorLogin(floor: FloorServer, body: string): Promise<void> {
  for (const step of ['modexp=1', 'modexp=2', 'sign=2']) {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${floor.url}/?${step}`, { method: 'POST', agent, headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`floor: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** CPU milliseconds since `from` (this process), so a loaded machine does not inflate the floor. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function cryptoFloorMs(): number {
  const dh = createDiffieHellman(getDiffieHellman('modp15').getPrime(), Buffer.from([2]));
  const base = randomBytes(384);
  base[0] = 0x7f;
  const n = 300;
  let t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    dh.setPrivateKey(randomBytes(32));
    dh.computeSecret(base);
  }
  const modexpMs = cpuSince(t) / n;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(900, 1);
  t = process.cpuUsage();
  for (let i = 0; i < n; i++) sign('sha256', data, privateKey);
  const signMs = cpuSince(t) / n;
  console.log(`crypto on this machine (CPU time): 3072-bit modexp ${modexpMs.toFixed(2)} ms, RS256 sign ${signMs.toFixed(2)} ms`);
  return 3 * modexpMs + 2 * signMs;
}

async function setUp(server: BenchServer): Promise<{ poolName: string; clientId: string; users: BenchUser[] }> {
  const admin = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
  const poolId = (await admin.send(new CreateUserPoolCommand({ PoolName: 'bench-mfa' }))).UserPool!.Id!;
  await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
  const clientId = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bench', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
  const users: BenchUser[] = [];
  for (let i = 0; i < USERS; i += 16) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, USERS - i) }, async (_, j) => {
        const name = `mfa-user-${i + j}`;
        await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: name, MessageAction: 'SUPPRESS' }));
        await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: name, Password: PASSWORD, Permanent: true }));
        // MFA is required and the user has none: the sign-in asks for set-up, done here.
        const setup = await admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD } }));
        const assoc = await admin.send(new AssociateSoftwareTokenCommand({ Session: setup.Session! }));
        const totp = new TOTP({ secret: Secret.fromBase32(assoc.SecretCode!) });
        await admin.send(new VerifySoftwareTokenCommand({ Session: assoc.Session!, UserCode: totp.generate() }));
        return { name, totp };
      }),
    );
    users.push(...batch);
  }
  return { poolName: poolId.split('_')[1]!, clientId, users };
}

async function main(): Promise<void> {
  const profile = values['cpu-prof'];
  const server = await startBenchServer({ GATEHOUSE_LOG_LEVEL: process.env.GATEHOUSE_LOG_LEVEL ?? 'warn' }, profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]);
  const floor = await startFloorServer();
  try {
    const url = new URL(server.url);
    const { poolName, clientId, users } = await setUp(server);
    console.log(`server ${server.url}; ${users.length} users with TOTP; ${SECONDS} s per level`);
    const floorMs = cryptoFloorMs();
    const ceiling = 1000 / floorMs;
    console.log(`crypto ceiling of an SRP + TOTP login: ${floorMs.toFixed(2)} ms -> ${ceiling.toFixed(0)} per CPU-second`);
    let next = 0;
    const row = (label: string, c: number, ops: number, seconds: number, cpuMs: number, note = ''): void => {
      const perCpu = ops / (cpuMs / 1000);
      console.log(
        `${label.padEnd(17)} ${String(c).padStart(11)} ${(ops / seconds).toFixed(0).padStart(10)} ${(cpuMs / ops).toFixed(2).padStart(21)} ${perCpu.toFixed(0).padStart(25)} ${`${((100 * perCpu) / ceiling).toFixed(0)} %`.padStart(16)}${note}`,
      );
    };
    // A body the size of a PASSWORD_VERIFIER answer.
    const floorBody = JSON.stringify({ ChallengeName: 'PASSWORD_VERIFIER', ClientId: clientId, ChallengeResponses: { USERNAME: 'mfa-user-0', PASSWORD_CLAIM_SECRET_BLOCK: 'x'.repeat(1100), TIMESTAMP: 'Fri Dec 4 20:00:00 UTC 2026', PASSWORD_CLAIM_SIGNATURE: 'y'.repeat(44) } });
    console.log('\nserver            concurrency   logins/s   server CPU ms/login   logins per server-CPU-s   of the ceiling');
    for (const c of LEVELS) {
      const warm = performance.now() + WARMUP * 1000;
      await Promise.all(
        Array.from({ length: c }, async () => {
          do await mfaLogin(url, poolName, clientId, users[next++]!);
          while (performance.now() < warm && next < users.length);
        }),
      );
      const cpu0 = server.cpuMs();
      const t0 = performance.now();
      const deadline = t0 + SECONDS * 1000;
      let ops = 0;
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (performance.now() < deadline && next < users.length) {
            await mfaLogin(url, poolName, clientId, users[next++]!);
            ops++;
          }
        }),
      );
      row('gatehouse', c, ops, (performance.now() - t0) / 1000, server.cpuMs() - cpu0, next >= users.length ? '  (ran out of users)' : '');
      const fwarm = performance.now() + WARMUP * 1000;
      await Promise.all(
        Array.from({ length: c }, async () => {
          do await floorLogin(floor, floorBody);
          while (performance.now() < fwarm);
        }),
      );
      const f0 = floor.cpuMs();
      const ft0 = performance.now();
      const fdeadline = ft0 + SECONDS * 1000;
      let fops = 0;
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (performance.now() < fdeadline) {
            await floorLogin(floor, floorBody);
            fops++;
          }
        }),
      );
      row('node:http floor', c, fops, (performance.now() - ft0) / 1000, floor.cpuMs() - f0);
    }
    console.log(`\npeak server RSS (VmHWM) ${server.peakRssMiB().toFixed(0)} MiB`);
  } finally {
    agent.destroy();
    await floor.stop();
    await server.stop();
  }
}

await main();
