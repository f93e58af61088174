/**
 * The built-in runner: each function runs in child processes of its own (runtime/
 * lambda-bootstrap.mjs), a few kept warm per function configuration. The server trusts nothing
 * a child sends: results are framed and bounded, console output is kept to a bounded tail, and
 * a child that overruns its timeout, exits, or breaks the framing is killed, never waited on.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ServiceError } from '../../errors.js';

/** Beside src/ and dist/ alike, as models/ is. */
const BOOTSTRAP = fileURLToPath(new URL('../../../runtime/lambda-bootstrap.mjs', import.meta.url));

/** Largest result frame accepted from a child (AWS's 6 MB response plus the envelope). */
const MAX_FRAME = 6 * 1024 * 1024 + 64 * 1024;
/** Console output kept per invocation (the tail; LogType Tail returns its last 4 KB). */
const MAX_LOG = 256 * 1024;
/** A child must be ready within this (start-up of node plus the bootstrap). */
const START_TIMEOUT_MS = 15_000;
const IDLE_MS = 5 * 60_000;
/** Children carry credentials in their environment: retire them well before those expire. */
const MAX_AGE_MS = 45 * 60_000;
const PER_FUNCTION = 4;
const TOTAL = 16;
const MAX_WAITING = 32;

export interface FunctionSpec {
  /** Changes with every code or configuration change: warm children of an old key are not reused. */
  key: string;
  name: string;
  memoryMb: number;
  timeoutMs: number;
  codeDir: string;
  tmpDir: string;
  /** The process environment, credentials included: made when a child starts. */
  environment(): Promise<Record<string, string>>;
}

export interface InvokeRequest {
  requestId: string;
  invokedFunctionArn: string;
  event: unknown;
  clientContext: unknown;
}

export type FunctionErrorDoc = { errorType: string; errorMessage: string; trace?: string[] };

export interface InvokeOutcome {
  /** The result as JSON text, or the error document. */
  payload: string;
  failed: boolean;
  /** START … REPORT, bounded to the last MAX_LOG characters. */
  log: string;
  durationMs: number;
}

class LogTail {
  #parts: string[] = [];
  #size = 0;
  add(s: string): void {
    this.#parts.push(s);
    this.#size += s.length;
    while (this.#size > MAX_LOG && this.#parts.length > 1) this.#size -= this.#parts.shift()!.length;
    if (this.#size > MAX_LOG) {
      this.#parts[0] = this.#parts[0]!.slice(this.#size - MAX_LOG);
      this.#size = MAX_LOG;
    }
  }
  text(): string {
    return this.#parts.join('');
  }
}

interface Pending {
  id: string;
  log: LogTail;
  result?: { ok: boolean; payload?: string; error?: FunctionErrorDoc };
  sawEnd: boolean;
  done(outcome: { ok: boolean; payload?: string; error?: FunctionErrorDoc } | 'timeout' | { exit: string }): void;
}

class Worker {
  readonly born = Date.now();
  readonly child: ChildProcess;
  dead = false;
  #frames = Buffer.alloc(0);
  #carry = '';
  #pending: Pending | undefined;
  #ready: Promise<void>;
  #idle: NodeJS.Timeout | undefined;

