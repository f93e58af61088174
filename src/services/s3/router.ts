/**
 * Maps an S3 request (method, bucket from host or path, key, query subresources, a few
 * headers) to the AWS operation name. Addressing: path-style (`/bucket/key`) on any host that
 * is not a bucket host; virtual-hosted-style on `<bucket>.<s3 host suffix>` and
 * `<bucket>.localhost` (what SDKs send for an endpoint of `http://localhost:port`).
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Errors } from './errors.js';

export interface S3Route {
  operation: string;
  bucket: string | undefined;
  key: string | undefined;
  /** Decoded query parameters (first value wins). */
  query: Map<string, string>;
  /** Whether the bucket came from the Host header. */
  virtualHosted: boolean;
}

/** The bucket named by a virtual host, or undefined for path-style hosts. */
export function bucketFromHost(host: string, s3Suffix: string, websiteSuffix: string): string | undefined {
  if (host.length > s3Suffix.length + 1 && host.endsWith(s3Suffix) && host.charCodeAt(host.length - s3Suffix.length - 1) === 46) {
    return host.slice(0, host.length - s3Suffix.length - 1);
  }
  if (host.endsWith('.localhost') && host !== s3Suffix && !host.endsWith(`.${websiteSuffix}`) && host !== websiteSuffix) {
    const b = host.slice(0, -'.localhost'.length);
    // `s3.localhost` itself (and the like) is an endpoint, not a bucket, when the suffix is not the default.
    return b === '' ? undefined : b;
  }
  return undefined;
}

/** Query string → decoded map; a malformed escape is InvalidURI. */
export function parseS3Query(query: string): Map<string, string> {
  const m = new Map<string, string>();
  if (query === '') return m;
  let start = 0;
  while (start <= query.length) {
    let amp = query.indexOf('&', start);
    if (amp < 0) amp = query.length;
    if (amp > start) {
      const part = query.slice(start, amp);
      const eq = part.indexOf('=');
      const k = decode(eq < 0 ? part : part.slice(0, eq));
      if (!m.has(k)) m.set(k, eq < 0 ? '' : decode(part.slice(eq + 1)));
    }
    start = amp + 1;
  }
  return m;
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    // Form-style '+' for space appears in hand-written URLs; SigV4 signers send %20.
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    throw S3Errors.invalidUri();
  }
}

function decodePath(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw S3Errors.invalidUri();
  }
}

/** Bucket-level subresources by method, in the order they are tested. */
const BUCKET_SUBRESOURCES: Record<string, readonly (readonly [string, string])[]> = {
  GET: [
    ['location', 'GetBucketLocation'],
    ['cors', 'GetBucketCors'],
    ['policy', 'GetBucketPolicy'],
    ['website', 'GetBucketWebsite'],
    ['acl', 'GetBucketAcl'],
    ['publicAccessBlock', 'GetPublicAccessBlock'],
    ['ownershipControls', 'GetBucketOwnershipControls'],
    ['uploads', 'ListMultipartUploads'],
    ['versioning', 'GetBucketVersioning'],
    ['policyStatus', 'GetBucketPolicyStatus'],
  ],
  PUT: [
    ['cors', 'PutBucketCors'],
    ['policy', 'PutBucketPolicy'],
    ['website', 'PutBucketWebsite'],
    ['acl', 'PutBucketAcl'],
    ['publicAccessBlock', 'PutPublicAccessBlock'],
    ['ownershipControls', 'PutBucketOwnershipControls'],
  ],
  DELETE: [
    ['cors', 'DeleteBucketCors'],
    ['policy', 'DeleteBucketPolicy'],
    ['website', 'DeleteBucketWebsite'],
    ['publicAccessBlock', 'DeletePublicAccessBlock'],
    ['ownershipControls', 'DeleteBucketOwnershipControls'],
  ],
  POST: [['delete', 'DeleteObjects']],
};

/** Subresources S3 has that Gatehouse does not implement: answered with NotImplemented, never misrouted. */
const UNSUPPORTED = [
  'accelerate', 'analytics', 'encryption', 'intelligent-tiering', 'inventory', 'lifecycle', 'logging', 'metrics', 'notification',
  'object-lock', 'replication', 'requestPayment', 'tagging', 'versions', 'legal-hold', 'retention', 'restore', 'select', 'torrent',
  'attributes', 'renameObject', 'metadataTable', 'session',
];

export function route(method: string, rawPath: string, query: string, host: string, s3Suffix: string, websiteSuffix: string, headers: IncomingHttpHeaders): S3Route {
  const q = parseS3Query(query);
  const hostBucket = bucketFromHost(host, s3Suffix, websiteSuffix);
  let bucket: string | undefined;
  let key: string | undefined;
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    key = rawPath.length > 1 ? decodePath(rawPath.slice(1)) : undefined;
  } else {
    const slash = rawPath.indexOf('/', 1);
    const b = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
    bucket = b === '' ? undefined : decodePath(b);
    key = slash < 0 || slash === rawPath.length - 1 ? undefined : decodePath(rawPath.slice(slash + 1));
  }
  const r = (operation: string): S3Route => ({ operation, bucket, key, query: q, virtualHosted: hostBucket !== undefined });

  if (method === 'OPTIONS') return r('PreflightRequest');
  if (bucket === undefined) {
    if (method === 'GET') return r('ListBuckets');
    throw S3Errors.methodNotAllowed(method, 'SERVICE');
  }
  if (q.size > 0) for (const name of UNSUPPORTED) if (q.has(name)) throw S3Errors.notImplemented(`?${name}`);

  if (key === undefined) {
    for (const [sub, op] of BUCKET_SUBRESOURCES[method] ?? []) if (q.has(sub)) return r(op);
    switch (method) {
      case 'GET':
        return r(q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
      case 'HEAD':
        return r('HeadBucket');
      case 'PUT':
        return r('CreateBucket');
      case 'DELETE':
        return r('DeleteBucket');
      case 'POST':
        throw S3Errors.notImplemented('POST object (browser form uploads)');
      default:
        throw S3Errors.methodNotAllowed(method, 'BUCKET');
    }
  }

  const uploadId = q.has('uploadId');
  switch (method) {
    case 'GET':
      if (uploadId) return r('ListParts');
      if (q.has('acl')) return r('GetObjectAcl');
      return r('GetObject');
    case 'HEAD':
      return r('HeadObject');
    case 'PUT':
      if (q.has('partNumber') || uploadId) return r(headers['x-amz-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart');
      if (q.has('acl')) return r('PutObjectAcl');
      if (headers['x-amz-copy-source'] !== undefined) return r('CopyObject');
      return r('PutObject');
    case 'DELETE':
      if (uploadId) return r('AbortMultipartUpload');
      return r('DeleteObject');
    case 'POST':
      if (q.has('uploads')) return r('CreateMultipartUpload');
      if (uploadId) return r('CompleteMultipartUpload');
      throw S3Errors.methodNotAllowed(method, 'OBJECT');
    default:
      throw S3Errors.methodNotAllowed(method, 'OBJECT');
  }
}
