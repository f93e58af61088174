/**
 * `gatehouse serve --workers N`: N processes serve one port through node:cluster (the primary
 * accepts connections and hands them round-robin to the workers, so one busy process no longer
 * caps a machine with more cores). The primary serves nothing itself. It prepares the data dir
 * and the store once before any worker starts (so workers never race to create keys,
 * credentials or the CA, or to migrate), replaces a worker that dies, and stops them all on
 * SIGTERM/SIGINT. Each worker opens the store as a shared one, exactly as nodes on PostgreSQL
 * do: caches are kept correct by change notices relayed here, and no state lives only in one process.
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './log.js';
import { CHANGE, CHANGE_APPLIED, CHANGE_RELAYED, type ChangeMessage } from './store/changes.js';

/** What a worker sends its primary once it listens. */
export const LISTENING = 'gatehouse:listening';

export interface Workers {
  /** The URL the first worker reported (all listen on the same port). */
  url: string;
  /** Stops every worker (SIGTERM, then SIGKILL after `graceMs`) and resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A worker that dies sooner than this after its start is restarted only after this delay (crash loops). */
const RESTART_BACKOFF_MS = 1000;

/** How long the primary waits for every worker to apply a notice before answering its sender anyway. */
const APPLY_WAIT_MS = 1000;
const applying = new Map<string, { left: Set<Worker>; finish: () => void }>();

/**
 * A worker's change notice (store/changes.ts) goes to every other live worker; the sender hears
 * back once each has said it dropped the entry (or after a bounded wait, for one that is stuck),
 * so it can answer its client knowing no worker will serve the old row.
 */
function relayChange(from: Worker, m: ChangeMessage): void {
  if (typeof m.id !== 'string' || typeof m.topic !== 'string' || applying.has(m.id)) return;
  const id = m.id;
  const notice: ChangeMessage = { type: CHANGE, id, topic: m.topic, key: typeof m.key === 'string' ? m.key : null };
  const left = new Set(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w !== from && w.isConnected()));
  const finish = (): void => {
    clearTimeout(timer);
    applying.delete(id);
    if (from.isConnected()) from.send({ type: CHANGE_RELAYED, id });
  };
  const timer = setTimeout(finish, APPLY_WAIT_MS);
  timer.unref();
  applying.set(id, { left, finish });
  if (left.size === 0) return finish();
  for (const w of left) w.send(notice);
}

function changeApplied(by: Worker, id: unknown): void {
  if (typeof id !== 'string') return;
  const a = applying.get(id);
  if (a === undefined) return;
  a.left.delete(by);
  if (a.left.size === 0) a.finish();
}

/** Tells the primary that this worker listens; a no-op outside a cluster. */
export function reportListening(url: string): void {
  process.send?.({ type: LISTENING, url });
}

export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Starts `count` workers (this same program and arguments) and resolves once every one of
 * them listens. A worker that exits before it listens (a taken port, a store it cannot use)
 * stops the others and rejects: it has said why on stderr itself.
 */
export function startWorkers(count: number, log: Logger): Promise<Workers> {
  let stopping = false;
  const started = new Map<Worker, number>();
  let url: string | undefined;

  const fork = (): Worker => {
    const w = cluster.fork();
    started.set(w, Date.now());
    return w;
  };

  return new Promise<Workers>((resolve, reject) => {
    let listening = 0;
    const onStartupExit = (w: Worker, code: number | null, signal: string | null): void => {
      if (stopping) return;
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      reject(new Error(`worker ${w.process.pid ?? '?'} exited (${signal ?? `code ${code ?? '?'}`}) before it listened`));
    };
    cluster.on('exit', (w, code, signal) => {
      const since = started.get(w) ?? 0;
      started.delete(w);
      if (url === undefined) return onStartupExit(w, code, signal);
      // A clean exit is a shutdown someone asked for (Ctrl-C reaches every process of the group).
      if (stopping || (code === 0 && signal === null)) return;
      log.warn({ event: 'worker.exit', pid: w.process.pid, code, signal }, 'a worker died; starting another');
      const delay = Date.now() - since < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0;
      setTimeout(() => {
        if (!stopping) fork();
      }, delay).unref();
    });
    cluster.on('message', (w, message: unknown) => {
      const m = message as { type?: unknown; url?: unknown };
      if (m?.type === CHANGE) return relayChange(w, message as ChangeMessage);
      if (m?.type === CHANGE_APPLIED) return changeApplied(w, (message as { id?: unknown }).id);
      if (m?.type !== LISTENING || typeof m.url !== 'string') return;
      log.debug({ event: 'worker.listening', pid: w.process.pid }, 'worker listening');
      if (url !== undefined) return;
      listening += 1;
      if (listening < count) return;
      url = m.url;
      resolve({ url, stop: (graceMs) => stopAll(graceMs) });
    });
    for (let i = 0; i < count; i++) fork();
  });

  async function stopAll(graceMs = 15_000): Promise<void> {
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((done) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
            w.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
  }
}
