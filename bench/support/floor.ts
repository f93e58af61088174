/**
 * Starts bench/support/floor-server.mjs in a child process: the unavoidable crypto of a request
 * behind a bare node:http server, so a benchmark can print, next to the crypto ceiling, what
 * HTTP on this machine leaves of it (server CPU read from /proc as for Gatehouse).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuMs } from './server.js';

export interface FloorServer {
  url: string;
  pid: number;
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startFloorServer(): Promise<FloorServer> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'floor-server.mjs');
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /floor ready at (http:\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuMs: () => treeCpuMs(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
