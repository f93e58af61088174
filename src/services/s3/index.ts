/**
 * S3 on the edge: the `HttpHandler` for every request no other protocol claims, and the
 * website endpoint's. A request is routed to its AWS operation, authenticated (SigV4 header or
 * presigned, or anonymous), its bucket loaded, CORS applied, authorized (action and resource as
 * AWS maps them), and dispatched; errors render as S3's `<Error>` document (no body for HEAD).
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../../errors.js';
import type { Platform } from '../../platform.js';
import { s3ErrorXml } from '../../protocols/rest-xml.js';
import type { EdgeRequest, HttpHandler } from '../../protocols/http.js';
import { authenticateS3, type S3Auth } from './auth.js';
import { ACTIONS } from './authorize.js';
import { canonicalUserId, header, requireAccess, type S3Call, type S3Deps } from './context.js';
import { applyCors, DeleteBucketCors, GetBucketCors, PutBucketCors, sendPreflight } from './cors.js';
import { S3Errors } from './errors.js';
import * as buckets from './operations/buckets.js';
import * as config from './operations/config.js';
import * as listing from './operations/listing.js';
import * as multipart from './operations/multipart.js';
import * as objects from './operations/objects.js';
import { refuseUnimplementedHeaders, serverSideEncryption } from './operations/write.js';
import { route, type S3Route } from './router.js';
import { BlobStore } from './storage/blobs.js';
import { Md5Hashers } from './storage/md5.js';
import { S3Store, s3Schema } from './store.js';
import { DeleteBucketWebsite, GetBucketWebsite, PutBucketWebsite, WebsiteHandler } from './website.js';

export { s3Schema };

type Operation = (call: S3Call) => Promise<void>;

/** Every implemented operation, by its AWS name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ListBuckets: buckets.ListBuckets,
  CreateBucket: buckets.CreateBucket,
  DeleteBucket: buckets.DeleteBucket,
  HeadBucket: buckets.HeadBucket,
  GetBucketLocation: buckets.GetBucketLocation,
  GetBucketVersioning: buckets.GetBucketVersioning,
  PutObject: objects.PutObject,
  GetObject: objects.GetObject,
  HeadObject: objects.HeadObject,
  DeleteObject: objects.DeleteObject,
  DeleteObjects: objects.DeleteObjects,
  CopyObject: objects.CopyObject,
  ListObjects: listing.ListObjects,
  ListObjectsV2: listing.ListObjectsV2,
  ListMultipartUploads: listing.ListMultipartUploads,
  CreateMultipartUpload: multipart.CreateMultipartUpload,
  UploadPart: multipart.UploadPart,
  UploadPartCopy: multipart.UploadPartCopy,
  CompleteMultipartUpload: multipart.CompleteMultipartUpload,
  AbortMultipartUpload: multipart.AbortMultipartUpload,
  ListParts: multipart.ListParts,
  PutBucketPolicy: config.PutBucketPolicy,
  GetBucketPolicy: config.GetBucketPolicy,
  DeleteBucketPolicy: config.DeleteBucketPolicy,
  GetBucketPolicyStatus: config.GetBucketPolicyStatus,
  GetBucketAcl: config.GetBucketAcl,
  PutBucketAcl: config.PutBucketAcl,
  GetObjectAcl: config.GetObjectAcl,
  PutObjectAcl: config.PutObjectAcl,
  PutPublicAccessBlock: config.PutPublicAccessBlock,
  GetPublicAccessBlock: config.GetPublicAccessBlock,
  DeletePublicAccessBlock: config.DeletePublicAccessBlock,
  PutBucketOwnershipControls: config.PutBucketOwnershipControls,
  GetBucketOwnershipControls: config.GetBucketOwnershipControls,
  DeleteBucketOwnershipControls: config.DeleteBucketOwnershipControls,
  PutBucketCors,
  GetBucketCors,
  DeleteBucketCors,
  PutBucketWebsite,
  GetBucketWebsite,
  DeleteBucketWebsite,
  PreflightRequest: sendPreflight,
};

/** Operations that decide access themselves (per key, with the object's ACL, or with no bucket yet). */
const SELF_AUTHORIZED = new Set(['ListBuckets', 'CreateBucket', 'GetObject', 'HeadObject', 'DeleteObjects', 'PreflightRequest']);
/** Operations that create keys, where S3 enforces the 1024-byte limit. */
const KEY_WRITES = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload']);
/**
 * The implemented operations the S3 model marks `httpChecksum.requestChecksumRequired`: S3 refuses
 * them without a Content-MD5 or a flexible checksum (header or announced trailer).
 */
