/**
 * What every S3 operation gets: the request as routed and authenticated, the bucket (loaded
 * once), the service's dependencies, and helpers to answer in S3's wire format.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { S3_XMLNS } from '../../protocols/rest-xml.js';
import { XML_DECLARATION } from '../../protocols/xml.js';
import type { EdgeRequest } from '../../protocols/http.js';
import type { Authorizer } from '../iam/authorizer.js';
import type { S3Auth } from './auth.js';
import { decide, denied, resourceArn, type Decision } from './authorize.js';
import type { S3Route } from './router.js';
import type { BlobStore } from './storage/blobs.js';
import type { Md5Hashers } from './storage/md5.js';
import type { BucketRow, S3Store } from './store.js';

export interface S3Deps {
  config: Config;
  clock: Clock;
  store: S3Store;
  blobs: BlobStore;
  md5: Md5Hashers;
  authorizer: Authorizer;
  /** The account's canonical user id (64 hex), as S3 names owners. */
  ownerId: string;
}

export interface S3Call {
  readonly edge: EdgeRequest;
  readonly route: S3Route;
  readonly auth: S3Auth;
  readonly deps: S3Deps;
  readonly now: number;
  /** The bucket the request names, once loaded. */
  bucket: BucketRow | undefined;
}

/** S3 names owners by a canonical user id; Gatehouse derives one per account. */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`gatehouse canonical user ${accountId}`).digest('hex');
}

export function bucketOf(call: S3Call): BucketRow {
  if (call.bucket === undefined) throw new Error('operation needs a loaded bucket');
  return call.bucket;
}

export function keyOf(call: S3Call): string {
  return call.route.key ?? '';
}

/** Condition keys for this request, as the policy engine reads them. */
export function conditionContext(call: S3Call, extra?: Record<string, string | readonly string[]>): Record<string, string | readonly string[]> {
  const e = call.edge;
  const h = e.req.headers;
  const ctx: Record<string, string | readonly string[]> = {
    'aws:SourceIp': e.sourceIp,
    'aws:SecureTransport': e.secure ? 'true' : 'false',
    'aws:CurrentTime': new Date(call.now).toISOString(),
    'aws:EpochTime': String(Math.floor(call.now / 1000)),
    'aws:UserAgent': String(h['user-agent'] ?? ''),
    'aws:RequestedRegion': call.bucket?.region ?? call.deps.config.region,
  };
  if (h.referer !== undefined) ctx['aws:Referer'] = h.referer;
  if (call.auth.authType !== undefined) {
    ctx['s3:authType'] = call.auth.authType;
    ctx['s3:signatureversion'] = 'AWS4-HMAC-SHA256';
    if (call.auth.signatureAge !== undefined) ctx['s3:signatureAge'] = String(call.auth.signatureAge);
  }
  const sha = h['x-amz-content-sha256'];
  if (typeof sha === 'string') ctx['s3:x-amz-content-sha256'] = sha;
  const acl = h['x-amz-acl'];
  if (typeof acl === 'string') ctx['s3:x-amz-acl'] = acl;
  if (extra !== undefined) Object.assign(ctx, extra);
  return ctx;
}

/** Decides `action` on the request's bucket (or `key` in it) and throws AccessDenied unless allowed. */
export async function requireAccess(
  call: S3Call,
  action: string,
  level: 'service' | 'bucket' | 'object',
  options: { key?: string; objectAcl?: string; extra?: Record<string, string | readonly string[]> } = {},
): Promise<void> {
  const d = await checkAccess(call, action, level, options);
  if (d !== 'Allow') throw denied({ principal: call.auth.principal, action, resource: resourceArn(level, call.route.bucket, options.key ?? call.route.key) }, d);
}

export function checkAccess(
  call: S3Call,
  action: string,
  level: 'service' | 'bucket' | 'object',
  options: { key?: string; objectAcl?: string; extra?: Record<string, string | readonly string[]> } = {},
): Promise<Decision> {
  return decide(call.deps.authorizer, {
    principal: call.auth.principal,
    action,
    resource: resourceArn(level, call.route.bucket, options.key ?? call.route.key),
    bucket: call.bucket,
    objectAcl: options.objectAcl,
    context: conditionContext(call, options.extra),
  });
}

export function sendXml(call: S3Call, status: number, body: string, headers: Record<string, string | number> = {}): void {
  const buf = Buffer.from(body, 'utf8');
  call.edge.res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': buf.length });
  call.edge.res.end(call.edge.method === 'HEAD' ? undefined : buf);
}

export function sendEmpty(call: S3Call, status: number, headers: Record<string, string | number> = {}): void {
  call.edge.res.writeHead(status, { ...headers, 'content-length': 0 });
  call.edge.res.end();
}

/** `<?xml …?><Root xmlns="…">inner</Root>` */
export function doc(root: string, inner: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}

export function header(call: S3Call, name: string): string | undefined {
  const v = call.edge.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
