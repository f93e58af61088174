/**
 * Start and stop: the data dir and the files holding secrets are owner-only; `close()` lets a
 * request in flight finish while refusing new connections, closes idle keep-alive connections
 * at once, and cuts what is left after the grace period.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGION, startServer } from '../support/gatehouse.js';

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

/** Opens a connection and sends the head of a POST whose 100-byte body is still to come. */
async function halfSentRequest(url: string): Promise<{ socket: net.Socket; response: Promise<string> }> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const response = new Promise<string>((resolve) => {
    let out = '';
    socket.on('data', (c: Buffer) => (out += c.toString()));
    socket.on('close', () => resolve(out));
  });
  socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nConnection: close\r\n\r\n');
  socket.write('Action=GetCallerIdentity&Version=2011-06-15&Pad=');
  await new Promise((r) => setTimeout(r, 50));
  return { socket, response };
}

describe('the data dir', () => {
  it('is 0700 and the master key, root credentials and database files are 0600', async () => {
    const server = await startServer({ GATEHOUSE_ROOT_ACCESS_KEY_ID: '', GATEHOUSE_ROOT_SECRET_ACCESS_KEY: '' });
    try {
      await new STSClient({ endpoint: server.url, region: REGION, credentials: JSON.parse(fs.readFileSync(path.join(server.dataDir, 'root-credentials.json'), 'utf8')) as { accessKeyId: string; secretAccessKey: string } }).send(new GetCallerIdentityCommand({}));
      expect(mode(server.dataDir)).toBe(0o700);
      for (const f of ['master.key', 'root-credentials.json', 'gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) expect([f, mode(path.join(server.dataDir, f))]).toEqual([f, 0o600]);
    } finally {
      await server.close();
    }
  });

  it('narrows an existing data dir and database that were readable by others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-perm-'));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'gatehouse.db'), '', { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'gatehouse.db'), 0o644);
    const server = await startServer({ GATEHOUSE_DATA_DIR: dir });
    try {
      expect(mode(dir)).toBe(0o700);
      expect(mode(path.join(dir, 'gatehouse.db'))).toBe(0o600);
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('close()', () => {
  it('lets a request in flight finish and refuses new connections meanwhile', async () => {
    const server = await startServer();
    const { socket, response } = await halfSentRequest(server.url);
    const closed = server.gatehouse.close();
    await new Promise((r) => setTimeout(r, 100));
    // No longer accepting.
    await expect(fetch(`${server.url}/_gatehouse/health`)).rejects.toThrow();
    socket.write('x'.repeat(100 - 'Action=GetCallerIdentity&Version=2011-06-15&Pad='.length));
    const text = await response;
    // The request completed with an AWS answer (it is unsigned, so refused as AWS refuses it).
    expect(text).toMatch(/^HTTP\/1\.1 403/);
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
    await closed;
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('does not wait for idle keep-alive connections', async () => {
    const server = await startServer();
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    await sts.send(new GetCallerIdentityCommand({}));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    sts.destroy();
  });

  it('cuts a request that does not finish within the grace period', async () => {
    const server = await startServer();
    const { response } = await halfSentRequest(server.url);
    const started = Date.now();
    await server.gatehouse.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await response).toBe('');
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  });
});
