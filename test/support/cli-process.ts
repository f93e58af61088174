/**
 * The `gatehouse` command run as a user runs it: a child process from source (tsx), with an
 * environment holding nothing of the caller's GATEHOUSE_* and AWS settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repo, 'src', 'cli.ts');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment without the caller's GATEHOUSE_* and AWS settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

/** Runs the command to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repo, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface Serving {
  url: string;
  child: ChildProcess;
  /** Everything printed so far. */
  output: () => Run;
  /** Sends `signal` (SIGTERM by default) and resolves with the output once the process exited. */
  stop: (signal?: NodeJS.Signals) => Promise<Run>;
}

/** Starts `serve` (on a free port unless `env` says otherwise) and waits for the ready line. */
export async function startServe(env: Record<string, string>, args: string[] = []): Promise<Serving> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', ...args], { cwd: repo, env: cleanEnv({ GATEHOUSE_PORT: '0', ...env }) });
  const out: Run = { code: null, signal: null, stdout: '', stderr: '' };
  const exited = new Promise<Run>((resolve) => child.on('exit', (code, signal) => resolve({ ...out, code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const watch = (): void => {
      const m = /gatehouse ready at (http:\/\/[^\s"]+)/.exec(out.stdout + out.stderr);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', (c: Buffer) => ((out.stdout += c.toString()), watch()));
    child.stderr!.on('data', (c: Buffer) => ((out.stderr += c.toString()), watch()));
    void exited.then((r) => reject(new Error(`serve exited (${r.code}): ${r.stderr}`)));
  });
  return {
    url,
    child,
    output: () => ({ ...out }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
