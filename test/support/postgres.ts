/**
 * A throw-away PostgreSQL cluster for tests: initdb in a temporary directory, pg_ctl on a free
 * loopback port, removed afterwards. Debian's `postgresql` package provides the binaries
 * (`.ci/run` installs it); without them this fails loudly, never skips. PostgreSQL refuses to
 * run as root, so as root the cluster runs as the `postgres` system user the package creates.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export interface PostgresCluster {
  /** A database URL for a fresh database in the cluster. */
  newDatabase(): Promise<string>;
  /** The postmaster's pid (its children are the backends), for benchmarks counting its CPU. */
  pid(): number;
  stop(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/initdb (install Debian\'s postgresql package; .ci/run does)');
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0]!, 'bin');
}

let counter = 0;

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    const file = path.join(bin, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe', cwd: dir });
    else execFileSync(file, args, { stdio: 'pipe', cwd: dir });
  };
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['postgres', dir]);
  }
  const port = await freePort();
  const user = 'gatehouse';
  try {
    run('initdb', ['-D', data, '-U', user, '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`, 'start']);
  } catch (err) {
    const e = err as { stderr?: Buffer };
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL cluster: ${e.stderr?.toString() ?? String(err)}`);
  }
  const base = `postgres://${user}@127.0.0.1:${port}`;
  return {
    async newDatabase() {
      const name = `gh_${process.pid}_${++counter}`;
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: `${base}/postgres` });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return `${base}/${name}`;
    },
    pid() {
      return Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
