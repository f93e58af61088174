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

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
type ByMethod = Partial<Record<Method, string>>;

/**
 * Every subresource S3 defines, with the operation each method names at bucket and object
 * level: the `requestUri` and `method` of the S3 model (models/s3.json; routing.test.ts checks
 * this table against it). Where the model has two operations for one method (a Get and a List
 * told apart by `id`, the old and new lifecycle or notification calls) the current one is named;
 * all of those are unimplemented. A request is routed by this table alone, so an unknown
 * method on a known subresource can never fall through to the bare bucket or object operation
 * (DELETE ?versioning must not be DeleteBucket).
 */
export const SUBRESOURCES: Readonly<Record<string, { bucket?: ByMethod; object?: ByMethod }>> = {
  abac: { bucket: { GET: 'GetBucketAbac', PUT: 'PutBucketAbac' } },
  accelerate: { bucket: { GET: 'GetBucketAccelerateConfiguration', PUT: 'PutBucketAccelerateConfiguration' } },
  acl: { bucket: { GET: 'GetBucketAcl', PUT: 'PutBucketAcl' }, object: { GET: 'GetObjectAcl', PUT: 'PutObjectAcl' } },
  analytics: { bucket: { DELETE: 'DeleteBucketAnalyticsConfiguration', GET: 'GetBucketAnalyticsConfiguration', PUT: 'PutBucketAnalyticsConfiguration' } },
  attributes: { object: { GET: 'GetObjectAttributes' } },
  cors: { bucket: { DELETE: 'DeleteBucketCors', GET: 'GetBucketCors', PUT: 'PutBucketCors' } },
  delete: { bucket: { POST: 'DeleteObjects' } },
  encryption: { bucket: { DELETE: 'DeleteBucketEncryption', GET: 'GetBucketEncryption', PUT: 'PutBucketEncryption' }, object: { PUT: 'UpdateObjectEncryption' } },
  'intelligent-tiering': { bucket: { DELETE: 'DeleteBucketIntelligentTieringConfiguration', GET: 'GetBucketIntelligentTieringConfiguration', PUT: 'PutBucketIntelligentTieringConfiguration' } },
  inventory: { bucket: { DELETE: 'DeleteBucketInventoryConfiguration', GET: 'GetBucketInventoryConfiguration', PUT: 'PutBucketInventoryConfiguration' } },
  'legal-hold': { object: { GET: 'GetObjectLegalHold', PUT: 'PutObjectLegalHold' } },
  lifecycle: { bucket: { DELETE: 'DeleteBucketLifecycle', GET: 'GetBucketLifecycleConfiguration', PUT: 'PutBucketLifecycleConfiguration' } },
  location: { bucket: { GET: 'GetBucketLocation' } },
  logging: { bucket: { GET: 'GetBucketLogging', PUT: 'PutBucketLogging' } },
  metadataConfiguration: { bucket: { DELETE: 'DeleteBucketMetadataConfiguration', GET: 'GetBucketMetadataConfiguration', POST: 'CreateBucketMetadataConfiguration' } },
  metadataInventoryTable: { bucket: { PUT: 'UpdateBucketMetadataInventoryTableConfiguration' } },
  metadataJournalTable: { bucket: { PUT: 'UpdateBucketMetadataJournalTableConfiguration' } },
  metadataTable: { bucket: { DELETE: 'DeleteBucketMetadataTableConfiguration', GET: 'GetBucketMetadataTableConfiguration', POST: 'CreateBucketMetadataTableConfiguration' } },
  metrics: { bucket: { DELETE: 'DeleteBucketMetricsConfiguration', GET: 'GetBucketMetricsConfiguration', PUT: 'PutBucketMetricsConfiguration' } },
  notification: { bucket: { GET: 'GetBucketNotificationConfiguration', PUT: 'PutBucketNotificationConfiguration' } },
  'object-lock': { bucket: { GET: 'GetObjectLockConfiguration', PUT: 'PutObjectLockConfiguration' } },
  ownershipControls: { bucket: { DELETE: 'DeleteBucketOwnershipControls', GET: 'GetBucketOwnershipControls', PUT: 'PutBucketOwnershipControls' } },
  policy: { bucket: { DELETE: 'DeleteBucketPolicy', GET: 'GetBucketPolicy', PUT: 'PutBucketPolicy' } },
  policyStatus: { bucket: { GET: 'GetBucketPolicyStatus' } },
  publicAccessBlock: { bucket: { DELETE: 'DeletePublicAccessBlock', GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock' } },
  renameObject: { object: { PUT: 'RenameObject' } },
  replication: { bucket: { DELETE: 'DeleteBucketReplication', GET: 'GetBucketReplication', PUT: 'PutBucketReplication' } },
  requestPayment: { bucket: { GET: 'GetBucketRequestPayment', PUT: 'PutBucketRequestPayment' } },
  restore: { object: { POST: 'RestoreObject' } },
  retention: { object: { GET: 'GetObjectRetention', PUT: 'PutObjectRetention' } },
  select: { object: { POST: 'SelectObjectContent' } },
  session: { bucket: { GET: 'CreateSession' } },
  tagging: { bucket: { DELETE: 'DeleteBucketTagging', GET: 'GetBucketTagging', PUT: 'PutBucketTagging' }, object: { DELETE: 'DeleteObjectTagging', GET: 'GetObjectTagging', PUT: 'PutObjectTagging' } },
  torrent: { object: { GET: 'GetObjectTorrent' } },
  uploads: { bucket: { GET: 'ListMultipartUploads' }, object: { POST: 'CreateMultipartUpload' } },
  versioning: { bucket: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' } },
  versions: { bucket: { GET: 'ListObjectVersions' } },
  website: { bucket: { DELETE: 'DeleteBucketWebsite', GET: 'GetBucketWebsite', PUT: 'PutBucketWebsite' } },
};

/** The one subresource a request names, if any; two at once name no operation. */
function subresourceOf(q: Map<string, string>): string | undefined {
  let found: string | undefined;
  for (const name of q.keys()) {
    if (!Object.hasOwn(SUBRESOURCES, name)) continue;
    if (found !== undefined) throw S3Errors.invalidRequest(`A request names at most one subresource; this one names ?${found} and ?${name}.`);
    found = name;
  }
  return found;
}

/**
 * Without versioning every object has the one version S3 calls "null". Any other version id
 * names a version that cannot exist: S3 answers InvalidArgument for it on an unversioned
 * bucket, and serving the current object instead would answer a question not asked.
 */
function checkVersionId(q: Map<string, string>): void {
  const v = q.get('versionId');
  if (v !== undefined && v !== 'null') throw S3Errors.invalidArgument('Invalid version id specified', 'versionId', v);
}

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

  const level = key === undefined ? 'bucket' : 'object';
  const sub = q.size > 0 ? subresourceOf(q) : undefined;
  if (sub !== undefined) {
    const defined = SUBRESOURCES[sub]!;
    const at = defined[level];
    if (at === undefined) {
      throw S3Errors.invalidRequest(`?${sub} is a${level === 'bucket' ? 'n object' : ' bucket'} subresource; this request names a${level === 'bucket' ? ' bucket' : 'n object'}.`);
    }
    const op = Object.hasOwn(at, method) ? at[method as Method] : undefined;
    if (op === undefined) throw S3Errors.methodNotAllowed(method, sub.toUpperCase());
    if (level === 'object') checkVersionId(q);
    return r(op);
  }

  if (key === undefined) {
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

  checkVersionId(q);
  const uploadId = q.has('uploadId');
  switch (method) {
    case 'GET':
      return r(uploadId ? 'ListParts' : 'GetObject');
    case 'HEAD':
      return r('HeadObject');
    case 'PUT':
      if (q.has('partNumber') || uploadId) return r(headers['x-amz-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart');
      if (headers['x-amz-copy-source'] !== undefined) return r('CopyObject');
      return r('PutObject');
    case 'DELETE':
      return r(uploadId ? 'AbortMultipartUpload' : 'DeleteObject');
    case 'POST':
      if (uploadId) return r('CompleteMultipartUpload');
      throw S3Errors.methodNotAllowed(method, 'OBJECT');
    default:
      throw S3Errors.methodNotAllowed(method, 'OBJECT');
  }
}
