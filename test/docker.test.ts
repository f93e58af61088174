/**
 * The Dockerfile and docker-compose.yml, checked without building an image (this machine has no
 * Docker): the build runs the README's install (`npm ci`, whose `prepare` compiles), the image
 * starts what `npm start` starts, copies everything the package ships, runs as a non-root user
 * with the data dir as a volume, and its health check — run here as written — passes against a
 * live server and fails against none. The compose file wires Gatehouse's SMTP to its mail catcher.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startServer, type TestServer } from './support/gatehouse.js';

const repo = path.resolve(import.meta.dirname, '..');
const dockerfile = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions per stage, continuation lines joined, comments dropped. */
function stages(text: string): Instruction[][] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const l of lines) {
    const [op, ...rest] = l.split(/\s+/);
    if (op!.toUpperCase() === 'FROM') out.push([]);
    out.at(-1)!.push({ op: op!.toUpperCase(), args: rest.join(' ') });
  }
  return out;
}

const [build, runtime] = stages(dockerfile) as [Instruction[], Instruction[]];
const exec = (args: string): string[] => JSON.parse(args) as string[];

/** Runs a command to its end without blocking the event loop (the server under test is in this process). */
function exitCode(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(cmd, args, { stdio: 'ignore', timeout: 30_000 }).on('exit', (code) => resolve(code)));
}

describe('Dockerfile', () => {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('builds with the README\'s install and starts what npm start starts', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(pkg.scripts.prepare).toBe(pkg.scripts.build);
    expect(build.filter((i) => i.op === 'RUN').some((i) => /(^|&&\s*)npm ci\b/.test(i.args))).toBe(true);
    const cmd = runtime.find((i) => i.op === 'CMD')!;
    expect(exec(cmd.args)).toEqual(pkg.scripts.start!.split(' '));
  });

  it('copies what the build needs from the repository and what the package ships into the image', () => {
    for (const i of build.filter((x) => x.op === 'COPY')) {
      const parts = i.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) expect(fs.existsSync(path.join(repo, src)), `${src} exists`).toBe(true);
    }
    const copied = runtime.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build')).map((i) => i.args.split(/\s+/)[1]!.replace(/^\/app\//, ''));
    for (const f of pkg.files.filter((x) => x !== 'README.md')) {
      expect(copied.some((c) => f === c || f.startsWith(`${c}/`)), `${f} is copied into the image`).toBe(true);
    }
    expect(copied).toContain('node_modules');
    const ignored = fs.readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.gatehouse']));
  });

  it('runs as a non-root user with the data dir as a volume, listening on all interfaces', () => {
    const user = runtime.find((i) => i.op === 'USER')!.args;
    expect(user).not.toMatch(/^(root|0)$/);
    expect(runtime.some((i) => i.op === 'VOLUME' && exec(i.args).includes('/data'))).toBe(true);
    const env = runtime.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain('GATEHOUSE_DATA_DIR=/data');
    expect(env).toContain('GATEHOUSE_HOST=0.0.0.0');
  });

  it('has a health check that passes against a live server and fails against none', async () => {
    const hc = runtime.find((i) => i.op === 'HEALTHCHECK')!;
    const argv = exec(hc.args.slice(hc.args.indexOf('CMD') + 3).trim());
    expect(argv[0]).toBe('node');
    const port = new URL(server!.url).port;
    expect(await exitCode(process.execPath, argv.slice(1).map((a) => a.replace('127.0.0.1:4566', `127.0.0.1:${port}`)))).toBe(0);
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    expect(await exitCode(process.execPath, argv.slice(1).map((a) => a.replace('127.0.0.1:4566', `127.0.0.1:${free}`)))).toBe(1);
  });
});

describe('docker-compose.yml', () => {
  it('builds Gatehouse from this directory, keeps its data in a volume and sends its mail to the mail catcher', () => {
    const compose = parseYaml(fs.readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { build?: string; image?: string; environment?: Record<string, string>; volumes?: string[]; ports?: string[] }>;
      volumes: Record<string, unknown>;
    };
    const g = compose.services.gatehouse!;
    expect(g.build).toBe('.');
    expect(g.ports).toContain('4566:4566');
    const smtp = new URL(g.environment!.GATEHOUSE_SMTP_URL!);
    expect(smtp.protocol).toBe('smtp:');
    expect(Object.keys(compose.services)).toContain(smtp.hostname);
    expect(g.volumes!.some((v) => v.endsWith(':/data') && Object.keys(compose.volumes).includes(v.split(':')[0]!))).toBe(true);
  });
});
