/**
 * S3 benchmark: small-object (4 KiB) PUT/GET and ListObjectsV2 of 1,000 keys in requests per
 * second and per second of server CPU; 256 MiB PUT/GET in MB/s next to this machine's own
 * fsync'd write and read speed; the server's peak resident memory. Every request is SigV4-signed
 * (root credentials) and goes through authentication, authorization and the log line, as
 * deployed. Run `npm run build` first, then `npx tsx bench/s3.ts`.
 */
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, startBenchServer, treeCpuMs, type BenchServer } from './support/server.js';

const REGION = 'us-east-1';
const SMALL = 4 * 1024;
const SMALL_COUNT = Number(process.env.BENCH_SMALL_COUNT ?? 20_000);
const LIST_COUNT = Number(process.env.BENCH_LIST_COUNT ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LARGE = 256 * 1024 * 1024;
const MiB = 1024 * 1024;
/** BENCH_ONLY=put,get,list,large runs only those phases (for profiling one at a time). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'put,get,list,large').split(','));

// A lean SigV4 signer for the load generator (the server verifies every signature).
const keyCache = new Map<string, Buffer>();
function signingKey(date: string): Buffer {
  let k = keyCache.get(date);
  if (k === undefined) {
    const h = (key: Buffer | string, d: string): Buffer => createHmac('sha256', key).update(d).digest();
    k = h(h(h(h(`AWS4${ROOT.secretAccessKey}`, date), REGION), 's3'), 'aws4_request');
    keyCache.set(date, k);
  }
  return k;
}

function signedHeaders(method: string, host: string, pathname: string, query: string, payloadHash: string, extra: Record<string, string> = {}): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate, ...extra };
  const names = Object.keys(headers).sort();
  const canonical = `${method}\n${pathname}\n${query}\n${names.map((n) => `${n}:${headers[n]}\n`).join('')}\n${names.join(';')}\n${payloadHash}`;
  const scope = `${date}/${REGION}/s3/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', signingKey(date)).update(sts).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${ROOT.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

interface Target {
  host: string;
  port: number;
  agent: http.Agent;
}

function request(t: Target, method: string, pathname: string, query: string, body: Buffer | undefined, payloadHash: string, extra: Record<string, string> = {}): Promise<{ status: number; bytes: number; text: string }> {
  const headers = signedHeaders(method, `${t.host}:${t.port}`, pathname, query, payloadHash, extra);
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: t.host, port: t.port, method, path: query === '' ? pathname : `${pathname}?${query}`, headers, agent: t.agent }, (res) => {
      let bytes = 0;
      const keep: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep.length < 4) keep.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, text: Buffer.concat(keep).toString('utf8', 0, 2000) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A minimal keep-alive HTTP/1.1 client over one socket, one request in flight: the load
 * generator must cost far less than the server, or it, not the server, sets the pace.
 */
class RawConnection {
  readonly #sock: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #pending: { resolve: (r: { status: number; body: Buffer }) => void; reject: (e: Error) => void } | undefined;

  constructor(host: string, port: number) {
    this.#sock = net.connect(port, host);
    this.#sock.setNoDelay(true);
    this.#sock.on('data', (c: Buffer) => {
      this.#buf = this.#buf.length === 0 ? c : Buffer.concat([this.#buf, c]);
      this.#parse();
    });
    this.#sock.on('error', (e) => this.#pending?.reject(e));
  }

  #parse(): void {
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0 || this.#pending === undefined) return;
    const head = this.#buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const len = m === null ? 0 : Number(m[1]);
    if (this.#buf.length < end + 4 + len) return;
    const body = this.#buf.subarray(end + 4, end + 4 + len);
    this.#buf = this.#buf.subarray(end + 4 + len);
    const p = this.#pending;
    this.#pending = undefined;
    p.resolve({ status, body });
  }

  send(request: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#sock.write(request);
    });
  }

  close(): void {
    this.#sock.destroy();
  }
}