  constructor(spec: FunctionSpec, env: Record<string, string>) {
    this.child = spawn(process.execPath, [`--max-old-space-size=${spec.memoryMb}`, BOOTSTRAP], {
      cwd: spec.codeDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.#ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
    const startTimer = setTimeout(() => this.kill(), START_TIMEOUT_MS);
    (this.child.stdio[3] as Readable).on('data', (c: Buffer) => this.#onFrames(c, readyResolve));
    this.child.stdout!.on('data', (c: Buffer) => this.#onStdout(c.toString('utf8')));
    this.child.stderr!.on('data', (c: Buffer) => this.#pending?.log.add(c.toString('utf8')));
    (this.child.stdin as Writable).on('error', () => this.kill());
    (this.child.stdio[3] as Readable).on('error', () => this.kill());
    this.child.on('error', () => this.kill());
    this.child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      this.dead = true;
      readyReject(new Error('exited'));
      this.#pending?.done({ exit: signal !== null ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code ?? 0}` });
    });
    this.#ready.then(() => clearTimeout(startTimer), () => undefined);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  kill(): void {
    clearTimeout(this.#idle);
    if (!this.dead) this.child.kill('SIGKILL');
    this.dead = true;
  }

  idleFor(ms: number, onExpire: () => void): void {
    this.#idle = setTimeout(onExpire, ms);
    this.#idle.unref();
  }

  busy(): void {
    clearTimeout(this.#idle);
  }

  #onFrames(chunk: Buffer, ready: () => void): void {
    this.#frames = Buffer.concat([this.#frames, chunk]);
    while (this.#frames.length >= 4) {
      const n = this.#frames.readUInt32BE(0);
      if (n > MAX_FRAME) return this.kill();
      if (this.#frames.length < 4 + n) return;
      let doc: { ready?: boolean; id?: string; ok?: boolean; payload?: string; error?: FunctionErrorDoc };
      try {
        doc = JSON.parse(this.#frames.subarray(4, 4 + n).toString('utf8')) as typeof doc;
      } catch {
        return this.kill();
      }
      this.#frames = this.#frames.subarray(4 + n);
      if (doc.ready === true) ready();
      else if (this.#pending !== undefined && doc.id === this.#pending.id && !this.#pending.result) {
        const p = this.#pending;
        p.result = { ok: doc.ok === true, payload: typeof doc.payload === 'string' ? doc.payload : 'null', error: sanitize(doc.error) };
        // Output printed just before the result may still be in the stdout pipe: wait for the end marker, briefly.
        if (p.sawEnd) p.done(p.result);
        else setTimeout(() => this.#pending === p && p.done(p.result!), 100).unref();
      } else return this.kill();
    }
  }

  #onStdout(text: string): void {
    const all = this.#carry + text;
    const p = this.#pending;
    const marker = p === undefined ? -1 : all.indexOf(`\u0000gatehouse-end ${p.id}\n`);
    if (p !== undefined && marker >= 0) {
      p.log.add(all.slice(0, marker));
      p.sawEnd = true;
      this.#carry = '';
      if (p.result) p.done(p.result);
      return;
    }
    // Keep a marker's length back in case it is split across chunks.
    const keep = Math.min(all.length, 64);
    p?.log.add(all.slice(0, all.length - keep));
    this.#carry = all.slice(all.length - keep);
  }

  invoke(req: InvokeRequest, timeoutMs: number, log: LogTail): Promise<Parameters<Pending['done']>[0]> {
    return new Promise((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        finish('timeout');
        this.kill();
      }, timeoutMs);
      const finish = (o: Parameters<Pending['done']>[0]): void => {
        if (this.#pending?.id !== id) return;
        clearTimeout(timer);
        if (this.#carry !== '' && o !== 'timeout') log.add(this.#carry.replace(/\u0000gatehouse-end [^\n]*\n?/, ''));
        this.#carry = '';
        this.#pending = undefined;
        resolve(o);
      };
      this.#pending = { id, log, sawEnd: false, done: finish };
      const body = Buffer.from(JSON.stringify({ id, requestId: req.requestId, invokedFunctionArn: req.invokedFunctionArn, event: req.event, clientContext: req.clientContext, deadline: Date.now() + timeoutMs }));
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      (this.child.stdin as Writable).write(Buffer.concat([head, body]));
    });
  }
}

function sanitize(e: FunctionErrorDoc | undefined): FunctionErrorDoc {
  const str = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');
  const out: FunctionErrorDoc = { errorType: str(e?.errorType, 256) || 'Error', errorMessage: str(e?.errorMessage, 64 * 1024) };
  if (Array.isArray(e?.trace)) out.trace = e.trace.slice(0, 100).map((l) => str(l, 1024));
  return out;
}

interface Slot {
  idle: Worker[];
  running: number;
  waiting: ((w: Worker | Error) => void)[];
}

export class Runner {
  readonly #slots = new Map<string, Slot>();
  /** Every live child, busy or idle, so that close() stops them all. */
  readonly #all = new Set<Worker>();
  #total = 0;

  #spawn(spec: FunctionSpec, env: Record<string, string>): Worker {
    const w = new Worker(spec, env);
    this.#all.add(w);
    w.child.on('exit', () => this.#all.delete(w));
    return w;
  }

  async invoke(spec: FunctionSpec, req: InvokeRequest): Promise<InvokeOutcome> {
    const started = Date.now();
    const log = new LogTail();
    log.add(`START RequestId: ${req.requestId} Version: $LATEST\n`);
    let outcome: Parameters<Pending['done']>[0];
    let init = 0;
    const worker = await this.#acquire(spec, () => (init = Date.now()));
    try {
      if (init !== 0) {
        await worker.ready().catch(() => undefined);
        init = Date.now() - init;
      }
      outcome = worker.dead ? { exit: 'exit status 1' } : await worker.invoke(req, Math.max(1, spec.timeoutMs - (Date.now() - started)), log);
    } finally {
      this.#release(spec, worker);
    }
    const durationMs = Date.now() - started;
    let payload: string;
    let failed = true;
    if (outcome === 'timeout') {
      log.add(`${new Date().toISOString()} ${req.requestId} Task timed out after ${(spec.timeoutMs / 1000).toFixed(2)} seconds\n`);
      payload = JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${req.requestId} Error: Task timed out after ${(spec.timeoutMs / 1000).toFixed(2)} seconds` });
    } else if ('exit' in outcome) {
      payload = JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${req.requestId} Error: Runtime exited with error: ${outcome.exit}` });
      log.add(`RequestId: ${req.requestId} Error: Runtime exited with error: ${outcome.exit}\nRuntime.ExitError\n`);
    } else if (outcome.ok) {
      payload = outcome.payload ?? 'null';
      failed = false;
    } else payload = JSON.stringify(outcome.error);
    log.add(`END RequestId: ${req.requestId}\n`);
    const billed = Math.max(1, Math.ceil(durationMs));
    log.add(
      `REPORT RequestId: ${req.requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${spec.memoryMb} MB\t` +
        `${init > 0 ? `Init Duration: ${init.toFixed(2)} ms\t` : ''}\n`,
    );
    return { payload, failed, log: log.text(), durationMs };
  }

  async #acquire(spec: FunctionSpec, onStart: () => void): Promise<Worker> {
    let slot = this.#slots.get(spec.key);
    if (slot === undefined) this.#slots.set(spec.key, (slot = { idle: [], running: 0, waiting: [] }));
    for (let w = slot.idle.pop(); w !== undefined; w = slot.idle.pop()) {
      this.#total--;
      if (!w.dead && Date.now() - w.born < MAX_AGE_MS) {
        w.busy();
        slot.running++;
        this.#total++;
        return w;
      }
      w.kill();
    }
    if (slot.running < PER_FUNCTION && this.#total < TOTAL) {
      slot.running++;
      this.#total++;
      onStart();
      try {
        return this.#spawn(spec, await spec.environment());
      } catch (err) {
        slot.running--;
        this.#total--;
        throw err;
      }
    }
    if (slot.waiting.length >= MAX_WAITING) throw new ServiceError('TooManyRequestsException', 'Rate Exceeded.', 429, { extra: { Reason: 'ConcurrentInvocationLimitExceeded' } });
    const w = await new Promise<Worker | Error>((resolve) => slot.waiting.push(resolve));
    if (w instanceof Error) throw w;
    return w;
  }

  #release(spec: FunctionSpec, w: Worker): void {
    const slot = this.#slots.get(spec.key)!;
    const next = slot.waiting.shift();
    if (next !== undefined && !w.dead) return next(w);
    slot.running--;
    if (w.dead) {
      this.#total--;
      // A waiter may start a new child now that this one is gone.
      if (next !== undefined) {
        slot.running++;
        this.#total++;
        spec.environment().then((env) => next(this.#spawn(spec, env)), (err: Error) => next(err));
      }
      return;
    }
    slot.idle.push(w);
    w.idleFor(IDLE_MS, () => {
      const i = slot.idle.indexOf(w);
      if (i >= 0) {
        slot.idle.splice(i, 1);
        this.#total--;
      }
      w.kill();
    });
  }

  /** Stops the warm children of a function's older configurations (after an update or delete). */
  retire(name: string, keep?: string): void {
    for (const [key, slot] of this.#slots) {
      if (!key.startsWith(`${name}\n`) || key === keep) continue;
      for (const w of slot.idle) w.kill();
      this.#total -= slot.idle.length;
      slot.idle = [];
      if (slot.running === 0) this.#slots.delete(key);
    }
  }

  close(): void {
    for (const w of this.#all) w.kill();
    this.#slots.clear();
    this.#total = 0;
  }
}
