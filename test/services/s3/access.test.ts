import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCorsCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from '../../../src/services/iam/authorizer.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, raw, s3Client } from './support.js';

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
});
afterAll(async () => {
  await server.close();
});

const publicReadPolicy = (bucket: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] });

describe('S3 public access: defaults as AWS has them since April 2023', () => {
  it('new buckets block public access and disable ACLs', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'defaults' }));
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'defaults' }));
    expect(pab.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const own = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'defaults' }));
    expect(own.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    await s3.send(new PutObjectCommand({ Bucket: 'defaults', Key: 'k', Body: 'k' }));
    expect(await errorOf(s3.send(new PutObjectAclCommand({ Bucket: 'defaults', Key: 'k', ACL: 'public-read' })))).toMatchObject({ name: 'AccessControlListNotSupported', status: 400 });
    expect(await errorOf(s3.send(new PutObjectCommand({ Bucket: 'defaults', Key: 'k2', Body: 'k', ACL: 'public-read' })))).toMatchObject({ name: 'AccessControlListNotSupported' });
    expect(await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'defaults', Policy: publicReadPolicy('defaults') })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'acl-at-create', ACL: 'public-read' })))).toMatchObject({ name: 'InvalidBucketAclWithObjectOwnership' });
    expect((await raw(`${server.url}/defaults/k`)).status).toBe(403);
  });

  it('the seed walkthrough: turn off Block Public Access, enable ACLs, "Make public" — then anonymous GETs work', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'seed-site' }));
    await s3.send(new PutObjectCommand({ Bucket: 'seed-site', Key: 'index.html', Body: '<h1>seed</h1>', ContentType: 'text/html' }));
    await s3.send(new PutObjectCommand({ Bucket: 'seed-site', Key: 'private.txt', Body: 'secret' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'seed-site' }));
    expect(await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'seed-site' })))).toMatchObject({ name: 'NoSuchPublicAccessBlockConfiguration', status: 404 });
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'seed-site', OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }));
    await s3.send(new PutObjectAclCommand({ Bucket: 'seed-site', Key: 'index.html', ACL: 'public-read' }));

    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'seed-site', Key: 'index.html' }));
    expect(acl.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.URI, g.Permission])).toEqual([
      ['CanonicalUser', undefined, 'FULL_CONTROL'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
    ]);
    const pub = await raw(`${server.url}/seed-site/index.html`);
    expect(pub.status).toBe(200);
    expect(pub.text).toBe('<h1>seed</h1>');
    expect((await raw(`${server.url}/seed-site/private.txt`)).status).toBe(403);
    // Object ACLs do not open the listing; a public-read bucket ACL does.
    expect((await raw(`${server.url}/seed-site?list-type=2`)).status).toBe(403);
    await s3.send(new PutBucketAclCommand({ Bucket: 'seed-site', ACL: 'public-read' }));
    const listing = await raw(`${server.url}/seed-site?list-type=2`);
    expect(listing.status).toBe(200);
    expect(listing.text).toContain('<Key>index.html</Key>');
    const bacl = await s3.send(new GetBucketAclCommand({ Bucket: 'seed-site' }));
    expect(bacl.Grants?.some((g) => g.Grantee?.URI?.endsWith('/AllUsers') && g.Permission === 'READ')).toBe(true);
    // Missing keys are 404 for callers who may list, 403 for those who may not.
    expect((await raw(`${server.url}/seed-site/missing`)).status).toBe(404);
    await s3.send(new PutBucketAclCommand({ Bucket: 'seed-site', ACL: 'private' }));
    expect((await raw(`${server.url}/seed-site/missing`)).status).toBe(403);
    // response-* overrides are for signed requests only.
    const override = await raw(`${server.url}/seed-site/index.html?response-content-type=text/plain`);
    expect(override.status).toBe(400);
    expect(codeOf(override.text)).toBe('InvalidRequest');
    // Anonymous writes stay refused.
    const anonPut = await raw(`${server.url}/seed-site/new.txt`, { method: 'PUT', body: 'x' });
    expect(anonPut.status).toBe(403);
  });

  it('Block Public Access settings override ACLs: IgnorePublicAcls hides grants, BlockPublicAcls refuses new ones', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'bpa', ObjectOwnership: 'BucketOwnerPreferred' }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'bpa', PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await s3.send(new PutObjectCommand({ Bucket: 'bpa', Key: 'p', Body: 'public', ACL: 'public-read' }));
    expect((await raw(`${server.url}/bpa/p`)).status).toBe(200);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'bpa', PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    expect((await raw(`${server.url}/bpa/p`)).status).toBe(403);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'bpa', PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    expect((await raw(`${server.url}/bpa/p`)).status).toBe(200);
    expect(await errorOf(s3.send(new PutObjectAclCommand({ Bucket: 'bpa', Key: 'p', ACL: 'public-read' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await errorOf(s3.send(new PutObjectCommand({ Bucket: 'bpa', Key: 'q', Body: 'q', ACL: 'public-read-write' })))).toMatchObject({ name: 'AccessDenied' });
    await s3.send(new PutObjectAclCommand({ Bucket: 'bpa', Key: 'p', ACL: 'private' }));
    expect((await raw(`${server.url}/bpa/p`)).status).toBe(403);
  });
});

