/**
 * Time from `npm start` to the server's ready line on an unchanged checkout (dist/ current), next
 * to the floors measured in the same run: a bare `node` start, a bare `npm` start, and the built
 * server started by node directly (what npm adds is the difference). Also times what a start
 * cost before `prepare` built at install: a full rebuild (`npm run build`) — each restart paid it.
 * Each start uses a fresh data dir after one warm-up, and a second start on that data dir (root
 * key and migrations already there) — the restart case.
 *
 *   npx tsx bench/start.ts [runs=5]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 5);

function timeToReady(cmd: string, args: string[], dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const env = { ...process.env, GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_LOG_LEVEL: 'info' };
    const child = spawn(cmd, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let ready = false;
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (!ready && out.includes('gatehouse ready at')) {
        ready = true;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.once('exit', () => resolve(ms));
        process.kill(-child.pid!, 'SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => ready || reject(new Error(`${cmd} ${args.join(' ')} exited ${code} before ready:\n${out}`)));
  });
}

function timeSync(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: repo, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function series(label: string, cmd: string, args: string[]): Promise<void> {
  const first: number[] = [];
  const again: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-start-'));
    try {
      const a = await timeToReady(cmd, args, dir);
      const b = await timeToReady(cmd, args, dir);
      if (i > 0) {
        first.push(a);
        again.push(b);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`${label.padEnd(38)} first start ${median(first).toFixed(0).padStart(5)} ms   restart ${median(again).toFixed(0).padStart(5)} ms   (median of ${runs})`);
}

// The build must be current, or `npm start` measures a rebuild.
spawnSync(process.execPath, [path.join(repo, 'scripts', 'start.mjs'), '--version'], { cwd: repo, stdio: 'inherit' });
console.log(`floors: node -e 0 ${median(Array.from({ length: runs }, () => timeSync(process.execPath, ['-e', '0']))).toFixed(0)} ms, ` +
  `npm --version ${median(Array.from({ length: runs }, () => timeSync('npm', ['--version']))).toFixed(0)} ms`);
await series('node dist/cli.js serve (no npm)', process.execPath, ['dist/cli.js', 'serve']);
await series('npm start (unchanged checkout)', 'npm', ['start']);
console.log(`npm run build (what every start paid before prepare): ${timeSync('npm', ['run', 'build']).toFixed(0)} ms`);
