/**
 * Starts a real Gatehouse for end-to-end tests: random port, temporary data dir, quiet logs
 * (kept in memory so a failing test can print them), optional in-process SMTP server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { Gatehouse } from '../../src/app.js';
import { startSmtp, type TestSmtp } from './smtp.js';

export const ROOT = { accessKeyId: 'AKIAGATEHOUSETEST001', secretAccessKey: 'gatehouse-test-root-secret-key-0000000000' };
export const REGION = 'us-east-1';

export interface TestServer {
  gatehouse: Gatehouse;
  url: string;
  dataDir: string;
  /** Log lines written so far, parsed. */
  logs(): Record<string, unknown>[];
  /** Root credentials in the shape SDK v3 clients take. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  const config = loadConfig(
    {},
    {
      GATEHOUSE_PORT: '0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_REGION: REGION,
      GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
      GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      GATEHOUSE_LOG_LEVEL: 'info',
      ...env,
    },
  );
  const gatehouse = Gatehouse.create({ config, logDestination: sink });
  const url = await gatehouse.listen();
  return {
    gatehouse,
    url,
    dataDir,
    credentials: { ...ROOT },
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async close() {
      await gatehouse.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server whose mail goes over SMTP to a test SMTP server started for it. */
export async function startServerWithSmtp(env: Record<string, string> = {}): Promise<{ server: TestServer; smtp: TestSmtp }> {
  const smtp = await startSmtp();
  const server = await startServer({ GATEHOUSE_SMTP_URL: smtp.url, ...env });
  return { server, smtp };
}

/** Closes in order what a beforeAll managed to start (it may have failed half-way). */
export async function closeAll(...things: readonly ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const t of things) await t?.close();
}