describe('S3 bucket policies', () => {
  it('stores, returns, reports and deletes a policy; refuses malformed ones and public ones under BlockPublicPolicy', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'pol' }));
    const bad = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: 'not json' })));
    expect(bad).toMatchObject({ name: 'MalformedPolicy', status: 400 });
    const wrongBucket = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: publicReadPolicy('other-bucket') })));
    expect(wrongBucket).toMatchObject({ name: 'MalformedPolicy', message: 'Policy has invalid resource' });
    const noPrincipal = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pol/*' }] });
    expect(await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: noPrincipal })))).toMatchObject({ name: 'MalformedPolicy', message: 'Missing required field Principal' });
    expect(await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
    // Wildcards in the bucket part are matched as globs: `?` one character, `*` any run, and many
    // stars that cannot match answer at once (a regular expression took seconds per star here).
    const onResource = (resource: string): string => JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: resource }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: onResource('arn:aws:s3:::p?l/*') }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: onResource('arn:aws:s3:::*o*') }));
    const long = 'p'.repeat(60);
    await s3.send(new CreateBucketCommand({ Bucket: long }));
    const started = Date.now();
    const starry = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: long, Policy: onResource(`arn:aws:s3:::${'*p'.repeat(7)}x`) })));
    expect(starry).toMatchObject({ name: 'MalformedPolicy', message: 'Policy has invalid resource' });
    expect(Date.now() - started).toBeLessThan(1500);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));

    const scoped = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::pol/*' }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: scoped }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'pol' }))).Policy).toBe(scoped);
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol' }))).PolicyStatus?.IsPublic).toBe(false);
    expect(await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: publicReadPolicy('pol') })))).toMatchObject({ name: 'AccessDenied' });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'pol', PublicAccessBlockConfiguration: { BlockPublicPolicy: false, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pol', Policy: publicReadPolicy('pol') }));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol' }))).PolicyStatus?.IsPublic).toBe(true);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'pol' }));
    expect(await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: 'pol' })))).toMatchObject({ name: 'NoSuchBucketPolicy' });
  });
});

/**
 * A stand-in for IAM's policy engine (not yet merged): it records what S3 asks and allows a
 * request when a resource policy has an Allow for `*` on the action, or the caller is root.
 */
