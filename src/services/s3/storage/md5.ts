/**
 * MD5, the ETag of every object and part, computed off the event loop for large bodies.
 *
 * OpenSSL's MD5 is inherently serial and runs at ~600 MB/s on one core: on the thread that also
 * reads the socket, checks the signature and writes the file, it alone would hold a large PUT
 * well below the disk's speed. So bodies of `OFFLOAD_BYTES` or more are hashed by worker threads
 * while the event loop moves the bytes; smaller ones hash inline, where a message would cost
 * more than the hashing. The bytes are copied into 1 MiB batches whose memory is handed over
 * (transferred, not cloned), and at most `MAX_IN_FLIGHT` bytes per hash wait for a worker, so a
 * slow worker slows the upload instead of growing memory.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** Bodies at least this large are hashed by a worker. */
export const OFFLOAD_BYTES = 4 * 1024 * 1024;
const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 8 * 1024 * 1024;
/** Batches come back from the workers to be refilled: garbage left to a worker's collector grows RSS. */
const MAX_SPARE = 16;

export interface Md5 {
  /** Feeds bytes; `chunk` may be reused at once. Await the result: it is the backpressure. */
  update(chunk: Uint8Array): void | Promise<void>;
  /** The 16-byte digest of everything fed; the same promise when asked again. */
  digest(): Promise<Buffer>;
  /** Forgets an abandoned hash (safe after digest). */
  discard(): void;
}