/** A signed request as bytes, ready to send (signatures stay valid for the 15-minute window). */
function rawRequest(t: Target, method: string, pathname: string, query: string, body: Buffer | undefined, payloadHash: string): Buffer {
  const headers = signedHeaders(method, `${t.host}:${t.port}`, pathname, query, payloadHash);
  headers['content-length'] = String(body?.length ?? 0);
  headers['user-agent'] = 'gatehouse-bench';
  let head = `${method} ${query === '' ? pathname : `${pathname}?${query}`} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Sends prepared requests over `concurrency` connections; checks each status. */
async function blast(t: Target, requests: readonly Buffer[], concurrency: number, check: (r: { status: number; body: Buffer }) => boolean): Promise<void> {
  const conns = Array.from({ length: concurrency }, () => new RawConnection(t.host, t.port));
  let next = 0;
  try {
    await Promise.all(
      conns.map(async (c) => {
        while (next < requests.length) {
          const r = await c.send(requests[next++]!);
          if (!check(r)) throw new Error(`unexpected response ${r.status}: ${r.body.toString('utf8', 0, 300)}`);
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
  }
}

async function pool(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

interface Phase {
  name: string;
  ops: number;
  wallMs: number;
  cpuMs: number;
  /** Of cpuMs, the part spent in the kernel (fsync, file system, sockets). */
  sysMs: number;
}

/** The server's (and its workers') kernel CPU time so far (stime, /proc/<pid>/stat field 15), ms. */
function sysCpuMs(pid: number): number {
  return treeCpuMs(pid, 'kernel');
}

/** Rounds of each small-object phase; the median round is reported, with the spread. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Repeated extends Phase {
  minCpuPerOp: number;
  maxCpuPerOp: number;
}

async function repeated(server: BenchServer, name: string, ops: number, makeRun: (round: number) => () => Promise<void>): Promise<Repeated> {
  const rounds: Phase[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await phase(server, name, ops, makeRun(r)));
  const perOp = (p: Phase): number => p.cpuMs / p.ops;
  rounds.sort((a, b) => perOp(a) - perOp(b));
  return { ...rounds[Math.floor(rounds.length / 2)]!, minCpuPerOp: perOp(rounds[0]!), maxCpuPerOp: perOp(rounds[rounds.length - 1]!) };
}

async function phase(server: BenchServer, name: string, ops: number, run: () => Promise<void>): Promise<Phase> {
  const cpu0 = server.cpuMs();
  const sys0 = sysCpuMs(server.pid);
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  return { name, ops, wallMs, cpuMs: server.cpuMs() - cpu0, sysMs: sysCpuMs(server.pid) - sys0 };
}

/** Streams `size` bytes as one signed PUT (UNSIGNED-PAYLOAD or an aws-chunked CRC32 trailer), with backpressure. */
function putLarge(t: Target, pathname: string, size: number, block: Buffer, mode: 'unsigned' | 'trailer', crc32Base64: string): Promise<number> {
  const extra: Record<string, string> = {};
  let payloadHash = 'UNSIGNED-PAYLOAD';
  if (mode === 'trailer') {
    payloadHash = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    extra['content-encoding'] = 'aws-chunked';
    extra['x-amz-decoded-content-length'] = String(size);
    extra['x-amz-trailer'] = 'x-amz-checksum-crc32';
  }
  const headers = signedHeaders('PUT', `${t.host}:${t.port}`, pathname, '', payloadHash, extra);
  const chunkHeader = Buffer.from(`${block.length.toString(16)}\r\n`);
  const crlf = Buffer.from('\r\n');
  let trailer = Buffer.alloc(0);
  if (mode === 'trailer') {
    trailer = Buffer.from(`0\r\nx-amz-checksum-crc32:${crc32Base64}\r\n\r\n`);
    headers['content-length'] = String((size / block.length) * (chunkHeader.length + block.length + crlf.length) + trailer.length);
  } else headers['content-length'] = String(size);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: t.host, port: t.port, method: 'PUT', path: pathname, headers, agent: t.agent }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`PUT ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += block.length;
        const ok = mode === 'trailer' ? (req.write(chunkHeader), req.write(block), req.write(crlf)) : req.write(block);
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(mode === 'trailer' ? trailer : undefined);
    };
    pump();
  });
}

function diskSpeed(dir: string, size: number, block: Buffer): { writeMBs: number; readMBs: number } {
  const file = path.join(dir, `disk-bench-${process.pid}`);
  const t0 = performance.now();
  const fd = fs.openSync(file, 'w');
  for (let w = 0; w < size; w += block.length) fs.writeSync(fd, block);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const writeMs = performance.now() - t0;
  const buf = Buffer.allocUnsafe(block.length);
  const t1 = performance.now();
  const rfd = fs.openSync(file, 'r');
  while (fs.readSync(rfd, buf) > 0);
  fs.closeSync(rfd);
  const readMs = performance.now() - t1;
  fs.unlinkSync(file);
  return { writeMBs: size / MiB / (writeMs / 1000), readMBs: size / MiB / (readMs / 1000) };
}

