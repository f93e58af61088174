/**
 * The outbox (every code and temporary password) is not readable from the web (issue 10,
 * item 7): a loopback peer is believed local only when it names this host, so a page whose
 * name an attacker points at 127.0.0.1 (DNS rebinding) gets 401 like any remote client; the
 * root key as Basic credentials still works; and Gatehouse's own answers carry nosniff, no
 * framing and a CSP under which nothing runs. Raw HTTP, since the Host header is the point.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

function get(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const port = (): string => new URL(server.url).port;

describe('the outbox', () => {
  it('answers a loopback client that names this host', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, 'localhost']) expect([host, (await get('/_gatehouse/outbox', { host })).status]).toEqual([host, 200]);
  });

  it('refuses a loopback client naming another host (DNS rebinding), unless it shows the root key', async () => {
    const rebound = await get('/_gatehouse/outbox', { host: `attacker.example:${port()}` });
    expect(rebound.status).toBe(401);
    expect(rebound.body).not.toContain('messages');
    const basic = `Basic ${Buffer.from(`${server.credentials.accessKeyId}:${server.credentials.secretAccessKey}`).toString('base64')}`;
    expect((await get('/_gatehouse/outbox', { host: `attacker.example:${port()}`, authorization: basic })).status).toBe(200);
    expect((await get('/_gatehouse/outbox', { host: '' })).status).toBe(401);
  });

  it("Gatehouse's own answers are not to be sniffed, framed or run", async () => {
    for (const path of ['/_gatehouse/outbox', '/_gatehouse/health']) {
      const r = await get(path, { host: 'localhost' });
      expect([path, r.headers['x-content-type-options'], r.headers['x-frame-options'], r.headers['content-security-policy']]).toEqual([
        path,
        'nosniff',
        'DENY',
        "default-src 'none'; frame-ancestors 'none'; sandbox",
      ]);
    }
    // Every answer, API ones included, is nosniff.
    expect((await get('/', { host: 'localhost' })).headers['x-content-type-options']).toBe('nosniff');
  });
});