class InlineMd5 implements Md5 {
  readonly #hash: Hash = createHash('md5');
  #digest: Promise<Buffer> | undefined;
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  digest(): Promise<Buffer> {
    return (this.#digest ??= Promise.resolve(this.#hash.digest()));
  }
  discard(): void {}
}

// CommonJS, evaluated: no file to locate whether Gatehouse runs compiled or from source.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (h === undefined) hashes.set(m.id, (h = createHash('md5')));
    h.update(new Uint8Array(m.bytes, 0, m.length));
    parentPort.postMessage({ op: 'ack', id: m.id, length: m.length, bytes: m.bytes }, [m.bytes]);
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) ?? createHash('md5');
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, digest: h.digest('hex') });
  } else if (m.op === 'discard') {
    hashes.delete(m.id);
  }
});
`;

type WorkerMessage = { op: 'ack'; id: number; length: number; bytes: ArrayBuffer } | { op: 'digest'; id: number; digest: string };

interface Job {
  inFlight: number;
  /** Resolved when in-flight bytes drop below the limit (or the worker failed). */
  drained: (() => void) | undefined;
  resolveDigest: ((digest: Buffer) => void) | undefined;
  rejectDigest: ((err: Error) => void) | undefined;
  failed: Error | undefined;
}

class HashWorker {
  readonly worker: Worker;
  readonly jobs = new Map<number, Job>();
  dead = false;

  constructor(
    onDeath: (w: HashWorker) => void,
    private readonly spare: ArrayBuffer[],
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Idle workers must not keep a process alive that is otherwise done.
    this.worker.unref();
    this.worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
    const die = (err: Error): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      for (const job of this.jobs.values()) fail(job, err);
      this.jobs.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`MD5 worker exited with code ${code}`)));
  }

  #onMessage(m: WorkerMessage): void {
    if (m.op === 'ack' && this.spare.length < MAX_SPARE) this.spare.push(m.bytes);
    const job = this.jobs.get(m.id);
    if (job === undefined) return;
    if (m.op === 'ack') {
      job.inFlight -= m.length;
      if (job.inFlight < MAX_IN_FLIGHT && job.drained !== undefined) {
        const go = job.drained;
        job.drained = undefined;
        go();
      }
    } else {
      this.jobs.delete(m.id);
      job.resolveDigest?.(Buffer.from(m.digest, 'hex'));
    }
  }
}

function fail(job: Job, err: Error): void {
  job.failed = err;
  job.rejectDigest?.(err);
  const go = job.drained;
  job.drained = undefined;
  go?.();
}

function batchFrom(spare: ArrayBuffer[]): ArrayBuffer {
  return spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
}

class OffloadedMd5 implements Md5 {
  /** The batch being filled, taken on the first byte: a request that declares 5 GiB and sends nothing holds none. */
  #memory: ArrayBuffer | undefined;
  #batch = new Uint8Array(0);
  #used = 0;
  #digest: Promise<Buffer> | undefined;
  readonly #job: Job = { inFlight: 0, drained: undefined, resolveDigest: undefined, rejectDigest: undefined, failed: undefined };

  constructor(
    private readonly owner: HashWorker,
    private readonly id: number,
    private readonly spare: ArrayBuffer[],
  ) {
    owner.jobs.set(id, this.#job);
  }

  update(chunk: Uint8Array): void | Promise<void> {
    if (this.#job.failed !== undefined) throw this.#job.failed;
    if (this.#digest !== undefined) throw new Error('MD5 update after digest');
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#memory === undefined) {
        this.#memory = batchFrom(this.spare);
        this.#batch = new Uint8Array(this.#memory);
      }
      const n = Math.min(chunk.length - offset, BATCH_BYTES - this.#used);
      this.#batch.set(chunk.subarray(offset, offset + n), this.#used);
      this.#used += n;
      offset += n;
      if (this.#used === BATCH_BYTES) this.#send();
    }
    if (this.#job.inFlight < MAX_IN_FLIGHT) return;
    return new Promise<void>((resolve) => {
      this.#job.drained = resolve;
    });
  }

  /** Hands the batch over (transferred); the next byte takes another. */
  #send(): void {
    const bytes = this.#memory!;
    const length = this.#used;
    this.#memory = undefined;
    this.#used = 0;
    this.#job.inFlight += length;
    this.owner.worker.postMessage({ op: 'update', id: this.id, bytes, length }, [bytes]);
  }

  /** Returns an unsent batch to the spares. */
  #release(): void {
    if (this.#memory !== undefined && this.spare.length < MAX_SPARE) this.spare.push(this.#memory);
    this.#memory = undefined;
  }

  digest(): Promise<Buffer> {
    return (this.#digest ??= this.#finish());
  }

  /** Sends the last batch, or returns its memory to the spares: either way this hash gives it up, once. */
  #finish(): Promise<Buffer> {
    if (this.#job.failed !== undefined) return Promise.reject(this.#job.failed);
    if (this.#used > 0) this.#send();
    else this.#release();
    return new Promise<Buffer>((resolve, reject) => {
      this.#job.resolveDigest = resolve;
      this.#job.rejectDigest = reject;
      this.owner.worker.postMessage({ op: 'digest', id: this.id });
    });
  }

  discard(): void {
    this.#release();
    if (!this.owner.jobs.delete(this.id)) return;
    if (!this.owner.dead) this.owner.worker.postMessage({ op: 'discard', id: this.id });
  }
}

/**
 * MD5 hashers for one server: inline for small bodies, on a small pool of worker threads
 * (started on first use, one fewer than the cores, at most four) for large ones.
 */
export class Md5Hashers {
  // TypeScript-private rather than #private: the tests stop a worker to see a crash handled.
  private readonly workers: HashWorker[] = [];
  readonly #size: number;
  readonly #spare: ArrayBuffer[] = [];
  #nextId = 1;
  #closed = false;

  constructor(size = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {
    this.#size = size;
  }

  /** A hasher for a body of `expectedBytes`. */
  create(expectedBytes: number): Md5 {
    if (expectedBytes < OFFLOAD_BYTES || this.#closed) return new InlineMd5();
    return new OffloadedMd5(this.#pick(), this.#nextId++, this.#spare);
  }

  /** The least busy worker, starting another while the pool is not full. */
  #pick(): HashWorker {
    let best: HashWorker | undefined;
    for (const w of this.workers) if (best === undefined || w.jobs.size < best.jobs.size) best = w;
    if (best === undefined || (best.jobs.size > 0 && this.workers.length < this.#size)) {
      best = new HashWorker((dead) => {
        const i = this.workers.indexOf(dead);
        if (i >= 0) this.workers.splice(i, 1);
      }, this.#spare);
      this.workers.push(best);
    }
    return best;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
