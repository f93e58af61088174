/**
 * Bucket content served from Gatehouse's own origin (path-style S3, the /_website/ path) must
 * not run script in that origin, where Gatehouse's own pages and routes live; virtual-hosted
 * and website host names are origins of their own. Nothing is content-sniffed. The website's
 * folder redirect cannot be made to point at another host.
 */
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { hostRequest, raw, s3Client } from './support.js';

let server: TestServer;
let s3: S3Client;
let browser: Browser;
const HOST = 'site.s3-website.localhost';
/** A page that, if its script ran in Gatehouse's origin, could read Gatehouse's own routes. */
const PROBE = `<!doctype html><title>inert</title><script>
fetch('/_gatehouse/health').then((r) => r.text()).then((t) => { document.title = 'read:' + t.length; }, () => { document.title = 'blocked'; });
document.title = 'ran';
</script>`;

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'site' }));
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'site', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
  for (const Key of ['probe.html', 'index.html', '/evil.example/index.html', 'docs/index.html']) {
    await s3.send(new PutObjectCommand({ Bucket: 'site', Key, Body: PROBE, ContentType: 'text/html', ACL: 'public-read' }));
  }
  await s3.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server.close();
});

describe('responses from Gatehouse\'s own origin', () => {
  it('sandbox path-style objects and /_website/ pages, and send nosniff everywhere', async () => {
    const pathStyle = await raw(`${server.url}/site/probe.html`);
    expect([pathStyle.status, pathStyle.headers.get('content-security-policy'), pathStyle.headers.get('x-content-type-options')]).toEqual([200, 'sandbox', 'nosniff']);
    const sitePath = await raw(`${server.url}/_website/site/probe.html`);
    expect([sitePath.status, sitePath.headers.get('content-security-policy')]).toEqual([200, 'sandbox']);
    const missing = await raw(`${server.url}/_website/site/nothing.html`);
    expect(missing.headers.get('content-security-policy')).toBe('sandbox');

    // Other origins are served as AWS serves them.
    const website = await hostRequest(server, HOST, '/probe.html');
    expect([website.status, website.headers['content-security-policy'], website.headers['x-content-type-options']]).toEqual([200, undefined, 'nosniff']);
    const virtual = await hostRequest(server, 'site.s3.localhost', '/probe.html');
    expect([virtual.status, virtual.headers['content-security-policy']]).toEqual([200, undefined]);

    for (const url of [`${server.url}/_gatehouse/health`, `${server.url}/`]) expect((await raw(url)).headers.get('x-content-type-options')).toBe('nosniff');
    const api = await raw(server.url, { method: 'POST', headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('in Chromium, a bucket page served path-style does not run its script; on the website host it does', async () => {
    const page = await browser.newPage();
    try {
      for (const url of [`${server.url}/site/probe.html`, `${server.url}/_website/site/probe.html`]) {
        await page.goto(url);
        await page.waitForTimeout(300);
        expect(await page.title(), url).toBe('inert');
      }
      // The control: the same page on its own origin runs (and reads only that origin's answers).
      await page.goto(`http://${HOST}:${new URL(server.url).port}/probe.html`);
      await page.waitForFunction("document.title !== 'inert' && document.title !== 'ran'");
      expect(await page.title()).toMatch(/^read:/);
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe('the website folder redirect', () => {
  it('answers //evil.example on the request\'s own host, never as a protocol-relative Location', async () => {
    const port = new URL(server.url).port;
    const res = await hostRequest(server, HOST, '//evil.example');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`http://${HOST}:${port}//evil.example/`);
    expect(new URL(res.headers.location!, `http://${HOST}:${port}/`).host).toBe(`${HOST}:${port}`);
    const viaPath = await raw(`${server.url}/_website/site//evil.example`, { redirect: 'manual' });
    expect(viaPath.headers.get('location')).toBe('/_website/site//evil.example/');
    // Backslashes, which browsers read as slashes, arrive encoded.
    const backslash = await hostRequest(server, HOST, '/%5Cevil.example');
    expect(backslash.status).not.toBe(302);
    const folder = await hostRequest(server, HOST, '/docs');
    expect(folder.headers.location).toBe('/docs/');
  });
});