class RecordingAuthorizer implements Authorizer {
  readonly seen: AuthorizationRequest[] = [];
  authorize(r: AuthorizationRequest): Promise<AuthorizationDecision> {
    this.seen.push(r);
    if (r.principal?.kind === 'root') return Promise.resolve({ decision: 'Allow' });
    for (const p of r.resourcePolicies ?? []) {
      const doc = JSON.parse(p) as { Statement: { Effect: string; Principal: unknown; Action: string | string[] }[] };
      for (const s of doc.Statement) {
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        if (s.Principal === '*' && actions.includes(r.action)) return Promise.resolve({ decision: s.Effect === 'Deny' ? 'ExplicitDeny' : 'Allow' });
      }
    }
    return Promise.resolve({ decision: 'ImplicitDeny' });
  }
}

describe('S3 authorization through the Authorizer seam (with a stand-in for the IAM engine)', () => {
  let rec: RecordingAuthorizer;
  beforeAll(() => {
    rec = new RecordingAuthorizer();
    server.gatehouse.platform.authorizer = rec;
  });
  afterAll(() => {
    server.gatehouse.platform.authorizer = new (class implements Authorizer {
      authorize(r: AuthorizationRequest): Promise<AuthorizationDecision> {
        return Promise.resolve({ decision: r.principal?.kind === 'root' ? 'Allow' : 'ImplicitDeny' });
      }
    })();
  });

  it('asks with AWS action names, resource ARNs and condition keys', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mapped' }));
    const asked = async (fn: () => Promise<unknown>): Promise<[string, string][]> => {
      rec.seen.length = 0;
      await fn();
      return rec.seen.map((r) => [r.action, r.resource]);
    };
    expect(await asked(() => s3.send(new ListBucketsCommand({})))).toEqual([['s3:ListAllMyBuckets', '*']]);
    expect(await asked(() => s3.send(new PutObjectCommand({ Bucket: 'mapped', Key: 'dir/k', Body: 'x' })))).toEqual([['s3:PutObject', 'arn:aws:s3:::mapped/dir/k']]);
    expect(await asked(() => s3.send(new GetObjectCommand({ Bucket: 'mapped', Key: 'dir/k' })))).toEqual([['s3:GetObject', 'arn:aws:s3:::mapped/dir/k']]);
    expect(await asked(() => s3.send(new ListObjectsV2Command({ Bucket: 'mapped', Prefix: 'dir/' })))).toEqual([['s3:ListBucket', 'arn:aws:s3:::mapped']]);
    expect(rec.seen[0]?.context).toMatchObject({ 's3:prefix': 'dir/', 'aws:SecureTransport': 'false', 's3:authType': 'REST-HEADER', 's3:signatureversion': 'AWS4-HMAC-SHA256' });
    expect(rec.seen[0]?.context['aws:SourceIp']).toMatch(/^127\.0\.0\.1$|^::1$/);
    expect(await asked(() => s3.send(new CopyObjectCommand({ Bucket: 'mapped', Key: 'copy', CopySource: 'mapped/dir/k' })))).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::mapped/copy'],
      ['s3:GetObject', 'arn:aws:s3:::mapped/dir/k'],
    ]);
    expect(await asked(() => s3.send(new DeleteObjectsCommand({ Bucket: 'mapped', Delete: { Objects: [{ Key: 'copy' }, { Key: 'dir/k' }] } })))).toEqual([
      ['s3:DeleteObject', 'arn:aws:s3:::mapped/copy'],
      ['s3:DeleteObject', 'arn:aws:s3:::mapped/dir/k'],
    ]);
    expect(await asked(() => s3.send(new CreateMultipartUploadCommand({ Bucket: 'mapped', Key: 'mp' })))).toEqual([['s3:PutObject', 'arn:aws:s3:::mapped/mp']]);
    expect(await asked(() => s3.send(new PutBucketCorsCommand({ Bucket: 'mapped', CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] } })))).toEqual([
      ['s3:PutBucketCORS', 'arn:aws:s3:::mapped'],
    ]);
    expect(await asked(() => s3.send(new PutObjectCommand({ Bucket: 'mapped', Key: 'acl', Body: 'x', ACL: 'bucket-owner-full-control' })))).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::mapped/acl'],
      ['s3:PutObjectAcl', 'arn:aws:s3:::mapped/acl'],
    ]);
  });

  it('passes the bucket policy as a resource policy; anonymous access by a public policy honours RestrictPublicBuckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'by-policy' }));
    await s3.send(new PutObjectCommand({ Bucket: 'by-policy', Key: 'page.html', Body: 'public by policy' }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'by-policy', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'by-policy', Policy: publicReadPolicy('by-policy') }));
    rec.seen.length = 0;
    // The engine allows (a public policy), but RestrictPublicBuckets limits it to the account's principals.
    expect((await raw(`${server.url}/by-policy/page.html`)).status).toBe(403);
    expect(rec.seen[0]).toMatchObject({ principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::by-policy/page.html', resourcePolicies: [publicReadPolicy('by-policy')] });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'by-policy', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true } }));
    const ok = await raw(`${server.url}/by-policy/page.html`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('public by policy');
    // A Deny statement in the bucket policy is an explicit deny.
    const deny = JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::by-policy/*' }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'by-policy', Policy: deny }));
    expect((await raw(`${server.url}/by-policy/page.html`)).status).toBe(403);
  });
});

describe('S3 CORS', () => {
  const origin = 'http://app.example.test';
  const preflight = (bucket: string, headers: Record<string, string>) => raw(`${server.url}/${bucket}/file.txt`, { method: 'OPTIONS', headers });

  it('stores rules, answers preflights from them, and adds headers to actual responses', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'cors' }));
    expect(codeOf((await preflight('cors', { origin, 'access-control-request-method': 'GET' })).text)).toBe('CORSResponse');
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: 'cors',
        CORSConfiguration: {
          CORSRules: [
            { ID: 'app', AllowedOrigins: [origin, 'http://*.example.org'], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 3000 },
            { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: 'cors' }));
    expect(got.CORSRules).toEqual([
      { ID: 'app', AllowedOrigins: [origin, 'http://*.example.org'], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 3000 },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ]);

    const ok = await preflight('cors', { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-amz-date, authorization' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET, PUT, HEAD');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-date, authorization');
    expect(ok.headers.get('access-control-max-age')).toBe('3000');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const wild = await preflight('cors', { origin: 'http://shop.example.org', 'access-control-request-method': 'GET' });
    expect(wild.headers.get('access-control-allow-origin')).toBe('http://shop.example.org');
    const any = await preflight('cors', { origin: 'http://elsewhere.test', 'access-control-request-method': 'GET' });
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await preflight('cors', { origin: 'http://elsewhere.test', 'access-control-request-method': 'DELETE' });
    expect(refused.status).toBe(403);
    expect(codeOf(refused.text)).toBe('CORSResponse');
    const noOrigin = await preflight('cors', { 'access-control-request-method': 'GET' });
    expect(noOrigin.status).toBe(400);
    expect(noOrigin.text).toContain('Insufficient information. Origin request header needed.');
    const badMethod = await preflight('cors', { origin, 'access-control-request-method': 'PATCH' });
    expect(badMethod.status).toBe(400);

    await s3.send(new PutObjectCommand({ Bucket: 'cors', Key: 'file.txt', Body: 'x' }));
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'cors', Key: 'file.txt' }), { expiresIn: 60 });
    const actual = await raw(url, { headers: { origin } });
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe(origin);
    expect(actual.headers.get('access-control-expose-headers')).toBe('ETag, x-amz-request-id');
    // Errors carry CORS headers too, so a browser can read them.
    const denied = await raw(`${server.url}/cors/file.txt`, { headers: { origin } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe(origin);

    expect(await errorOf(s3.send(new PutBucketCorsCommand({ Bucket: 'cors', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } })))).toMatchObject({
      name: 'InvalidRequest',
      message: 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH',
    });
    await s3.send(new DeleteBucketCorsCommand({ Bucket: 'cors' }));
    expect(await errorOf(s3.send(new GetBucketCorsCommand({ Bucket: 'cors' })))).toMatchObject({ name: 'NoSuchCORSConfiguration', status: 404 });
  });
});
