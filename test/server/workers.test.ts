/**
 * `gatehouse serve --workers 2`: two processes on one port and one SQLite file behave as one
 * server. Clients open a new connection per request, so the primary's round robin hands
 * consecutive requests of one flow to alternating workers (the request log lines say which
 * process answered). Lockout and single use hold across workers; a worker killed with SIGKILL
 * in the middle of a load is replaced, acknowledged objects survive whole, and SIGTERM stops
 * every process.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type Serving } from '../support/cli-process.js';
import { errorOf } from '../support/errors.js';
import { REGION, ROOT } from '../support/gatehouse.js';

const PASSWORD = 'Corr3ct-Horse!';
let server: Serving;
let dataDir: string;
let poolId: string;
let clientId: string;

/** A new connection for every request: the cluster spreads connections, not requests. */
const oneShot = (): NodeHttpHandler =>
  // A connection the primary handed to a worker as it was killed is never answered: like any
  // client behind a balancer, give up on it and retry.
  new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }), requestTimeout: 5000, throwOnRequestTimeout: true });
const idp = (): CognitoIdentityProviderClient => new CognitoIdentityProviderClient({ region: REGION, endpoint: server.url, credentials: ROOT, requestHandler: oneShot() });
const s3 = (): S3Client => new S3Client({ region: REGION, endpoint: server.url, credentials: ROOT, forcePathStyle: true, requestHandler: oneShot() });

interface LogLine {
  msg?: string;
  op?: string;
  pid?: number;
  worker?: number;
  event?: string;
  status?: number;
}
function logLines(): LogLine[] {
  return server
    .output()
    .stdout.split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}
/** The processes that answered requests of this operation. */
function answeredBy(op: string): number[] {
  return logLines()
    .filter((l) => l.msg === 'request' && l.op === op)
    .map((l) => l.pid!);
}
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** fetch over a connection of its own, closed after the answer. */
const oneShotFetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
  return new Promise<Response>((resolve, reject) => {
    const req = http.request(String(input), { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, agent: new http.Agent({ keepAlive: false }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: res.headers as Record<string, string> })));
    });
    req.on('error', reject);
    req.end(body);
  });
}) as typeof globalThis.fetch;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-workers-'));
  server = await startServe({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey }, ['--workers', '2']);
  const pool = await idp().send(new CreateUserPoolCommand({ PoolName: 'workers' }));
  poolId = pool.UserPool!.Id!;
  const client = await idp().send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
  );
  clientId = client.UserPoolClient!.ClientId!;
}, 60_000);

