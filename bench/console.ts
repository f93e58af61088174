/**
 * The web console's weight and first paint: the size of its bundle (dist/console/app.js and
 * app.css, raw, gzipped and as sent over the wire), and in Debian's Chromium the first
 * contentful paint (`performance.getEntriesByType('paint')`) of the console's home page —
 * signed out (the sign-in form) and signed in (the "User pools" list) — each in a fresh page
 * after one warm-up, plus the time until the signed-in page's heading and list are shown.
 *
 *   npm run build && npx tsx bench/console.ts [runs=7]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { ROOT, startBenchServer } from './support/server.js';

interface BrowserPerformance {
  getEntriesByType(type: string): { name: string; startTime: number; encodedBodySize?: number }[];
  now(): number;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 7);
const kB = (n: number): string => `${(n / 1000).toFixed(1)} kB`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, ${xs.length} runs)`;

for (const file of ['app.js', 'app.css']) {
  const data = fs.readFileSync(path.join(repo, 'dist', 'console', file));
  const gz = zlib.gzipSync(data, { level: 9 }).length;
  const br = zlib.brotliCompressSync(data).length;
  console.log(`${file.padEnd(8)} ${kB(data.length).padStart(9)} raw   ${kB(gz).padStart(8)} gzip -9   ${kB(br).padStart(8)} brotli`);
}

const server = await startBenchServer();
const browser = await launchChromium();
try {
  interface Paint {
    fcp: number;
    ready: number;
    wire: Record<string, number>;
  }
  /** Loads the home page in a fresh page and waits for `selector`; times relative to navigation start. */
  async function measure(context: BrowserContext, selector: string): Promise<Paint> {
    const page: Page = await context.newPage();
    await page.goto(server.url + '/');
    await page.waitForSelector(selector);
    const out = await page.evaluate(() => {
      // The page's own Performance (this file is typed with Node's, which has no 'paint' entries).
      const perf = (globalThis as unknown as { performance: BrowserPerformance }).performance;
      const fcp = perf.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? Number.NaN;
      const wire: Record<string, number> = {};
      for (const e of perf.getEntriesByType('resource')) wire[new URL(e.name).pathname] = e.encodedBodySize ?? Number.NaN;
      return { fcp, ready: perf.now(), wire };
    });
    await page.close();
    return out;
  }

  const signedOut: Paint[] = [];
  for (let i = 0; i <= runs; i++) {
    const context = await browser.newContext();
    const m = await measure(context, 'button[type=submit]');
    if (i > 0) signedOut.push(m);
    await context.close();
  }
  const wire = signedOut[0]!.wire;
  console.log(`sent over the wire: ${Object.entries(wire).map(([p, n]) => `${path.basename(p)} ${kB(n)}`).join(', ')}`);
  console.log(`signed out (sign-in form): first contentful paint ${spread(signedOut.map((m) => m.fcp))}`);

  // Signed in: one context with the session cookie, a fresh page each time.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/');
  await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
  await page.getByLabel('Secret access key').fill(ROOT.secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Manage User Pools' }).waitFor();
  await page.close();
  const signedIn: Paint[] = [];
  for (let i = 0; i <= runs; i++) {
    // The list answered by ListUserPools (no pools yet: its empty-state line).
    const m = await measure(context, 'text=No user pools yet.');
    if (i > 0) signedIn.push(m);
  }
  console.log(`signed in ("User pools"): first contentful paint ${spread(signedIn.map((m) => m.fcp))}; list shown ${spread(signedIn.map((m) => m.ready))}`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
