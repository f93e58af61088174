/**
 * `gatehouse backup` of a running server under write load, then `gatehouse restore` into an
 * empty data dir and a server started on it: every write acknowledged before the backup began is
 * there (objects byte for byte, users who can still sign in, so the sealed secrets came with
 * their key), every object the restored metadata lists can be read, and a damaged backup or a
 * non-empty target is refused.
 */
import { AdminCreateUserCommand, AdminGetUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from './support/gatehouse.js';

const repo = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-backup-'));
  dirs.push(d);
  return d;
}

function gatehouse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src', 'cli.ts'), ...args], { cwd: repo, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const bodyOf = (i: number): string => `object ${i} `.repeat(50 + (i % 7) * 100);

describe('backup under write load, then restore', () => {
  it('keeps every acknowledged write and refuses a damaged backup or a non-empty target', async () => {
    const server = await startServer();
    servers.push(server);
    const s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    await s3.send(new CreateBucketCommand({ Bucket: 'backed-up' }));
    const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'backed-up' }))).UserPool!.Id!;
    const client = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;

    const acked: { object: number[]; user: number[] } = { object: [], user: [] };
    let stop = false;
    let n = 0;
    // Objects created, one key overwritten and one created-and-deleted over and over (blobs come
    // and go under the backup), users created with a permanent password.
    const load = (async () => {
      while (!stop) {
        const i = n++;
        await s3.send(new PutObjectCommand({ Bucket: 'backed-up', Key: `k/${i}`, Body: bodyOf(i) }));
        acked.object.push(i);
        await s3.send(new PutObjectCommand({ Bucket: 'backed-up', Key: 'hot', Body: bodyOf(i) }));
        await s3.send(new PutObjectCommand({ Bucket: 'backed-up', Key: 'flicker', Body: bodyOf(i) }));
        await s3.send(new DeleteObjectCommand({ Bucket: 'backed-up', Key: 'flicker' }));
        if (i % 3 === 0) {
          await idp.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: `user${i}`, MessageAction: 'SUPPRESS' }));
          await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: `user${i}`, Password: `Passw0rd!${i}`, Permanent: true }));
          acked.user.push(i);
        }
      }
    })();
    while (acked.object.length < 20) await new Promise((r) => setTimeout(r, 20));

    const objectsBefore = [...acked.object];
    const usersBefore = [...acked.user];
    const dir = path.join(tempDir(), 'backup');
    const b = await gatehouse(['backup', dir, '--data-dir', server.dataDir]);
    const writesDuring = acked.object.length - objectsBefore.length;
    stop = true;
    await load;
    expect(b.stderr.split('\n').filter((l) => l.startsWith('gatehouse:'))).toEqual([]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^backed up .* into .*: \d+ files and \d+ object files in \d+ ms\n$/);
    // The load really ran while the backup did.
    expect(writesDuring).toBeGreaterThan(0);

    const target = path.join(tempDir(), 'restored');
    const r = await gatehouse(['restore', dir, '--data-dir', target]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`into ${target}`);
    const again = await gatehouse(['restore', dir, '--data-dir', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty: restore only into an empty data dir');

    const restored = await startServer({ GATEHOUSE_DATA_DIR: target });
    servers.push(restored);
    const s3r = new S3Client({ endpoint: restored.url, region: REGION, credentials: restored.credentials, forcePathStyle: true });
    const idpr = new CognitoIdentityProviderClient({ endpoint: restored.url, region: REGION, credentials: restored.credentials });
    for (const i of objectsBefore) {
      const o = await s3r.send(new GetObjectCommand({ Bucket: 'backed-up', Key: `k/${i}` }));
      expect(await o.Body!.transformToString()).toBe(bodyOf(i));
    }
    // Whatever the snapshot lists, it can serve.
    const listed = (await s3r.send(new ListObjectsV2Command({ Bucket: 'backed-up', MaxKeys: 1000 }))).Contents ?? [];
    expect(listed.length).toBeGreaterThanOrEqual(objectsBefore.length);
    for (const o of listed) await (await s3r.send(new GetObjectCommand({ Bucket: 'backed-up', Key: o.Key! }))).Body!.transformToString();
    for (const i of usersBefore) expect((await idpr.send(new AdminGetUserCommand({ UserPoolId: pool, Username: `user${i}` }))).UserStatus).toBe('CONFIRMED');
    const u = usersBefore[0]!;
    const auth = await idpr.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: `user${u}`, PASSWORD: `Passw0rd!${u}` } }));
    expect(auth.AuthenticationResult?.IdToken).toBeDefined();

    // A backup whose database was altered is refused before anything is written.
    fs.appendFileSync(path.join(dir, 'gatehouse.db'), 'tampered');
    const empty = path.join(tempDir(), 'never');
    const bad = await gatehouse(['restore', dir, '--data-dir', empty]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('gatehouse.db is missing or does not match the manifest');
    expect(fs.existsSync(empty)).toBe(false);
  });
});