afterAll(async () => {
  if (process.env.DEBUG_WORKERS) console.log(server?.output().stdout.split('\n').filter((l) => !l.includes('"msg":"request"')).join('\n'), server?.output().stderr);
  await server?.stop('SIGKILL');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function userWithPassword(username: string): Promise<void> {
  await idp().send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS' }));
  await idp().send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
}

describe('gatehouse serve --workers 2', () => {
  it('says the ready line once, with the number of workers, after both listen', () => {
    const ready = logLines().filter((l) => l.event === 'ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ workers: 2 });
    expect(logLines().filter((l) => l.msg === 'worker listening' || l.event === 'sms.destination').length).toBeGreaterThanOrEqual(2);
  });

  it('spreads requests over both workers, and five wrong passwords on either lock the user', async () => {
    await userWithPassword('locked');
    const anonymous = new CognitoIdentityProviderClient({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' }, requestHandler: oneShot() });
    const attempt = (password: string) => anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'locked', PASSWORD: password } }));
    const before = answeredBy('cognito-idp.InitiateAuth').length;
    for (let i = 0; i < 5; i++) expect(await errorOf(attempt('Wrong-Passw0rd!'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(await errorOf(attempt(PASSWORD))).toMatchObject({ name: 'NotAuthorizedException', message: 'Password attempts exceeded' });
    await until('six request lines', () => answeredBy('cognito-idp.InitiateAuth').length >= before + 6);
    expect(new Set(answeredBy('cognito-idp.InitiateAuth').slice(before)).size).toBe(2);
  });

  it('signs in with SRP through amazon-cognito-identity-js when its two steps land on different workers', async () => {
    await userWithPassword('srp');
    const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: server.url });
    const start = { initiate: answeredBy('cognito-idp.InitiateAuth').length, respond: answeredBy('cognito-idp.RespondToAuthChallenge').length };
    const fetch = globalThis.fetch;
    // The library calls the global fetch, which keeps its connection (and so its worker): give
    // it one connection per request, as a browser behind a load balancer may see.
    globalThis.fetch = oneShotFetch;
    try {
      for (let i = 0; i < 4; i++) {
        const user = new CognitoUser({ Username: 'srp', Pool: pool });
        const session = await new Promise<{ isValid(): boolean }>((resolve, reject) =>
          user.authenticateUser(new AuthenticationDetails({ Username: 'srp', Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }),
        );
        expect(session.isValid()).toBe(true);
      }
    } finally {
      globalThis.fetch = fetch;
    }
    await until('eight request lines', () => answeredBy('cognito-idp.RespondToAuthChallenge').length >= start.respond + 4);
    const initiated = answeredBy('cognito-idp.InitiateAuth').slice(start.initiate);
    const answered = answeredBy('cognito-idp.RespondToAuthChallenge').slice(start.respond);
    expect(initiated.some((pid, i) => pid !== answered[i])).toBe(true);
  });

  it('shows a client changed through one worker to the next request on the other', async () => {
    await userWithPassword('changing');
    const attempt = () => idp().send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'changing', PASSWORD } }));
    // Both workers have the client as it is in their caches.
    for (let i = 0; i < 4; i++) expect((await attempt()).AuthenticationResult?.AccessToken).toBeTruthy();
    await idp().send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    for (let i = 0; i < 4; i++) expect(await errorOf(attempt())).toMatchObject({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    await idp().send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    for (let i = 0; i < 4; i++) expect((await attempt()).AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('replaces a worker killed in the middle of a load; every acknowledged object is whole', async () => {
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: 'under-load' }));
    const before = new Set(answeredBy('s3.PutObject'));
    const acknowledged = new Map<string, Buffer>();
    let failures = 0;
    let stop = false;
    const writer = async (n: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `w${n}/${i}`;
        const body = randomBytes(64 * 1024 + i);
        try {
          await client.send(new PutObjectCommand({ Bucket: 'under-load', Key: key, Body: body }));
          acknowledged.set(key, body);
        } catch (err) {
          failures += 1;
          if (process.env.DEBUG_WORKERS) console.log('failed', (err as Error).name, (err as Error).message);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await until('puts on both workers', () => new Set(answeredBy('s3.PutObject').filter((p) => !before.has(p))).size === 2 || answeredBy('s3.PutObject').length > 40);
    const victim = answeredBy('s3.PutObject').at(-1)!;
    process.kill(victim, 'SIGKILL');
    await until('the primary to report the death', () => logLines().some((l) => l.event === 'worker.exit' && l.pid === victim));
    // The replacement answers too: a process that was not serving before.
    const known = new Set([...answeredBy('s3.PutObject'), victim]);
    await until('a new worker to answer', () => answeredBy('s3.PutObject').some((p) => !known.has(p)));
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThan(20);
    // The SDK retries a connection cut by the kill: at most the requests in flight on it fail.
    expect(failures).toBeLessThanOrEqual(4);
    for (const [key, body] of acknowledged) {
      const got = await client.send(new GetObjectCommand({ Bucket: 'under-load', Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    }
  }, 90_000);

  it('SIGTERM stops the primary and every worker', async () => {
    const pids = [...new Set(logLines().filter((l) => l.pid !== undefined).map((l) => l.pid!))].filter(alive);
    expect(pids.length).toBe(2);
    const r = await server.stop('SIGTERM');
    expect(r.code).toBe(0);
    await until('the workers to exit', () => pids.every((p) => !alive(p)), 20_000);
  }, 30_000);
});

describe('gatehouse serve --workers with bad values', () => {
  it('names GATEHOUSE_WORKERS and the accepted values', async () => {
    for (const bad of ['0', '65', 'many', '-1']) {
      const r = await runCli(['serve', `--workers=${bad}`], { GATEHOUSE_DATA_DIR: path.join(os.tmpdir(), 'gatehouse-never-created') });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`GATEHOUSE_WORKERS: "${bad}" is not auto or a whole number from 1 to 64`);
    }
  });
});
