import { createHash, randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Md5Hashers, OFFLOAD_BYTES } from '../../../src/services/s3/storage/md5.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('Md5Hashers', () => {
  let hashers: Md5Hashers | undefined;
  afterEach(async () => {
    await hashers?.close();
    hashers = undefined;
  });

  it('hashes bodies at the offload size on a worker, in odd-sized chunks, as OpenSSL does inline', async () => {
    hashers = new Md5Hashers(2);
    const data = randomBytes(OFFLOAD_BYTES * 3 + 12345);
    const h = hashers.create(data.length);
    expect(h.constructor.name).toBe('OffloadedMd5');
    // Chunks that straddle the 1 MiB batches, and a reused buffer: update must copy.
    const scratch = Buffer.alloc(70_001);
    for (let off = 0; off < data.length; off += scratch.length) {
      const n = data.copy(scratch, 0, off, Math.min(off + scratch.length, data.length));
      await h.update(scratch.subarray(0, n));
      scratch.fill(0xee);
    }
    expect((await h.digest()).toString('hex')).toBe(md5(data));
  });

  it('keeps concurrent hashes apart across the pool', async () => {
    hashers = new Md5Hashers(2);
    const bodies = [0, 1, 2, 3].map(() => randomBytes(OFFLOAD_BYTES + 777));
    const digests = await Promise.all(
      bodies.map(async (b) => {
        const h = hashers!.create(b.length);
        for (let off = 0; off < b.length; off += 65536) await h.update(b.subarray(off, off + 65536));
        return (await h.digest()).toString('hex');
      }),
    );
    expect(digests).toEqual(bodies.map(md5));
  });

  it('hashes small bodies inline, and an empty offloaded body as the MD5 of nothing', async () => {
    hashers = new Md5Hashers(1);
    const small = hashers.create(10);
    expect(small.constructor.name).toBe('InlineMd5');
    await small.update(Buffer.from('0123456789'));
    expect((await small.digest()).toString('hex')).toBe(md5(Buffer.from('0123456789')));
    const empty = hashers.create(OFFLOAD_BYTES);
    expect((await empty.digest()).toString('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('holds the writer back while a worker has 8 MiB waiting', async () => {
    hashers = new Md5Hashers(1);
    const h = hashers.create(64 * 1024 * 1024);
    const block = Buffer.alloc(1024 * 1024, 1);
    let waited = 0;
    for (let i = 0; i < 32; i++) {
      const r = h.update(block);
      if (r !== undefined) {
        waited++;
        await r;
      }
    }
    expect(waited).toBeGreaterThan(0);
    expect((await h.digest()).toString('hex')).toBe(md5(Buffer.alloc(32 * 1024 * 1024, 1)));
  });

  it('fails the hashes of a worker that dies, and serves later ones from a new worker', async () => {
    hashers = new Md5Hashers(1);
    const h = hashers.create(OFFLOAD_BYTES);
    await h.update(Buffer.alloc(2 * 1024 * 1024, 7));
    // A worker stopped from outside looks to the pool as a crash does.
    const { workers } = hashers as unknown as { workers: { worker: Worker }[] };
    expect(workers).toHaveLength(1);
    await workers[0]!.worker.terminate();
    await expect(h.digest()).rejects.toThrow(/MD5 worker exited/);
    const again = hashers.create(OFFLOAD_BYTES);
    await again.update(Buffer.from('abc'));
    expect((await again.digest()).toString('hex')).toBe(md5(Buffer.from('abc')));
  });

  it('answers a second digest with the first, and gives its batch to the spares once (no two hashes share memory)', async () => {
    hashers = new Md5Hashers(1);
    const empty = hashers.create(OFFLOAD_BYTES);
    const first = empty.digest();
    expect(empty.digest()).toBe(first);
    expect((await first).toString('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(() => empty.update(Buffer.from('late'))).toThrow(/after digest/);
    // Two hashes filling their first batch at the same time: each must have memory of its own.
    const a = hashers.create(OFFLOAD_BYTES);
    const b = hashers.create(OFFLOAD_BYTES);
    await a.update(Buffer.from('first body'));
    await b.update(Buffer.from('other body, longer'));
    expect((await a.digest()).toString('hex')).toBe(md5(Buffer.from('first body')));
    expect((await b.digest()).toString('hex')).toBe(md5(Buffer.from('other body, longer')));
    const inline = hashers.create(10);
    inline.update(Buffer.from('x'));
    expect(inline.digest()).toBe(inline.digest());
  });

  it('hashes bodies that end on a batch boundary, and a discarded half-filled batch does not leak into later hashes', async () => {
    hashers = new Md5Hashers(1);
    const whole = randomBytes(OFFLOAD_BYTES);
    const h = hashers.create(whole.length);
    for (let off = 0; off < whole.length; off += 1024 * 1024) await h.update(whole.subarray(off, off + 1024 * 1024));
    expect((await h.digest()).toString('hex')).toBe(md5(whole));
    const dropped = hashers.create(OFFLOAD_BYTES);
    await dropped.update(Buffer.alloc(1000, 0xaa));
    dropped.discard();
    const next = hashers.create(OFFLOAD_BYTES);
    await next.update(Buffer.from('short'));
    expect((await next.digest()).toString('hex')).toBe(md5(Buffer.from('short')));
  });

  it('hashes inline once closed', async () => {
    hashers = new Md5Hashers(1);
    await hashers.close();
    expect(hashers.create(OFFLOAD_BYTES * 2).constructor.name).toBe('InlineMd5');
  });
});
