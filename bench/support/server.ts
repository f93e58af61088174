/**
 * Runs Gatehouse in a child process for benchmarks, so the server's CPU time and memory can
 * be read apart from the load generator's (from /proc, Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = { accessKeyId: 'AKIAGATEHOUSEBENCH01', secretAccessKey: 'gatehouse-bench-root-secret-key-000000000' };
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLK_TCK = 100;

/**
 * Sums `read` over a process and its children (Linux /proc): with GATEHOUSE_WORKERS the server
 * is a primary and its workers. A process that exits between the listing and the read counts 0.
 */
function sumOverTree(pid: number, read: (p: number) => number): number {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // No children file (kernel without CONFIG_PROC_CHILDREN): the process alone.
  }
  return [pid, ...children].reduce((total, p) => {
    try {
      return total + read(p);
    } catch {
      return total;
    }
  }, 0);
}

/** User + system CPU milliseconds of a process and its children; `kernel`: system time only. */
export function treeCpuMs(pid: number, part: 'all' | 'kernel' = 'all'): number {
  return sumOverTree(pid, (p) => {
    const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
    return (((part === 'all' ? s[11]! : 0) + s[12]!) * 1000) / CLK_TCK;
  });
}

/** CPU milliseconds per thread of one process, by thread name (summed over threads of one name). */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = t === String(pid) ? 'main' : raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      const s = raw.slice(raw.lastIndexOf(') ') + 2).split(' ').map(Number);
      out.set(name, (out.get(name) ?? 0) + ((s[11]! + s[12]!) * 1000) / CLK_TCK);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return out;
}

export interface BenchServer {
  url: string;
  pid: number;
  dataDir: string;
  /** User + system CPU milliseconds the server process (and its workers) have used so far. */
  cpuMs(): number;
  /** Resident memory now, MiB. */
  rssMiB(): number;
  /** Peak resident memory (VmHWM), MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/**
 * Starts the compiled server (`npm run build` first) on a free port with a fresh data dir;
 * `nodeArgs` go to node (e.g. `--cpu-prof` to profile the server). For looking into a figure:
 * `BENCH_NODE_ARGS='--trace-gc'` adds node flags, `BENCH_SERVER_ENV='{"GATEHOUSE_LOG_LEVEL":"warn"}'`
 * server settings, `BENCH_SERVER_LOG=<file>` keeps its log.
 */
export async function startBenchServer(env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<BenchServer> {
  const cli = path.join(repo, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` before benchmarks');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), ...nodeArgs, cli, 'serve'], {
    env: {
      ...process.env,
      GATEHOUSE_PORT: '0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
      GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      // Measured as deployed: the default level logs one line per request.
      GATEHOUSE_LOG_LEVEL: 'info',
      ...env,
      ...(process.env.BENCH_SERVER_ENV ? (JSON.parse(process.env.BENCH_SERVER_ENV) as Record<string, string>) : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The port is free-picked; the ready log line says which.
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const watch = (c: Buffer): void => {
      buf += c.toString();
      const m = /"url":"(http:[^"]+)"|gatehouse ready at (http:\S+)/.exec(buf);
      if (m) resolve((m[1] ?? m[2])!);
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${buf.slice(-2000)}`)));
  });
  // BENCH_SERVER_LOG=<file> keeps the server's log lines (to find what a failed request hit).
  if (process.env.BENCH_SERVER_LOG) child.stdout!.pipe(fs.createWriteStream(process.env.BENCH_SERVER_LOG));
  else child.stdout!.resume();
  child.stderr!.pipe(process.stderr);
  const pid = child.pid!;
  const statusOf = (p: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return {
    url,
    pid,
    dataDir,
    cpuMs: () => treeCpuMs(pid),
    rssMiB: () => sumOverTree(pid, (p) => statusOf(p, 'VmRSS')),
    peakRssMiB: () => sumOverTree(pid, (p) => statusOf(p, 'VmHWM')),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
