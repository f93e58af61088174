/**
 * Three `gatehouse serve` processes on one PostgreSQL and one shared data dir behind a
 * round-robin balancer; one is killed with SIGKILL in the middle of mixed load (S3 uploads,
 * attribute updates, password sign-ins). The other two keep serving, and every write a client
 * saw acknowledged is there afterwards, whole.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../support/balancer.js';
import { startServe, type Serving } from '../support/cli-process.js';
import { REGION, ROOT } from '../support/gatehouse.js';
import { freePort } from '../support/ports.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

const PASSWORD = 'Corr3ct-Horse!';
let cluster: PostgresCluster;
let balancer: Balancer;
let shared: string;
const nodes: Serving[] = [];

const handler = (): NodeHttpHandler => new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }), requestTimeout: 10_000, throwOnRequestTimeout: true });
const config = { region: REGION, credentials: ROOT, maxAttempts: 5, requestHandler: handler() };

beforeAll(async () => {
  cluster = await startPostgres();
  balancer = await startBalancer();
  shared = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-kill-'));
  const env = {
    GATEHOUSE_DATABASE_URL: await cluster.newDatabase(),
    GATEHOUSE_DATA_DIR: shared,
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'),
    GATEHOUSE_PUBLIC_URL: balancer.url,
    GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
    GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    GATEHOUSE_LOG_LEVEL: 'warn',
  };
  const ports = [await freePort(), await freePort(), await freePort()];
  // The first node migrates; the others start together on a migrated store.
  nodes.push(await startServe({ ...env, GATEHOUSE_PORT: String(ports[0]) }));
  nodes.push(...(await Promise.all(ports.slice(1).map((p) => startServe({ ...env, GATEHOUSE_PORT: String(p) })))));
  balancer.nodes = ports.map((p) => `http://127.0.0.1:${p}`);
}, 180_000);

afterAll(async () => {
  for (const n of nodes) await n.stop('SIGKILL');
  await balancer?.close();
  cluster?.stop();
  if (shared) fs.rmSync(shared, { recursive: true, force: true });
});

describe('a node killed under load', () => {
  it('leaves the other two serving, with every acknowledged write intact', async () => {
    const idp = new CognitoIdentityProviderClient({ ...config, endpoint: balancer.url });
    const s3 = new S3Client({ ...config, endpoint: balancer.url, forcePathStyle: true });
    const pool = await idp.send(new CreateUserPoolCommand({ PoolName: 'kill' }));
    const poolId = pool.UserPool!.Id!;
    const client = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    const clientId = client.UserPoolClient!.ClientId!;
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'steady', MessageAction: 'SUPPRESS' }));
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'steady', Password: PASSWORD, Permanent: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'kill-load' }));

    const objects = new Map<string, Buffer>();
    let lastName: string | undefined;
    const done = { signIns: 0, afterKill: 0 };
    const failures: string[] = [];
    let killed = false;
    let stop = false;
    const record = (err: unknown): void => {
      failures.push(`${(err as Error).name}: ${(err as Error).message}`);
    };
    const uploads = async (n: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `u${n}/${i}`;
        const body = randomBytes(16 * 1024 + i);
        try {
          await s3.send(new PutObjectCommand({ Bucket: 'kill-load', Key: key, Body: body }));
          objects.set(key, body);
          if (killed) done.afterKill += 1;
        } catch (err) {
          record(err);
        }
      }
    };
    const updates = async (): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `name ${i}`;
        try {
          await idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: 'steady', UserAttributes: [{ Name: 'name', Value: name }] }));
          lastName = name;
        } catch (err) {
          record(err);
        }
      }
    };
    const signIns = async (): Promise<void> => {
      const anonymous = new CognitoIdentityProviderClient({ ...config, endpoint: balancer.url, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });
      while (!stop) {
        try {
          const r = await anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'steady', PASSWORD } }));
          if (r.AuthenticationResult?.AccessToken) done.signIns += 1;
          if (killed) done.afterKill += 1;
        } catch (err) {
          record(err);
        }
      }
    };
    const load = [uploads(0), uploads(1), updates(), signIns()];
    while (objects.size < 15) await new Promise((r) => setTimeout(r, 50));
    const victim = nodes[1]!;
    const death = await victim.stop('SIGKILL');
    killed = true;
    // What a balancer's health check does a moment later.
    await new Promise((r) => setTimeout(r, 300));
    balancer.down.add(1);
    const until = Date.now() + 3000;
    while (Date.now() < until || done.afterKill < 20) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await Promise.all(load);

    expect(death.signal).toBe('SIGKILL');
    expect(done.afterKill).toBeGreaterThanOrEqual(20);
    expect(done.signIns).toBeGreaterThan(0);
    // Requests cut by the kill come back 502 from the balancer (or as a reset) and the SDK retries them.
    expect(failures).toEqual([]);
    for (const [key, body] of objects) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'kill-load', Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    }
    const user = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'steady' }));
    expect(user.UserAttributes?.find((a) => a.Name === 'name')?.Value).toBe(lastName);
  }, 120_000);
});