/**
 * What the file system alone charges for one small durable object, as the server writes it:
 * create a temporary file, write 4 KiB, fsync, close, rename into place. CPU (user + kernel) per
 * file, in this process; creating an inode is far dearer on some file systems than on others, and
 * it is part of every PUT's server CPU.
 */
function smallFileCost(dir: string, count = 500): number {
  const tmp = fs.mkdtempSync(path.join(dir, 'file-cost-'));
  const data = Buffer.alloc(SMALL, 'x');
  const c0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const fd = fs.openSync(path.join(tmp, `t${i}`), 'wx', 0o600);
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(path.join(tmp, `t${i}`), path.join(tmp, `f${i}`));
  }
  const c = process.cpuUsage(c0);
  fs.rmSync(tmp, { recursive: true, force: true });
  return (c.user + c.system) / 1000 / count;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  // BENCH_PROFILE=<dir> writes the server's V8 CPU profile there (node --cpu-prof) for analysis.
  const profileDir = process.env.BENCH_PROFILE;
  const server = await startBenchServer(process.env.BENCH_LOG_LEVEL === undefined ? {} : { GATEHOUSE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL }, profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`]);
  const u = new URL(server.url);
  const t: Target = { host: u.hostname, port: Number(u.port), agent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) };
  const results: Repeated[] = [];
  try {
    const mk = await request(t, 'PUT', '/bench', '', undefined, createHash('sha256').update('').digest('hex'));
    if (mk.status !== 200) throw new Error(`CreateBucket: ${mk.status} ${mk.text}`);
    const small = Buffer.alloc(SMALL, 'x');
    const smallHash = createHash('sha256').update(small).digest('hex');
    const key = (i: number): string => `/bench/small/obj-${String(i).padStart(6, '0')}`;

    // Warm-up (JIT, SQLite page cache), not measured.
    await pool(1000, CONCURRENCY, async (i) => {
      await request(t, 'PUT', key(i), '', small, smallHash);
      await request(t, 'GET', key(i), '', undefined, 'UNSIGNED-PAYLOAD');
    });

    if (ONLY.has('put')) {
      // Each round writes new keys (no overwrites), as the first round does.
      results.push(
        await repeated(server, 'PUT 4 KiB', SMALL_COUNT, (round) => {
          const reqs = Array.from({ length: SMALL_COUNT }, (_, i) => rawRequest(t, 'PUT', key(round * SMALL_COUNT + i), '', small, smallHash));
          return () => blast(t, reqs, CONCURRENCY, (r) => r.status === 200);
        }),
      );
    }
    if (ONLY.has('get')) {
      const reqs = Array.from({ length: SMALL_COUNT }, (_, i) => rawRequest(t, 'GET', key(ONLY.has('put') ? i : i % 1000), '', undefined, 'UNSIGNED-PAYLOAD'));
      results.push(await repeated(server, 'GET 4 KiB', SMALL_COUNT, () => () => blast(t, reqs, CONCURRENCY, (r) => r.status === 200 && r.body.length === SMALL)));
    }

    // 1,000 keys under their own prefix, listed whole each time.
    await pool(1000, CONCURRENCY, async (i) => {
      await request(t, 'PUT', `/bench/list/k-${String(i).padStart(4, '0')}`, '', small, smallHash);
    });
    const listQuery = 'list-type=2&max-keys=1000&prefix=list%2F';
    if (ONLY.has('list')) {
      const reqs = Array.from({ length: LIST_COUNT }, () => rawRequest(t, 'GET', '/bench', listQuery, undefined, 'UNSIGNED-PAYLOAD'));
      results.push(
        await repeated(server, 'ListObjectsV2 1,000 keys', LIST_COUNT, () => () =>
          blast(t, reqs, 4, (r) => r.status === 200 && r.body.includes('<KeyCount>1000</KeyCount>')),
        ),
      );
    }

    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    const rssBeforeLarge = server.rssMiB();
    const large: { name: string; MBs: number; cpuMs: number; sysMs: number }[] = [];
    // The disk's own speed, measured before and after the large transfers (it varies on shared machines).
    const diskBefore = ONLY.has('large') || ONLY.has('unsigned') || ONLY.has('trailer') ? diskSpeed(server.dataDir, LARGE, block) : undefined;
    // The CRC32 the client sends in the trailer, computed before the clock starts.
    let crc = 0;
    for (let sent = 0; sent < LARGE; sent += block.length) crc = zlib.crc32(block, crc);
    const crcBytes = Buffer.alloc(4);
    crcBytes.writeUInt32BE(crc >>> 0);
    for (const mode of (['unsigned', 'trailer'] as const).filter((m) => ONLY.has('large') || ONLY.has(m))) {
      const p = await phase(server, `PUT 256 MiB (${mode === 'unsigned' ? 'UNSIGNED-PAYLOAD' : 'aws-chunked + CRC32 trailer'})`, 1, async () => {
        await putLarge(t, `/bench/large-${mode}.bin`, LARGE, block, mode, crcBytes.toString('base64'));
      });
      large.push({ name: p.name, MBs: LARGE / MiB / (p.wallMs / 1000), cpuMs: p.cpuMs, sysMs: p.sysMs });
    }
    if (ONLY.has('large')) {
      const g = await phase(server, 'GET 256 MiB', 1, async () => {
        const r = await request(t, 'GET', '/bench/large-unsigned.bin', '', undefined, 'UNSIGNED-PAYLOAD');
        if (r.status !== 200 || r.bytes !== LARGE) throw new Error(`GET large ${r.status} ${r.bytes}`);
      });
      large.push({ name: g.name, MBs: LARGE / MiB / (g.wallMs / 1000), cpuMs: g.cpuMs, sysMs: g.sysMs });
    }
    const peak = server.peakRssMiB();
    const diskAfter = diskSpeed(server.dataDir, LARGE, block);
    const fileCostMs = ONLY.has('put') ? smallFileCost(server.dataDir) : undefined;
    const disk = diskBefore === undefined ? diskAfter : { writeMBs: (diskBefore.writeMBs + diskAfter.writeMBs) / 2, readMBs: (diskBefore.readMBs + diskAfter.readMBs) / 2 };

    console.log(`\nGatehouse S3 benchmark — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), concurrency ${CONCURRENCY}`);
    console.log('All requests SigV4-signed with the root key; authorization via the Authorizer seam; one log line per request.\n');
    console.log(`Small-object figures: median of ${ROUNDS} rounds by CPU per op; the range is over the rounds.\n`);
    console.log('| operation | requests/round | req/s (wall) | server CPU ms/op (of which kernel) [range] | ops per server-CPU-second | target |');
    console.log('|---|---:|---:|---:|---:|---|');
    const targets: Record<string, string> = { 'PUT 4 KiB': '≤ 0.4 ms', 'GET 4 KiB': '≤ 0.2 ms', 'ListObjectsV2 1,000 keys': '≤ 20 ms' };
    for (const r of results) {
      console.log(`| ${r.name} | ${fmt(r.ops)} | ${fmt(r.ops / (r.wallMs / 1000))} | ${fmt(r.cpuMs / r.ops, 3)} (${fmt(r.sysMs / r.ops, 3)}) [${fmt(r.minCpuPerOp, 3)}–${fmt(r.maxCpuPerOp, 3)}] | ${fmt(r.ops / (r.cpuMs / 1000))} | ${targets[r.name] ?? ''} |`);
    }
    if (fileCostMs !== undefined) {
      console.log(`\nFor reference, the file system's own CPU cost for one small durable file here (create, write 4 KiB, fsync, close, rename; node, synchronous): ${fmt(fileCostMs, 3)} ms.`);
    }
    console.log('\n| large object | MB/s | server CPU s (of which kernel) | vs disk |');
    console.log('|---|---:|---:|---:|');
    for (const l of large) {
      const ref = l.name.startsWith('PUT') ? disk.writeMBs : disk.readMBs;
      console.log(`| ${l.name} | ${fmt(l.MBs)} | ${fmt(l.cpuMs / 1000, 2)} (${fmt(l.sysMs / 1000, 2)}) | ${fmt(l.MBs / ref, 2)}× |`);
    }
    const both = (f: (d: { writeMBs: number; readMBs: number }) => number): string => (diskBefore === undefined ? fmt(f(diskAfter)) : `${fmt(f(disk))} (before ${fmt(f(diskBefore))}, after ${fmt(f(diskAfter))})`);
    console.log(`| disk: node write + fsync of 256 MiB in the data dir's file system | ${both((d) => d.writeMBs)} | | |`);
    console.log(`| disk: node read of that file back (page cache: caches cannot be dropped here) | ${both((d) => d.readMBs)} | | |`);
    console.log(`\nServer resident memory: ${fmt(rssBeforeLarge)} MiB before the large objects, peak (VmHWM) ${fmt(peak)} MiB over the whole run (target < 200 MiB).`);
    console.log('MB = MiB (2^20 bytes).');
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
