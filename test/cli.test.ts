/**
 * The `gatehouse` command as a user meets it (`serve`, `outbox`): run as a child process from
 * source, with a fresh data dir. First start prints the generated root credentials once and
 * the ready line; help, unknown flags, bad environment and an unusable data dir give clear
 * messages naming the variable, never a stack trace; SIGTERM shuts down cleanly.
 */
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startServe } from './support/cli-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
  dirs.push(d);
  return d;
}

const run = runCli;
const serve = (env: Record<string, string>) => startServe(env);

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

describe('gatehouse serve', () => {
  it('--help lists every flag with the variable it mirrors', async () => {
    const r = await run(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const v of ['--port', 'GATEHOUSE_PORT', '--data-dir', 'GATEHOUSE_DATA_DIR', '--smtp-url', 'GATEHOUSE_SMTP_URL', 'GATEHOUSE_ROOT_ACCESS_KEY_ID']) expect(r.stdout).toContain(v);
  });

  it.each([
    [['serve', '--bogus'], {}, "Unknown option '--bogus'"],
    [['serve', 'extra'], {}, "Unexpected argument 'extra'"],
    [['serve'], { GATEHOUSE_PORT: 'http' }, 'bad configuration: GATEHOUSE_PORT: "http" is not a port number'],
    [['serve', '--region', 'mars'], {}, 'bad configuration: GATEHOUSE_REGION: "mars" is not an AWS region name'],
    [['serve'], { GATEHOUSE_ROOT_ACCESS_KEY_ID: 'AKIAEXAMPLE000000000' }, 'bad configuration: GATEHOUSE_ROOT_SECRET_ACCESS_KEY: set both'],
    [['serve'], { GATEHOUSE_LOG_LEVEL: 'loud' }, 'bad configuration: GATEHOUSE_LOG_LEVEL: must be one of'],
    [['nonsense'], {}, 'unknown command "nonsense"'],
  ])('%j with %j: exit 2 and "%s"', async (args, env, message) => {
    const r = await run(args, { GATEHOUSE_DATA_DIR: tempDir(), ...env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gatehouse: ${message}`);
    noStack(r.stderr);
  });

  it('names GATEHOUSE_DATA_DIR when the data dir cannot be used', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, '');
    const r = await run(['serve'], { GATEHOUSE_DATA_DIR: path.join(file, 'data') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gatehouse: GATEHOUSE_DATA_DIR: ENOTDIR/);
    noStack(r.stderr);
    const broken = tempDir();
    fs.writeFileSync(path.join(broken, 'master.key'), 'short\n');
    const r2 = await run(['serve'], { GATEHOUSE_DATA_DIR: broken });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('bad configuration: GATEHOUSE_DATA_DIR: ');
    expect(r2.stderr).toContain('master.key does not hold a 32-byte base64 key');
    noStack(r2.stderr);
  });

  it('names GATEHOUSE_PORT when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await run(['serve', '--port', String(port)], { GATEHOUSE_DATA_DIR: tempDir() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`gatehouse: GATEHOUSE_PORT: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('prints generated root credentials on first start only, then the ready line; SIGTERM stops it cleanly', async () => {
    const dataDir = tempDir();
    const first = await serve({ GATEHOUSE_DATA_DIR: dataDir });
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'root-credentials.json'), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    const shown = first.output().stderr;
    expect(shown).toContain('Generated root credentials (shown once');
    expect(shown).toContain(`AWS_ACCESS_KEY_ID=${saved.accessKeyId}`);
    expect(shown).toContain(`AWS_SECRET_ACCESS_KEY=${saved.secretAccessKey}`);
    // The secret is printed for the user, never logged.
    expect(first.output().stdout).not.toContain(saved.secretAccessKey);
    const ready = first.output().stdout.split('\n').filter((l) => l.includes('"event":"ready"'));
    expect(ready).toHaveLength(1);
    expect(JSON.parse(ready[0]!)).toMatchObject({ msg: `gatehouse ready at ${first.url}`, url: first.url, mail: 'outbox' });
    expect((await fetch(`${first.url}/_gatehouse/health`)).status).toBe(200);
    const stopped = await first.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('"event":"shutdown"');

    const second = await serve({ GATEHOUSE_DATA_DIR: dataDir });
    expect(second.output().stderr).not.toContain('Generated root credentials');
    expect(second.output().stderr).not.toContain(saved.secretAccessKey);
    expect((await second.stop('SIGINT')).code).toBe(0);
  });

  it('prints generated credentials even when the first start then fails, and `gatehouse credentials` prints them again', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dataDir = tempDir();
    try {
      const r = await run(['serve', '--port', String(port)], { GATEHOUSE_DATA_DIR: dataDir });
      expect(r.code).toBe(2);
      const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'root-credentials.json'), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
      expect(r.stderr).toContain(`AWS_ACCESS_KEY_ID=${saved.accessKeyId}`);
      expect(r.stderr).toContain(`AWS_SECRET_ACCESS_KEY=${saved.secretAccessKey}`);
      expect(r.stderr).toContain('already in use');

      const again = await run(['credentials', '--data-dir', dataDir]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`AWS_ACCESS_KEY_ID=${saved.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${saved.secretAccessKey}\n`);
      const json = await run(['credentials', '--json'], { GATEHOUSE_DATA_DIR: dataDir });
      expect(JSON.parse(json.stdout)).toEqual(saved);
      const none = await run(['credentials', '--data-dir', tempDir()]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('no root credentials in');
    } finally {
      blocker.close();
    }
  });

  it('says the ready line on stderr when the log level hides it', async () => {
    const s = await serve({ GATEHOUSE_DATA_DIR: tempDir(), GATEHOUSE_LOG_LEVEL: 'warn' });
    expect(s.output().stderr).toContain(`gatehouse ready at ${s.url}`);
    expect((await s.stop()).code).toBe(0);
  });
});

describe('gatehouse outbox', () => {
  it('prints the messages of a running server, oldest first, and filters by recipient', async () => {
    const dataDir = tempDir();
    const root = { accessKeyId: 'AKIACLITEST000000001', secretAccessKey: 'cli-test-root-secret-key-000000000000000' };
    const s = await serve({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: root.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey });
    try {
      const idp = new CognitoIdentityProviderClient({ endpoint: s.url, region: 'us-east-1', credentials: root });
      const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'cli', AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
      const client = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'app' }))).UserPoolClient!.ClientId!;
      for (const name of ['ann', 'bob']) {
        await idp.send(new SignUpCommand({ ClientId: client, Username: name, Password: 'Passw0rd!x', UserAttributes: [{ Name: 'email', Value: `${name}@example.com` }] }));
      }
      const all = await run(['outbox', '--url', s.url], { GATEHOUSE_DATA_DIR: dataDir });
      expect(all.code).toBe(0);
      const headers = all.stdout.split('\n').filter((l) => l.startsWith('--- '));
      expect(headers.map((h) => / email to (\S+?):/.exec(h)?.[1])).toEqual(['ann@example.com', 'bob@example.com']);
      expect(all.stdout).toMatch(/\d{6}/);
      const bob = await run(['outbox', '--url', s.url, '--to', 'bob@example.com'], { GATEHOUSE_DATA_DIR: dataDir });
      expect(bob.stdout.split('\n').filter((l) => l.startsWith('--- '))).toHaveLength(1);
      expect(bob.stdout).toContain('email to bob@example.com');
    } finally {
      await s.stop();
    }
  });

  it('gives clear messages for bad flags and an absent server', async () => {
    const bad = await run(['outbox', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("gatehouse: Unknown option '--bogus'");
    noStack(bad.stderr);
    const absent = await run(['outbox', '--url', 'http://127.0.0.1:1']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toBe('gatehouse: no Gatehouse answers at http://127.0.0.1:1 (set --url or GATEHOUSE_PUBLIC_URL)\n');
    const env = await run(['outbox'], { GATEHOUSE_PORT: 'x' });
    expect(env.stderr).toContain('bad configuration: GATEHOUSE_PORT');
    noStack(env.stderr);
  });
});
