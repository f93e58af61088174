import {
  CreateBucketCommand,
  DeleteBucketWebsiteCommand,
  DeletePublicAccessBlockCommand,
  GetBucketWebsiteCommand,
  PutBucketCorsCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, hostRequest, raw, s3Client } from './support.js';

let server: TestServer;
let s3: S3Client;
const HOST = 'site.s3-website.localhost';

async function publicObject(bucket: string, key: string, body: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ACL: 'public-read', ContentType: 'text/html', ...extra }));
}

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'site' }));
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'site', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
  await publicObject('site', 'index.html', '<h1>home</h1>');
  await publicObject('site', 'docs/index.html', '<h1>docs</h1>');
  await publicObject('site', 'error.html', '<h1>custom error</h1>');
  await publicObject('site', 'script/app.js', 'console.log("app")', { ContentType: 'application/javascript' });
  await publicObject('site', 'moved.html', 'old', { WebsiteRedirectLocation: '/docs/' });
  await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'private.html', Body: 'no' }));
});
afterAll(async () => {
  await server.close();
});

describe('S3 static website hosting', () => {
  it('stores and returns the website configuration; validates it', async () => {
    expect(await errorOf(s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).toMatchObject({ name: 'NoSuchWebsiteConfiguration', status: 404 });
    const notSite = await hostRequest(server, HOST, '/');
    expect(notSite.status).toBe(404);
    expect(notSite.text).toContain('<li>Code: NoSuchWebsiteConfiguration</li>');
    expect(await errorOf(s3.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: { IndexDocument: { Suffix: 'a/b.html' } } })))).toMatchObject({ name: 'InvalidArgument' });
    expect(await errorOf(s3.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: { ErrorDocument: { Key: 'error.html' } } })))).toMatchObject({ name: 'InvalidArgument' });
    const cfg = {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RoutingRules: [
        { Condition: { KeyPrefixEquals: 'old-docs/' }, Redirect: { ReplaceKeyPrefixWith: 'docs/' } },
        { Condition: { HttpErrorCodeReturnedEquals: '403', KeyPrefixEquals: 'gone/' }, Redirect: { HostName: 'archive.example.test', HttpRedirectCode: '302', Protocol: 'https' as const } },
      ],
    };
    await s3.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: cfg }));
    const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: 'site' }));
    expect(got).toMatchObject(cfg);
  });

  it('serves the index document for the root and folders, and objects with their headers', async () => {
    const home = await hostRequest(server, HOST, '/');
    expect(home.status).toBe(200);
    expect(home.text).toBe('<h1>home</h1>');
    expect(home.headers['content-type']).toBe('text/html');
    expect((await hostRequest(server, HOST, '/docs/')).text).toBe('<h1>docs</h1>');
    const js = await hostRequest(server, HOST, '/script/app.js');
    expect(js.headers['content-type']).toBe('application/javascript');
    expect(js.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const range = await hostRequest(server, HOST, '/script/app.js', 'GET', { range: 'bytes=0-6' });
    expect(range.status).toBe(206);
    expect(range.text).toBe('console');
    const notModified = await hostRequest(server, HOST, '/script/app.js', 'GET', { 'if-none-match': String(js.headers.etag) });
    expect(notModified.status).toBe(304);
    const head = await hostRequest(server, HOST, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    // The path form serves the same site for clients that cannot use host names.
    const viaPath = await raw(`${server.url}/_website/site/docs/`);
    expect(viaPath.text).toBe('<h1>docs</h1>');
  });

  it('redirects a folder without its slash, routing rules and per-object redirects', async () => {
    const folder = await hostRequest(server, HOST, '/docs');
    expect(folder.status).toBe(302);
    expect(folder.headers.location).toBe('/docs/');
    const viaPath = await fetch(`${server.url}/_website/site/docs`, { redirect: 'manual' });
    expect(viaPath.status).toBe(302);
    expect(viaPath.headers.get('location')).toBe('/_website/site/docs/');
    const rule = await hostRequest(server, HOST, '/old-docs/page.html');
    expect(rule.status).toBe(301);
    expect(rule.headers.location).toBe(`http://${HOST}:${new URL(server.url).port}/docs/page.html`);
    // The new key goes into the Location encoded, whatever characters it has.
    const unicode = await hostRequest(server, HOST, '/old-docs/caf%C3%A9%20%E6%96%87.html');
    expect(unicode.status).toBe(301);
    expect(unicode.headers.location).toBe(`http://${HOST}:${new URL(server.url).port}/docs/caf%C3%A9%20%E6%96%87.html`);
    // The listing is not public, so a missing key is a 403 (as on AWS) and the 403 rule applies.
    const onError = await hostRequest(server, HOST, '/gone/thing.html');
    expect(onError.status).toBe(302);
    expect(onError.headers.location).toBe('https://archive.example.test/gone/thing.html');
    const moved = await hostRequest(server, HOST, '/moved.html');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/docs/');
  });

  it('answers missing and private keys with the error document and AWS statuses (404 when listable, else 403)', async () => {
    // Listing is not public: a missing key is 403, as on AWS.
    const missing = await hostRequest(server, HOST, '/nope.html');
    expect(missing.status).toBe(403);
    expect(missing.text).toBe('<h1>custom error</h1>');
    const priv = await hostRequest(server, HOST, '/private.html');
    expect(priv.status).toBe(403);
    expect(priv.text).toBe('<h1>custom error</h1>');
    await s3.send(new CreateBucketCommand({ Bucket: 'listable', ACL: undefined }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'listable' }));
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'listable', OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }));
    const { PutBucketAclCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new PutBucketAclCommand({ Bucket: 'listable', ACL: 'public-read' }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: 'listable', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } } }));
    const nf = await hostRequest(server, 'listable.s3-website.localhost', '/missing');
    expect(nf.status).toBe(404);
    expect(nf.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(nf.text).toContain('<h1>404 Not Found</h1>');
    expect(nf.text).toContain('<li>Code: NoSuchKey</li>');
    expect(nf.text).toContain('<li>Key: missing</li>');
    expect(nf.text).toContain('An Error Occurred While Attempting to Retrieve a Custom Error Document');
    const noBucket = await hostRequest(server, 'no-such-site.s3-website.localhost', '/');
    expect(noBucket.status).toBe(404);
    expect(noBucket.text).toContain('<li>Code: NoSuchBucket</li>');
    const post = await hostRequest(server, HOST, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.text).toContain('MethodNotAllowed');
  });

  it('answers CORS preflights on the website endpoint from the bucket rules', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket: 'site', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['http://localhost:5173'], AllowedMethods: ['GET'] }] } }));
    const pre = await hostRequest(server, HOST, '/index.html', 'OPTIONS', { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const actual = await hostRequest(server, HOST, '/index.html', 'GET', { origin: 'http://localhost:5173' });
    expect(actual.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('redirects every request when RedirectAllRequestsTo is set, and stops serving once the configuration is deleted', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'redir' }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: 'redir', WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: 'www.example.test', Protocol: 'https' } } }));
    const r = await hostRequest(server, 'redir.s3-website.localhost', '/a/b?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://www.example.test/a/b?x=1');
    await s3.send(new DeleteBucketWebsiteCommand({ Bucket: 'redir' }));
    expect((await hostRequest(server, 'redir.s3-website.localhost', '/')).status).toBe(404);
  });
});
