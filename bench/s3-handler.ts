/**
 * The S3 handler's own CPU cost per 4 KiB GET and PUT, in process, without HTTP, sockets or the
 * log line: what Gatehouse's S3 code (routing, SigV4, credential resolution, authorization,
 * metadata, file I/O) costs, apart from Node's HTTP stack and the machine's load. Compare with
 * `bench/s3.ts`, which measures the whole server. Run with `npx tsx bench/s3-handler.ts`.
 */
import { createHash, createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { Gatehouse } from '../src/app.js';
import type { EdgeRequest } from '../src/protocols/http.js';
import { S3Service } from '../src/services/s3/index.js';

const ROOT = { accessKeyId: 'AKIAGATEHOUSEBENCH01', secretAccessKey: 'gatehouse-bench-root-secret-key-000000000' };
const N = Number(process.env.BENCH_COUNT ?? 30_000);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-handler-bench-'));
const gatehouse = Gatehouse.create({
  config: loadConfig({}, { GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey, GATEHOUSE_LOG_LEVEL: 'silent' }),
});
const service = new S3Service(gatehouse.platform);

const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
const hm = (k: Buffer | string, d: string): Buffer => createHmac('sha256', k).update(d).digest();
const signingKey = hm(hm(hm(hm(`AWS4${ROOT.secretAccessKey}`, amzDate.slice(0, 8)), 'us-east-1'), 's3'), 'aws4_request');

function signed(method: string, pathname: string, payloadHash: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { host: 'localhost:4566', 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate, ...extra };
  const names = Object.keys(headers).sort();
  const canonical = `${method}\n${pathname}\n\n${names.map((n) => `${n}:${headers[n]}\n`).join('')}\n${names.join(';')}\n${payloadHash}`;
  const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${ROOT.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${createHmac('sha256', signingKey).update(sts).digest('hex')}`;
  return headers;
}

let lastStatus = 0;
function edgeRequest(method: string, pathname: string, headers: Record<string, string>, body?: Buffer): EdgeRequest {
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    setHeader: () => undefined,
    writeHead: (status: number) => {
      lastStatus = status;
    },
    end: () => undefined,
  });
  const req = Object.assign(new PassThrough(), { headers, complete: true });
  req.end(body ?? Buffer.alloc(0));
  return { req, res, requestId: 'bench', method, path: pathname, query: '', host: 'localhost', sourceIp: '127.0.0.1', secure: false, started: 0n, log: gatehouse.log, operation: '' } as unknown as EdgeRequest;
}

async function measure(name: string, make: (i: number) => EdgeRequest, concurrency: number): Promise<void> {
  const reqs = Array.from({ length: N }, (_, i) => make(i));
  let next = 0;
  const t = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < reqs.length) {
      await service.handle(reqs[next++]!);
      if (lastStatus !== 200) throw new Error(`${name}: status ${lastStatus}`);
    }
  }));
  const d = process.cpuUsage(t);
  console.log(`| ${name} | ${N} | ${((d.user + d.system) / N / 1000).toFixed(3)} | ${(d.system / N / 1000).toFixed(3)} |`);
}

try {
  await service.handle(edgeRequest('PUT', '/bench', signed('PUT', '/bench', createHash('sha256').update('').digest('hex'))));
  const body = Buffer.alloc(4096, 7);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const put = (i: number): EdgeRequest => edgeRequest('PUT', `/bench/k${i}`, signed('PUT', `/bench/k${i}`, bodyHash, { 'content-length': '4096' }), body);
  const get = (i: number): EdgeRequest => edgeRequest('GET', `/bench/k${i % 1000}`, signed('GET', `/bench/k${i % 1000}`, 'UNSIGNED-PAYLOAD'));
  for (let i = 0; i < 1000; i++) await service.handle(put(i));
  console.log(`\nS3 handler in process (no HTTP, no sockets, no log line), node ${process.version}\n`);
  console.log('| operation | requests | CPU ms/op | of which kernel |');
  console.log('|---|---:|---:|---:|');
  await measure('GET 4 KiB', get, 1);
  await measure('PUT 4 KiB (fsync, rename, group-committed dir fsync and rows)', (i) => put(1000 + i), 32);
} finally {
  await gatehouse.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
