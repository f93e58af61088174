/**
 * Declarative set-up as a team meets it: the seed walkthrough's whole set-up in one committed
 * YAML file (test/fixtures/init/seed.yaml), applied at start by GATEHOUSE_INIT before the ready
 * line, used at once through the official clients (a declared user signs in on the fixed client
 * id, trades the ID token for the declared role's credentials, the website serves the uploaded
 * page), applied a second time by `gatehouse apply` with no change, and a changed document
 * updating just what changed. Invalid documents are refused with the path of every problem.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { AdminGetUserCommand, CognitoIdentityProviderClient, DescribeUserPoolClientCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { applyDocument, InitError } from '../src/init/apply.js';
import { loadDocument, validateDocument, type InitDocument } from '../src/init/document.js';
import { REGION, startServer, type TestServer } from './support/gatehouse.js';

const repo = path.resolve(import.meta.dirname, '..');
const cli = path.join(repo, 'src', 'cli.ts');
const seed = path.join(repo, 'test', 'fixtures', 'init', 'seed.yaml');
const ROOT = { accessKeyId: 'AKIAGATEHOUSEINIT001', secretAccessKey: 'gatehouse-init-test-secret-0000000000000' };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey, ...extra };
}

function run(args: string[], extra: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repo, env: env(extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('GATEHOUSE_INIT with the seed walkthrough as one file, then gatehouse apply', () => {
  let url = '';
  let output = '';
  let dataDir = '';
  let stop: () => Promise<void> = () => Promise.resolve();
  let log = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-init-'));
    dirs.push(dataDir);
    output = path.join(dataDir, 'ids.json');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], { cwd: repo, env: env({ GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_INIT: seed, GATEHOUSE_INIT_OUTPUT: output }) });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    stop = async () => {
      child.kill('SIGTERM');
      await exited;
    };
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line:\n${log}`)), 120_000);
      const on = (b: Buffer): void => {
        log += b.toString();
        const m = /gatehouse ready at (http:\/\/[^\s"]+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${log}`)));
    });
  }, 180_000);
  afterAll(() => stop());

  it('applies the document before the ready line and writes the ids', () => {
    expect(log.indexOf('init: ')).toBeGreaterThan(-1);
    expect(log.indexOf('init: ')).toBeLessThan(log.indexOf('gatehouse ready at'));
    expect(log).not.toContain('Passw0rd!');
    expect(fs.statSync(output).mode & 0o777).toBe(0o600);
    const ids = JSON.parse(fs.readFileSync(output, 'utf8')) as { userPools: Record<string, { id: string; clients: Record<string, { id: string; secret?: string }> }>; identityPools: Record<string, { id: string }> };
    expect(ids.userPools['Gatehouse Demo']!.id).toBe('us-east-1_GHdemo001');
    expect(ids.userPools['Gatehouse Demo']!.clients['demo-app']!.id).toBe('4demo0app0client0id0000001');
    expect(ids.userPools['Gatehouse Demo']!.clients.backend!.secret).toBe('backendclientsecret0123456789abcdef');
    expect(ids.identityPools['Gatehouse Demo identities']!.id).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  });

  it('what it declares works through the official clients: sign-in, identity pool credentials, S3, the website', async () => {
    const ids = JSON.parse(fs.readFileSync(output, 'utf8')) as { identityPools: Record<string, { id: string }> };
    const idp = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: ROOT });
    const auth = await idp.send(new InitiateAuthCommand({ ClientId: '4demo0app0client0id0000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }));
    const idToken = auth.AuthenticationResult!.IdToken!;
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ email: 'alice@example.com', email_verified: true, 'cognito:groups': ['admins'] });
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_GHdemo001', Username: 'bob' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');

    const identity = new CognitoIdentityClient({ endpoint: url, region: REGION });
    const logins = { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_GHdemo001': idToken };
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: ids.identityPools['Gatehouse Demo identities']!.id, Logins: logins }));
    const creds = (await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }))).Credentials!;
    const s3 = new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretKey!, sessionToken: creds.SessionToken! } });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('gatehouse-demo-site');

    const page = await fetch(`${url}/_website/gatehouse-demo-site/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Served from the bucket the init file declared.');
  });

  it('a second apply of the same file changes nothing and says so', async () => {
    const r = await run(['apply', seed, '--url', url], { GATEHOUSE_DATA_DIR: dataDir });
    expect(r.stderr).not.toContain('gatehouse:');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^init: nothing to change \(\d+ resources as declared\)$/);
  });
});

describe('apply in detail', () => {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  const target = () => ({ url: server!.url, region: REGION, credentials: server!.credentials, websiteUrl: (b: string) => `http://${b}.s3-website.localhost/`, say: () => undefined });

  it('updates only what a changed document changes', async () => {
    const doc = parseYaml(fs.readFileSync(seed, 'utf8')) as InitDocument;
    const dir = path.dirname(seed);
    const first = await applyDocument(validateDocument(doc, 'seed'), dir, target());
    expect(first.changes.filter((c) => c.action === 'created').map((c) => c.kind)).toEqual(expect.arrayContaining(['user pool', 'app client', 'identity pool', 'role', 'group', 'user', 'bucket']));

    doc.userPools![0]!.clients![0]!.settings = { ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] };
    const second = await applyDocument(validateDocument(doc, 'seed'), dir, target());
    expect(second.changes.filter((c) => c.action !== 'unchanged')).toEqual([{ kind: 'app client', name: 'Gatehouse Demo/demo-app', action: 'updated', detail: '4demo0app0client0id0000001' }]);
    const idp = new CognitoIdentityProviderClient({ endpoint: server!.url, region: REGION, credentials: server!.credentials });
    const client = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: 'us-east-1_GHdemo001', ClientId: '4demo0app0client0id0000001' }))).UserPoolClient!;
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    // Settings not named in the document are kept.
    expect(client.ClientName).toBe('demo-app');
  });

  it('refuses an invalid document with the path of every problem', () => {
    const bad = { userPools: [{ name: 'p', clients: [{ name: 'c', secret: 'short' }], bogus: 1 }], buckets: [{ name: 'UPPER' }] };
    let message = '';
    try {
      validateDocument(bad, 'bad.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(InitError);
      message = (err as Error).message;
    }
    expect(message).toContain('bad.yaml is not a valid Gatehouse init document');
    expect(message).toContain('userPools[0]: must NOT have additional properties (bogus)');
    expect(message).toContain('userPools[0].clients[0].secret: must NOT have fewer than 24 characters');
    expect(message).toContain('buckets[0].name: must match pattern');
  });

  it('names an unknown reference, and a file that is not YAML', async () => {
    const doc: InitDocument = { roles: [{ name: 'R', trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': '${identityPools.nope.id}' } } }] } }] };
    await expect(applyDocument(doc, repo, target())).rejects.toThrow('roles[0].trust.Statement[0].Condition.StringEquals.cognito-identity.amazonaws.com:aud: ${identityPools.nope.id} refers to nothing this document declares');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-init-bad-')), 'x.yaml');
    dirs.push(path.dirname(file));
    fs.writeFileSync(file, 'userPools: [ {name: a\n');
    expect(() => loadDocument(file)).toThrow(/not valid YAML/);
  });

  it('refuses a fixed id from anyone but the root user', async () => {
    const doc: InitDocument = { userPools: [{ name: 'fixed', id: 'us-east-1_Fixed0001' }] };
    // Credentials of someone else: not root, so apply refuses before it changes anything.
    await expect(applyDocument(doc, repo, { ...target(), credentials: { accessKeyId: 'AKIANOTROOT000000000', secretAccessKey: 'x'.repeat(40) } })).rejects.toThrow();
    const r = await fetch(server!.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.CreateUserPool', 'content-type': 'application/x-amz-json-1.1', 'x-gatehouse-user-pool-id': 'us-east-1_Fixed0002' },
      body: JSON.stringify({ PoolName: 'unsigned' }),
    });
    expect(r.status).toBe(400);
  });
});
