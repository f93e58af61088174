/**
 * Object bytes on disk. Every blob is written to a temporary file, fsynced, renamed into place
 * and its directory fsynced, so a crash leaves either no file or a whole one; the metadata row
 * that makes an object visible is written only after that. File names are random ids, never
 * derived from keys, so no key (`../../etc/passwd`, 1024 bytes, any Unicode) reaches a path.
 *
 * Blobs share one directory so that concurrent writers share its fsync (group commit): a
 * directory fsync covers every rename that finished before it started.
 * @module
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

const p = <T>(fn: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));

/** Writes are gathered to this size before going to the file, so large uploads make few syscalls. */
const FLUSH_BYTES = 1024 * 1024;
/** How much a large blob may have unsynced before a background fdatasync starts. */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;
/**
 * A temporary file untouched this long belongs to no live writer: a write in progress touches its
 * file at least every socket idle timeout (2 min), or the connection is cut and the file removed.
 */
const ABANDONED_MS = 60 * 60 * 1000;
/** Descriptors kept open for small-object reads. */
const OPEN_FDS = 256;

export class BlobStore {
  readonly #objects: string;
  readonly #tmp: string;

  constructor(root: string) {
    this.#objects = path.join(root, 'objects');
    this.#tmp = path.join(root, 'tmp');
    fs.mkdirSync(this.#objects, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.#tmp, { recursive: true, mode: 0o700 });
    sweepAbandoned(this.#tmp);
    this.#dirSync = new DirSync(this.#objects);
  }

  readonly #dirSync: DirSync;
  /** Open descriptors of small blobs recently read, oldest first. */
  readonly #fds = new Map<string, number>();

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  path(id: string): string {
    return path.join(this.#objects, id);
  }

  /** A writer for a new blob; nothing is visible until `commit` resolves. */
  writer(): BlobWriter {
    const id = this.newId();
    return new BlobWriter(id, path.join(this.#tmp, id), this.path(id), this.#dirSync);
  }

  /**
   * Small objects are read synchronously in one read of their known size: cheaper than a
   * threadpool round trip per step. Descriptors of recently read blobs stay open (blobs never
   * change once written; `remove` closes them), which saves the open and close.
   */
  readSync(id: string, size: number): Buffer {
    let fd = this.#fds.get(id);
    if (fd === undefined) {
      fd = fs.openSync(this.path(id), 'r');
      if (this.#fds.size >= OPEN_FDS) {
        const [oldId, oldFd] = this.#fds.entries().next().value as [string, number];
        this.#fds.delete(oldId);
        fs.closeSync(oldFd);
      }
      this.#fds.set(id, fd);
    }
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, buf, off, size - off, off);
      if (n === 0) throw new Error(`blob ${id} is shorter than its recorded size`);
      off += n;
    }
    return buf;
  }

  /** Closes cached descriptors (server shutdown). */
  close(): void {
    for (const fd of this.#fds.values()) fs.closeSync(fd);
    this.#fds.clear();
  }

  /** Streams `[start, end]` (inclusive) of a blob. */
  stream(id: string, start: number, end: number): Readable {
    return fs.createReadStream(this.path(id), { start, end, highWaterMark: 256 * 1024 });
  }

  /** A durable copy of `[start, end]` of a blob (the whole blob when no range), as a new blob. */
  async copy(id: string, range?: { start: number; end: number }): Promise<string> {
    const w = this.writer();
    try {
      const size = range === undefined ? (await p<fs.Stats>((cb) => fs.stat(this.path(id), cb))).size : range.end - range.start + 1;
      if (size > 0) {
        for await (const chunk of this.stream(id, range?.start ?? 0, range?.end ?? size - 1) as AsyncIterable<Buffer>) await w.write(chunk);
      }
      await w.commit();
      return w.id;
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /**
   * Removes blobs whose metadata rows are gone. Never fails: the rows are already gone, and a
   * file that could not be removed is unreferenced garbage, not an error for the request.
   */
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const fd = this.#fds.get(id);
      if (fd !== undefined) {
        this.#fds.delete(id);
        fs.closeSync(fd);
      }
    }
    await Promise.all(
      ids.map((id) =>
        p<void>((cb) => fs.unlink(this.path(id), (err) => cb(err && err.code !== 'ENOENT' ? err : null, undefined))).catch(() => undefined),
      ),
    );
  }
}

export class BlobWriter {
  #fd: number | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #position = 0;
  #done = false;

  constructor(
    readonly id: string,
    private readonly tmpPath: string,
    private readonly finalPath: string,
    private readonly dirSync: DirSync,
  ) {}

  /** Bytes accepted so far. */
  get size(): number {
    return this.#position + this.#pendingBytes;
  }

  /** Queues bytes; resolves once they are safe to reuse (written when the batch is full). */
  async write(chunk: Buffer): Promise<void> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= FLUSH_BYTES) await this.#flush();
  }

  async #open(): Promise<number> {
    if (this.#fd === undefined) this.#fd = await p<number>((cb) => fs.open(this.tmpPath, 'wx', 0o600, cb));
    return this.#fd;
  }

  /**
   * Large blobs start going to disk while the rest still arrives: an fdatasync every 32 MiB,
   * not awaited, so the final fsync has little left to write instead of the whole object.
   */
  #earlySync: Promise<void> | undefined;
  #syncedTo = 0;

  #startEarlySync(fd: number): void {
    if (this.#earlySync !== undefined || this.#position - this.#syncedTo < EARLY_SYNC_BYTES) return;
    const upTo = this.#position;
    this.#earlySync = p<void>((cb) => fs.fdatasync(fd, cb)).then(
      () => {
        this.#syncedTo = upTo;
        this.#earlySync = undefined;
      },
      () => {
        this.#earlySync = undefined;
      },
    );
  }

  async #flush(): Promise<void> {
    const fd = await this.#open();
    let buffers = this.#pending;
    this.#pending = [];
    let remaining = this.#pendingBytes;
    this.#pendingBytes = 0;
    while (remaining > 0) {
      const written = await p<number>((cb) => fs.writev(fd, buffers, this.#position, cb));
      this.#position += written;
      remaining -= written;
      if (remaining > 0) buffers = dropBytes(buffers, written);
    }
    this.#startEarlySync(fd);
  }

  /** Flushes, fsyncs, renames into place and fsyncs the directory: the blob is now durable. */
  async commit(): Promise<void> {
    if (this.#done) throw new Error('blob writer already finished');
    await this.#flush();
    const fd = await this.#open();
    if (this.#earlySync !== undefined) await this.#earlySync;
    await p<void>((cb) => fs.fsync(fd, cb));
    await p<void>((cb) => fs.close(fd, cb));
    this.#fd = undefined;
    await p<void>((cb) => fs.rename(this.tmpPath, this.finalPath, cb));
    this.#done = true;
    await this.dirSync.sync();
  }

  /** Drops the temporary file; safe to call at any point, and after commit it does nothing. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#pending = [];
    if (this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      if (this.#earlySync !== undefined) await this.#earlySync;
      await p<void>((cb) => fs.close(fd, cb)).catch(() => undefined);
    }
    await p<void>((cb) => fs.unlink(this.tmpPath, (err) => cb(err && err.code !== 'ENOENT' ? err : null, undefined))).catch(() => undefined);
  }
}

/** Coalesces directory fsyncs: callers that renamed while one was running share the next. */
class DirSync {
  #current: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  /** Resolves once a directory fsync that started after this call has finished. */
  sync(): Promise<void> {
    if (this.#next !== undefined) return this.#next;
    if (this.#current === undefined) return (this.#current = this.#run());
    const next = this.#current
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return (this.#current = this.#run());
      });
    this.#next = next;
    return next;
  }

  #run(): Promise<void> {
    const done: Promise<void> = (async () => {
      const fd = await p<number>((cb) => fs.open(this.dir, 'r', cb));
      try {
        await p<void>((cb) => fs.fsync(fd, cb));
      } finally {
        await p<void>((cb) => fs.close(fd, cb));
      }
    })().finally(() => {
      if (this.#current === done) this.#current = undefined;
    });
    return done;
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}

/**
 * Whatever is in tmp/ was never committed: a crash mid-write leaves it, and nothing refers to it.
 * Other processes (workers, nodes sharing the directory) may be writing there right now, so only
 * files abandoned for an hour go; names are random, so nobody's new file collides with them.
 */
function sweepAbandoned(dir: string): void {
  const cutoff = Date.now() - ABANDONED_MS;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { recursive: true, force: true });
    } catch {
      // Gone already (another process swept it, or its writer committed it).
    }
  }
}
