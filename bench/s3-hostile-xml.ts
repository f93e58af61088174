/**
 * Hostile XML bodies against the one event loop: anonymous DeleteObjects requests with a
 * 1.9 MiB body (70,000 <Object> elements) to an existing bucket that grants the public no
 * s3:DeleteObject (BENCH_PUBLIC=1: one whose policy lets anyone delete, so each body is read
 * and parsed up to the element bound), sent back to back by BENCH_CLIENTS clients, while a health check is timed
 * every 50 ms. Prints the health check's latency (median, p95, max) with and without that
 * load, and the hostile requests' own answers. Run `npm run build` first, then
 * `npx tsx bench/s3-hostile-xml.ts`.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { CreateBucketCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { ROOT, startBenchServer } from './support/server.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 70_000);
/** BENCH_PUBLIC=1: the bucket policy lets anyone delete, so every body is read and parsed (up to the element bound). */
const PUBLIC = process.env.BENCH_PUBLIC === '1';

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });

function request(url: string, method: string, headers: Record<string, string | number>, body?: Buffer): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method, headers, agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: /<Code>([^<]*)<\/Code>/.exec(Buffer.concat(chunks).toString())?.[1] }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A server that answers early and closes makes the rest of the upload fail: that is a refusal too.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') {
        if (!answered) resolve({ status: 0, code: 'closed before the body was sent' });
      } else reject(err);
    });
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function timeHealth(url: string, untilMs: number): Promise<number[]> {
  const out: number[] = [];
  while (Date.now() < untilMs) {
    const t = process.hrtime.bigint();
    await request(`${url}/_gatehouse/health`, 'GET', {});
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
    await new Promise((r) => setTimeout(r, 50));
  }
  return out.sort((a, b) => a - b);
}

function summary(label: string, ms: number[]): string {
  return `${label}: health check median ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms (${ms.length} checks)`;
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  try {
    const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'target' }));
    if (PUBLIC) {
      const off = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'target', PublicAccessBlockConfiguration: off }));
      const statement = { Effect: 'Allow', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::target/*' };
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'target', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }));
    }

    const body = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(OBJECTS)}</Delete>`);
    const headers = { 'content-type': 'application/xml', 'content-length': body.length, 'content-md5': createHash('md5').update(body).digest('base64') };
    console.log(`hostile body: ${(body.length / 1024 / 1024).toFixed(2)} MiB, ${OBJECTS} <Object> elements, ${CLIENTS} clients, ${SECONDS} s, bucket ${PUBLIC ? 'deletable by anyone' : 'private'}`);

    const idle = await timeHealth(server.url, Date.now() + 3000);
    console.log(summary('idle', idle));

    const until = Date.now() + SECONDS * 1000;
    const answers = new Map<string, number>();
    let sent = 0;
    const cpuBefore = server.cpuMs();
    const attackers = Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        const r = await request(`${server.url}/target?delete`, 'POST', headers, body);
        sent++;
        const k = `${r.status} ${r.code ?? ''}`;
        answers.set(k, (answers.get(k) ?? 0) + 1);
      }
    });
    const loaded = await timeHealth(server.url, until);
    await Promise.all(attackers);
    const cpu = server.cpuMs() - cpuBefore;
    console.log(summary('under hostile bodies', loaded));
    console.log(`hostile requests: ${sent} (${[...answers].map(([k, n]) => `${n}× ${k}`).join(', ')}), server CPU ${(cpu / sent).toFixed(1)} ms per request`);
  } finally {
    agent.destroy();
    await server.stop();
  }
}

await main();
