/**
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject.
 * @module
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../../../errors.js';
import { children, childText, el, malformedXml, parseXmlBody } from '../../../protocols/rest-xml.js';
import { anonymousMayEver, decide, denied, PUBLIC_CANNED_ACLS, aclsEnabled, publicAccessBlockOf, resourceArn } from '../authorize.js';
import { bucketOf, checkAccess, conditionContext, doc, header, keyOf, requireAccess, sendEmpty, sendXml, type S3Call } from '../context.js';
import { S3Errors } from '../errors.js';
import { openBody, readSmallBody } from '../streaming.js';
import { checksumOf, headerFor, type ChecksumAlgorithm } from '../storage/checksums.js';
import type { BucketRow, ObjectRow } from '../store.js';
import { checkConditions, objectHeaders, parseRange, sendObject } from './serve.js';
import { cannedAclFrom, contentMd5, encryptionHeaders, expectedChecksum, MAX_PUT_BYTES, precheckWrite, receiveObject, settleBlobs, storedHeadersFrom, writeConditionFrom } from './write.js';
import { conditionError, type WriteCondition } from '../store.js';

/** Seconds precision, as S3 keeps Last-Modified. */
export function lastModifiedNow(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

/** The XML form of a Last-Modified time (S3 always writes milliseconds). */
export function xmlTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Validates a canned ACL against the bucket's Object Ownership and Block Public Access, and
 * asks for s3:PutObjectAcl when one is set. Returns the ACL to store.
 */
export async function aclForWrite(call: S3Call, bucket: BucketRow, key: string): Promise<string> {
  const acl = cannedAclFrom(call);
  if (acl === undefined) return 'private';
  if (!aclsEnabled(bucket) && acl !== 'private' && acl !== 'bucket-owner-full-control') throw S3Errors.aclNotSupported();
  if (PUBLIC_CANNED_ACLS.has(acl) && publicAccessBlockOf(bucket).BlockPublicAcls) throw S3Errors.accessDenied();
  if (acl !== 'private') await requireAccess(call, 's3:PutObjectAcl', 'object', { key });
  return acl;
}

function checksumHeaders(row: Pick<ObjectRow, 'checksum_algorithm' | 'checksum_value' | 'checksum_type'>): Record<string, string> {
  if (row.checksum_algorithm === null || row.checksum_value === null) return {};
  const h: Record<string, string> = { [headerFor(row.checksum_algorithm as ChecksumAlgorithm)]: row.checksum_value };
  if (row.checksum_type !== null) h['x-amz-checksum-type'] = row.checksum_type;
  return h;
}

/**
 * Makes a written blob the object; a bucket deleted meanwhile is NoSuchBucket, a write
 * condition that no longer holds is PreconditionFailed (or NoSuchKey), and the blob goes.
 */
async function putObjectRow(call: S3Call, row: ObjectRow, condition: WriteCondition | undefined): Promise<void> {
  const result = await call.deps.store.putObject(row, undefined, condition);
  if (typeof result === 'object') {
    await call.deps.blobs.remove([row.blob]);
    throw conditionError(result.refused, row.key);
  }
  await settleBlobs(call, row.blob, result, () => S3Errors.noSuchBucket(row.bucket));
}

export async function PutObject(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const key = keyOf(call);
  const headers = storedHeadersFrom(call);
  const acl = await aclForWrite(call, bucket, key);
  const condition = writeConditionFrom(call);
  await precheckWrite(call, condition);
  const r = await receiveObject(call);
  const row: ObjectRow = {
    bucket: bucket.name,
    key,
    blob: r.blob,
    size: r.size,
    etag: r.md5.toString('hex'),
    last_modified: lastModifiedNow(call.deps.clock.now()),
    ...headers,
    acl,
    checksum_algorithm: r.checksum?.algorithm ?? null,
    checksum_value: r.checksum?.value ?? null,
    checksum_type: r.checksum === undefined ? null : 'FULL_OBJECT',
    parts_count: null,
    part_sizes: null,
  };
  await putObjectRow(call, row, condition);
  sendEmpty(call, 200, { etag: `"${row.etag}"`, ...checksumHeaders(row), ...encryptionHeaders(call) });
}

const OVERRIDES: readonly (readonly [string, string])[] = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

/** What node:http accepts in a header value: tab, visible ASCII and space, and ISO-8859-1's upper half. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Loads the object and decides s3:GetObject; a missing key is NoSuchKey only for callers who may list the bucket. */
async function readableObject(call: S3Call): Promise<ObjectRow> {
  const bucket = bucketOf(call);
  const key = keyOf(call);
  const row = await call.deps.store.getObject(bucket.name, key);
  if (row === undefined) {
    // S3 says whether a key exists only to callers who may list the bucket.
    const list = await checkAccess(call, 's3:ListBucket', 'bucket');
    if (list !== 'Allow') throw denied({ principal: call.auth.principal, action: 's3:GetObject', resource: resourceArn('object', bucket.name, key) }, list);
    throw S3Errors.noSuchKey(key);
  }
  const d = await checkAccess(call, 's3:GetObject', 'object', { objectAcl: row.acl });
  if (d !== 'Allow') throw denied({ principal: call.auth.principal, action: 's3:GetObject', resource: resourceArn('object', bucket.name, key) }, d);
  return row;
}

async function getOrHead(call: S3Call, head: boolean): Promise<void> {
  const row = await readableObject(call);
  const q = call.route.query;
  const h = objectHeaders(row);
  for (const [param, name] of OVERRIDES) {
    const v = q.get(param);
    if (v === undefined) continue;
    if (call.auth.principal === undefined) throw S3Errors.invalidRequest('Request specific response headers cannot be used for anonymous GET requests.');
    // HTTP header values are ISO-8859-1: S3 refuses the rest (a UTF-8 file name), where writing it would throw.
    if (!HEADER_VALUE.test(v)) throw S3Errors.invalidArgument('Header value cannot be represented using ISO-8859-1.', param, v);
    h[name] = v;
  }
  const partNumber = q.get('partNumber');
  const rangeHeader = header(call, 'range');
  let partRange: { start: number; end: number } | undefined;
  if (partNumber !== undefined) {
    if (!/^\d+$/.test(partNumber) || Number(partNumber) < 1 || Number(partNumber) > 10000) {
      throw S3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', partNumber);
    }
    if (rangeHeader !== undefined) throw S3Errors.invalidRequest('Cannot specify both Range header and partNumber query parameter');
    partRange = partRangeOf(row, Number(partNumber));
  }
  if (checkConditions(call.edge.req.headers, row) === 304) {
    call.edge.res.writeHead(304, { etag: String(h.etag), 'last-modified': String(h['last-modified']) });
    call.edge.res.end();
    return;
  }
  const range = partNumber !== undefined ? partRange : parseRange(rangeHeader, row.size);
  // A part of a multipart object has no checksum of its own here; part 1 of a single-part object is all of it.
  if ((partNumber !== undefined ? row.parts_count === null : range === undefined) && header(call, 'x-amz-checksum-mode') === 'ENABLED') Object.assign(h, checksumHeaders(row));
  if (row.parts_count !== null && partNumber !== undefined) h['x-amz-mp-parts-count'] = row.parts_count;
  sendObject(call.edge.res, call.deps.blobs, row, h, range, head);
}

/**
 * The bytes of part `n` (S3 answers it as a range, 206): the whole of a single-part object for
 * part 1, a multipart object's parts from their recorded sizes. Undefined for an empty part.
 */
function partRangeOf(row: ObjectRow, n: number): { start: number; end: number } | undefined {
  let sizes: number[];
  if (row.parts_count === null) sizes = [row.size];
  else if (row.part_sizes !== null) sizes = JSON.parse(row.part_sizes) as number[];
  else throw S3Errors.notImplemented('partNumber on a multipart object completed before part sizes were recorded (use Range)');
  if (n > sizes.length) {
    throw new ServiceError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, { extra: { PartNumberRequested: String(n), ActualPartCount: String(sizes.length) } });
  }
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += sizes[i]!;
  const size = sizes[n - 1]!;
  return size === 0 ? undefined : { start, end: start + size - 1 };
}

