/**
 * The console's bundle as the server sends it (issue 13): the build's gzipped copy to a browser
 * that accepts gzip (a third of the bytes, the same script once inflated), the plain file to one
 * that does not or refuses it with q=0; both with the strict headers and `Vary: Accept-Encoding`.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { startServer, type TestServer } from '../support/gatehouse.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let server: TestServer;
beforeAll(async () => {
  await buildConsole(ROOT);
  server = await startServer();
}, 60_000);
afterAll(() => server?.close());

/** A raw GET (fetch would ask for and undo the compression itself). */
function get(file: string, acceptEncoding: string | undefined): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    http.get(`${server.url}/_gatehouse/console/${file}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('the console bundle on the wire', () => {
  it('sends app.js and app.css gzipped to a browser that accepts gzip, plain otherwise', async () => {
    for (const file of ['app.js', 'app.css']) {
      const plain = fs.readFileSync(path.join(ROOT, 'dist', 'console', file));
      const zipped = await get(file, 'gzip, deflate, br, zstd');
      expect([zipped.status, zipped.headers['content-encoding'], zipped.headers.vary, zipped.headers['x-content-type-options']]).toEqual([200, 'gzip', 'accept-encoding', 'nosniff']);
      expect(zlib.gunzipSync(zipped.body).equals(plain)).toBe(true);
      expect(zipped.body.length).toBeLessThan(plain.length / 2);
      for (const refused of [undefined, 'identity', 'br', 'gzip;q=0, identity']) {
        const r = await get(file, refused);
        expect([file, refused, r.status, r.headers['content-encoding'], r.body.equals(plain)]).toEqual([file, refused, 200, undefined, true]);
      }
    }
  });
});