export const CHECKSUM_REQUIRED = new Set([
  'DeleteObjects',
  'PutBucketAcl',
  'PutBucketCors',
  'PutBucketOwnershipControls',
  'PutBucketPolicy',
  'PutBucketWebsite',
  'PutObjectAcl',
  'PutPublicAccessBlock',
]);

function hasRequestChecksum(h: EdgeRequest['req']['headers']): boolean {
  if (h['content-md5'] !== undefined || h['x-amz-trailer'] !== undefined) return true;
  for (const name in h) if (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-mode') return true;
  return false;
}

/** A unique origin without scripts, forms, popups or plugins for whatever the response holds. */
export const SANDBOX = 'sandbox';

const ANONYMOUS: S3Auth = { principal: undefined, payload: { kind: 'anonymous' }, authType: undefined };

/** S3's x-amz-id-2 / HostId: an opaque per-request token. */
function hostIdOf(requestId: string): string {
  return Buffer.from(requestId, 'latin1').toString('base64');
}

export class S3Service implements HttpHandler {
  readonly deps: S3Deps;

  constructor(private readonly platform: Platform) {
    this.deps = {
      config: platform.config,
      clock: platform.clock,
      store: new S3Store(platform.db),
      blobs: new BlobStore(path.join(platform.config.dataDir, 's3')),
      md5: new Md5Hashers(),
      // Read through the platform on each call, so the IAM engine (or a test's stand-in) can replace it.
      authorizer: { authorize: (r) => platform.authorizer.authorize(r) },
      ownerId: canonicalUserId(platform.config.accountId),
    };
  }

  /**
   * An object's bytes for another service (Lambda's Code.S3Bucket/S3Key), at most `max` bytes;
   * the caller has authorized the read.
   */
  async objectBytes(bucket: string, key: string, max: number): Promise<Buffer | 'missing' | 'too-large'> {
    const row = await this.deps.store.getObject(bucket, key);
    if (row === undefined) return 'missing';
    if (row.size > max) return 'too-large';
    return fs.promises.readFile(this.deps.blobs.path(row.blob));
  }

  /** Releases what the blob store holds open and stops the hashing workers. */
  async close(): Promise<void> {
    this.deps.blobs.close();
    await this.deps.md5.close();
  }

  async handle(edge: EdgeRequest): Promise<void> {
    const res = edge.res;
    res.setHeader('x-amz-id-2', hostIdOf(edge.requestId));
    let r: S3Route | undefined;
    try {
      const cfg = this.platform.config;
      r = route(edge.method, edge.path, edge.query, edge.host, cfg.s3HostSuffix, cfg.websiteHostSuffix, edge.req.headers);
      edge.operation = `s3.${r.operation}`;
      // Path-style answers come from Gatehouse's own origin, where its own pages live: bucket
      // content served there must not run script in that origin. Virtual-hosted names
      // (<bucket>.s3.localhost) are an origin of their own and are served as AWS serves them.
      if (!r.virtualHosted) res.setHeader('content-security-policy', SANDBOX);
      const now = this.platform.clock.now();
      const auth = r.operation === 'PreflightRequest' ? ANONYMOUS : await authenticateS3(edge, this.platform.credentials, now);
      const call: S3Call = { edge, route: r, auth, deps: this.deps, now, bucket: undefined };
      const op = OPERATIONS[r.operation];
      if (op === undefined) throw S3Errors.notImplemented(r.operation);
      if (r.bucket !== undefined && r.operation !== 'CreateBucket') {
        call.bucket = await this.deps.store.getBucket(r.bucket);
        if (call.bucket === undefined && r.operation !== 'PreflightRequest') throw S3Errors.noSuchBucket(r.bucket);
        if (r.operation !== 'PreflightRequest') applyCors(res, edge.req.headers, edge.method, call.bucket);
      }
      const expectedOwner = header(call, 'x-amz-expected-bucket-owner');
      if (expectedOwner !== undefined && call.bucket !== undefined && expectedOwner !== call.bucket.owner_account) throw S3Errors.accessDenied();
      if (r.key !== undefined && KEY_WRITES.has(r.operation) && Buffer.byteLength(r.key) > 1024) throw S3Errors.keyTooLong(Buffer.byteLength(r.key));
      if (!SELF_AUTHORIZED.has(r.operation)) {
        const a = ACTIONS[r.operation];
        if (a === undefined) throw S3Errors.notImplemented(r.operation);
        await requireAccess(call, a[0], a[1], { extra: listContext(r) });
      }
      // SSE-C, SSE-KMS, tagging and Object Lock headers on any operation are NotImplemented, never ignored.
      serverSideEncryption(call);
      refuseUnimplementedHeaders(call);
      if (CHECKSUM_REQUIRED.has(r.operation) && !hasRequestChecksum(edge.req.headers)) {
        throw S3Errors.invalidRequest('Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
      }
      await op(call);
    } catch (err) {
      this.#error(edge, err, r);
    }
  }

  truncatedBodyAnswer(edge: EdgeRequest): { status: number; body: Buffer; contentType: string } {
    const se = S3Errors.incompleteBody();
    return { status: se.status, body: Buffer.from(s3ErrorXml(se, edge.requestId, hostIdOf(edge.requestId)), 'utf8'), contentType: 'application/xml' };
  }

  #error(edge: EdgeRequest, err: unknown, r: S3Route | undefined): void {
    const res = edge.res;
    let se: ServiceError;
    if (err instanceof ServiceError) se = err;
    else {
      edge.log.error({ err, requestId: edge.requestId, operation: edge.operation }, 'unhandled error');
      se = new ServiceError('InternalError', 'We encountered an internal error. Please try again.', 500);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (se.status === 403 || se.status === 401) edge.log.info({ requestId: edge.requestId, op: edge.operation, code: se.code, bucket: r?.bucket }, 's3 request refused');
    const headers: Record<string, string | number> = { ...se.headers };
    if (se.code === 'MethodNotAllowed') headers.allow = r?.key !== undefined ? 'GET, PUT, POST, DELETE, HEAD' : 'GET, PUT, DELETE, HEAD, POST';
    // An unread body would otherwise be drained before the connection can be reused.
    if (!edge.req.complete) headers.connection = 'close';
    if (edge.method === 'HEAD') {
      res.writeHead(se.status, { ...headers, 'content-length': 0 });
      res.end();
      return;
    }
    const body = Buffer.from(s3ErrorXml(se, edge.requestId, hostIdOf(edge.requestId)), 'utf8');
    res.writeHead(se.status, { ...headers, 'content-type': 'application/xml', 'content-length': body.length });
    res.end(body);
  }
}

/** ListBucket's condition keys: s3:prefix, s3:delimiter, s3:max-keys. */
function listContext(r: S3Route): Record<string, string> | undefined {
  if (r.operation !== 'ListObjects' && r.operation !== 'ListObjectsV2') return undefined;
  const extra: Record<string, string> = {};
  const prefix = r.query.get('prefix');
  if (prefix !== undefined) extra['s3:prefix'] = prefix;
  const delimiter = r.query.get('delimiter');
  if (delimiter !== undefined) extra['s3:delimiter'] = delimiter;
  const max = r.query.get('max-keys');
  if (max !== undefined) extra['s3:max-keys'] = max;
  return extra;
}

/** Builds S3 and its website endpoint over one store and blob directory. */
export function createS3(platform: Platform): { s3: S3Service; website: WebsiteHandler } {
  const s3 = new S3Service(platform);
  return { s3, website: new WebsiteHandler(s3.deps, platform.config, hostIdOf) };
}