export function GetObject(call: S3Call): Promise<void> {
  return getOrHead(call, false);
}

export function HeadObject(call: S3Call): Promise<void> {
  return getOrHead(call, true);
}

export async function DeleteObject(call: S3Call): Promise<void> {
  const blob = await call.deps.store.deleteObject(bucketOf(call).name, keyOf(call));
  if (blob !== undefined) await call.deps.blobs.remove([blob]);
  sendEmpty(call, 204);
}

/** Verifies Content-MD5 / x-amz-checksum-* on a small body read whole (DeleteObjects, configuration PUTs). */
export function checkSmallBodyDigests(call: S3Call, body: Buffer, trailers: Map<string, string>): void {
  const md5 = contentMd5(call);
  if (md5 !== undefined) {
    const computed = createHash('md5').update(body).digest();
    if (!computed.equals(md5)) throw S3Errors.badDigestMd5(md5.toString('base64'), computed.toString('base64'));
  }
  const expected = expectedChecksum(call, undefined);
  if (expected !== undefined) {
    const claimed = expected.fromTrailer ? trailers.get(headerFor(expected.algorithm)) : expected.value;
    if (claimed !== undefined && claimed !== checksumOf(expected.algorithm, body)) throw S3Errors.badDigestChecksum(expected.algorithm);
  }
}

