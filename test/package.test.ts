/**
 * How Gatehouse starts as a user meets it: `npm start` on a built checkout starts the built
 * server without compiling (the build happens once, at `npm ci`, through `prepare`), an edited
 * source is noticed by its content hash, and the packed package (`npm pack`) carries what a
 * start needs — dist/, the models, the web assets — and nothing of the source tree, and starts
 * from a directory of its own with only its declared runtime dependencies beside it.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBuildCurrent, sourceHash } from '../scripts/source-hash.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const ROOT = { accessKeyId: 'AKIAGATEHOUSEPKGTEST', secretAccessKey: 'gatehouse-package-test-secret-0000000000' };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pkg-'));
  dirs.push(d);
  return d;
}

interface Started {
  url: string;
  output: string;
  stop(): Promise<void>;
}

/** Runs a command that serves, waits for the ready line, gives back the URL and everything printed. */
function startUntilReady(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GATEHOUSE_PORT: '0', GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey, ...env },
      detached: true,
    });
    let output = '';
    let ready = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no ready line within 30 s:\n${output}`));
    }, 30_000);
    const onData = (b: Buffer): void => {
      output += b.toString();
      const m = /gatehouse ready at (http:\/\/[^\s"]+)/.exec(output);
      if (m && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          get output() {
            return output;
          },
          async stop() {
            process.kill(-child.pid!, 'SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code} before ready:\n${output}`));
      }
    });
  });
}

async function callerArn(url: string): Promise<string | undefined> {
  const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: ROOT });
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
}

describe('the source hash that tells a current build from a stale one', () => {
  function tree(): string {
    const d = tempDir();
    fs.mkdirSync(path.join(d, 'src', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(d, 'src', 'a.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(d, 'src', 'sub', 'b.ts'), 'export const b = 2;\n');
    fs.writeFileSync(path.join(d, 'tsconfig.json'), '{}');
    fs.writeFileSync(path.join(d, 'tsconfig.build.json'), '{}');
    return d;
  }

  it('changes with any edit, addition or rename under src/ and with the tsconfig, not with mtimes', () => {
    const d = tree();
    const h0 = sourceHash(d);
    expect(h0).toMatch(/^[0-9a-f]{64}$/);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(d, 'src', 'a.ts'), later, later);
    expect(sourceHash(d)).toBe(h0);
    fs.writeFileSync(path.join(d, 'src', 'a.ts'), 'export const a = 3;\n');
    const h1 = sourceHash(d);
    expect(h1).not.toBe(h0);
    fs.renameSync(path.join(d, 'src', 'sub', 'b.ts'), path.join(d, 'src', 'sub', 'c.ts'));
    expect(sourceHash(d)).not.toBe(h1);
    fs.writeFileSync(path.join(d, 'tsconfig.build.json'), '{"compilerOptions":{}}');
    expect(sourceHash(d)).not.toBe(h1);
  });

  it('calls a checkout without a recorded hash, or with another one, not current', () => {
    const d = tree();
    expect(isBuildCurrent(d)).toBe(false);
    fs.mkdirSync(path.join(d, 'dist'));
    fs.writeFileSync(path.join(d, 'dist', '.source-hash'), 'f'.repeat(64) + '\n');
    expect(isBuildCurrent(d)).toBe(false);
    fs.writeFileSync(path.join(d, 'dist', '.source-hash'), (sourceHash(d)) + '\n');
    expect(isBuildCurrent(d)).toBe(true);
  });
});

describe('npm start and the packed package', () => {
  beforeAll(() => {
    // CI's `npm ci` built dist/ through `prepare`; a developer's worktree may not have yet.
    if (!isBuildCurrent(repo)) {
      const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    }
  }, 180_000);

  it('npm start on an unchanged checkout starts the built server without compiling', async () => {
    const s = await startUntilReady('npm', ['start'], repo, { GATEHOUSE_DATA_DIR: tempDir() });
    try {
      expect(s.output).not.toContain('rebuilding');
      expect(await callerArn(s.url)).toBe('arn:aws:iam::000000000000:root');
    } finally {
      await s.stop();
    }
  });

  it('packs dist/, models and web assets and nothing of the source tree, and the package starts on its own', async () => {
    const dest = tempDir();
    const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [packed] = JSON.parse(r.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = packed.files.map((f) => f.path);
    for (const needed of ['dist/cli.js', 'dist/app.js', 'dist/.source-hash', 'models/cognito-idp.json', 'models/s3.json', 'models/lambda.json', 'runtime/lambda-bootstrap.mjs', 'scripts/start.mjs', 'package.json', 'README.md']) {
      expect(files).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('web/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|bench|docs|\.ci|node_modules)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);

    // "Install" it: the tarball unpacked as node_modules/gatehouse of an app, with links to the
    // repository's copies of only the runtime dependencies it declares (so an import of a
    // devDependency would fail here), and its bin linked as npm links it.
    const app = tempDir();
    const modules = path.join(app, 'node_modules');
    fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
    expect(spawnSync('tar', ['-xzf', path.join(dest, packed.filename), '-C', app]).status).toBe(0);
    fs.renameSync(path.join(app, 'package'), path.join(modules, 'gatehouse'));
    const manifest = JSON.parse(fs.readFileSync(path.join(modules, 'gatehouse', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies)) {
      fs.mkdirSync(path.dirname(path.join(modules, dep)), { recursive: true });
      fs.symlinkSync(path.join(repo, 'node_modules', dep), path.join(modules, dep));
    }
    const bin = path.join(modules, 'gatehouse', manifest.bin.gatehouse!);
    fs.chmodSync(bin, 0o755);
    fs.symlinkSync(bin, path.join(modules, '.bin', 'gatehouse'));

    const version = spawnSync(path.join(modules, '.bin', 'gatehouse'), ['--version'], { cwd: app, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe((JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version);
    const s = await startUntilReady(path.join(modules, '.bin', 'gatehouse'), ['serve'], app, { GATEHOUSE_DATA_DIR: path.join(app, 'data') });
    try {
      // An STS call parses through the package's own models/sts.json.
      expect(await callerArn(s.url)).toBe('arn:aws:iam::000000000000:root');
      expect((await fetch(`${s.url}/_gatehouse/health`)).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