/**
 * Reads a small XML request body with every payload and digest check, and parses it with at
 * most `maxElements` elements (the shape's own bound, so a larger body is refused as soon as
 * the reader passes it).
 */
export async function readXml(call: S3Call, root: string, limit = 1024 * 1024, maxElements?: number): Promise<ReturnType<typeof parseXmlBody>> {
  const body = openBody(call.edge.req, call.auth.payload);
  const buf = await readSmallBody(body, limit);
  checkSmallBodyDigests(call, buf, body.trailers);
  if (buf.length === 0) throw malformedXml();
  return parseXmlBody(buf, root, maxElements);
}

/** S3's bound on a DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;
/** Delete and Quiet, then per key Object and its five members (Key, VersionId, ETag, LastModifiedTime, Size). */
const DELETE_MAX_ELEMENTS = 2 + MAX_DELETE_KEYS * 6;

export async function DeleteObjects(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  // Each key is decided on its own, so the body must be read first, unless no key can be
  // allowed at all: an anonymous caller on a bucket whose ACL and policy grant the public no
  // s3:DeleteObject is refused before a byte of the body is read or parsed.
  if (call.auth.principal === undefined && !anonymousMayEver(bucket, 's3:DeleteObject')) throw S3Errors.accessDenied();
  const root = await readXml(call, 'Delete', 2 * 1024 * 1024, DELETE_MAX_ELEMENTS);
  const quiet = (childText(root, 'Quiet') ?? 'false').toLowerCase() === 'true';
  const objects = children(root, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw malformedXml();
  let out = '';
  const blobs: string[] = [];
  for (const o of objects) {
    const key = childText(o, 'Key');
    if (key === undefined) throw malformedXml();
    const versionId = childText(o, 'VersionId');
    if (versionId !== undefined && versionId !== 'null') {
      out += `<Error>${el('Key', key)}${el('VersionId', versionId)}<Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>`;
      continue;
    }
    const d = await checkAccess(call, 's3:DeleteObject', 'object', { key });
    if (d !== 'Allow') {
      out += `<Error>${el('Key', key)}<Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;
      continue;
    }
    const blob = await call.deps.store.deleteObject(bucket.name, key);
    if (blob !== undefined) blobs.push(blob);
    if (!quiet) out += `<Deleted>${el('Key', key)}</Deleted>`;
  }
  await call.deps.blobs.remove(blobs);
  sendXml(call, 200, doc('DeleteResult', out));
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string } {
  let v = value;
  const q = v.indexOf('?');
  if (q >= 0) {
    const version = new URLSearchParams(v.slice(q + 1)).get('versionId');
    if (version !== null && version !== 'null') throw S3Errors.notImplemented('copying a specific object version');
    v = v.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(v);
  } catch {
    throw S3Errors.invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', value);
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw S3Errors.invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value);
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** Loads the copy source and decides s3:GetObject on it (with the source bucket's policy and ACLs). */
export async function copySource(call: S3Call): Promise<{ bucket: BucketRow; row: ObjectRow }> {
  const src = parseCopySource(header(call, 'x-amz-copy-source')!);
  const bucket = src.bucket === call.bucket?.name ? call.bucket : await call.deps.store.getBucket(src.bucket);
  if (bucket === undefined) throw S3Errors.noSuchBucket(src.bucket);
  // The caller's guard against copying from a bucket someone else now owns.
  const expectedOwner = header(call, 'x-amz-source-expected-bucket-owner');
  if (expectedOwner !== undefined && expectedOwner !== bucket.owner_account) throw S3Errors.accessDenied();
  const row = await call.deps.store.getObject(bucket.name, src.key);
  const resource = resourceArn('object', bucket.name, src.key);
  const d = await decide(call.deps.authorizer, { principal: call.auth.principal, action: 's3:GetObject', resource, bucket, objectAcl: row?.acl, context: conditionContext(call) });
  if (d !== 'Allow') throw denied({ principal: call.auth.principal, action: 's3:GetObject', resource }, d);
  if (row === undefined) throw S3Errors.noSuchKey(src.key);
  checkConditions(call.edge.req.headers, row, 'x-amz-copy-source-');
  return { bucket, row };
}

export async function CopyObject(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const key = keyOf(call);
  const { bucket: srcBucket, row: src } = await copySource(call);
  if (src.size > MAX_PUT_BYTES) {
    // Larger objects are copied part by part with UploadPartCopy, as on AWS.
    throw S3Errors.invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_BYTES}`);
  }
  const directive = header(call, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw S3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  const requested = storedHeadersFrom(call);
  if (srcBucket.name === bucket.name && src.key === key && directive === 'COPY' && header(call, 'x-amz-storage-class') === undefined && requested.website_redirect === null) {
    throw S3Errors.invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const acl = await aclForWrite(call, bucket, key);
  const condition = writeConditionFrom(call);
  await precheckWrite(call, condition);
  const stored =
    directive === 'REPLACE'
      ? requested
      : {
          content_type: src.content_type,
          content_encoding: src.content_encoding,
          content_disposition: src.content_disposition,
          content_language: src.content_language,
          cache_control: src.cache_control,
          expires: src.expires,
          website_redirect: requested.website_redirect ?? src.website_redirect,
          metadata: src.metadata,
          storage_class: header(call, 'x-amz-storage-class') !== undefined ? requested.storage_class : src.storage_class,
        };
  const blob = await call.deps.blobs.copy(src.blob).catch((err: NodeJS.ErrnoException) => {
    // The source was deleted or overwritten between its lookup and the copy.
    throw err.code === 'ENOENT' ? S3Errors.noSuchKey(src.key) : err;
  });
  const row: ObjectRow = {
    bucket: bucket.name,
    key,
    blob,
    size: src.size,
    etag: src.etag,
    last_modified: lastModifiedNow(call.deps.clock.now()),
    ...stored,
    acl,
    checksum_algorithm: src.checksum_type === 'COMPOSITE' ? null : src.checksum_algorithm,
    checksum_value: src.checksum_type === 'COMPOSITE' ? null : src.checksum_value,
    checksum_type: src.checksum_type === 'COMPOSITE' ? null : src.checksum_type,
    parts_count: src.parts_count,
    part_sizes: src.part_sizes,
  };
  await putObjectRow(call, row, condition);
  let sums = '';
  if (row.checksum_algorithm !== null && row.checksum_value !== null) {
    sums = el(`Checksum${row.checksum_algorithm}`, row.checksum_value) + el('ChecksumType', row.checksum_type ?? undefined);
  }
  sendXml(call, 200, doc('CopyObjectResult', `${el('ETag', `"${row.etag}"`)}${el('LastModified', xmlTime(row.last_modified))}${sums}`), encryptionHeaders(call));
}
