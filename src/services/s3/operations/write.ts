/**
 * Receiving object bytes (PutObject, UploadPart): stream the verified body into a new blob with
 * backpressure while computing MD5 (the ETag) and the flexible checksum, check Content-MD5 and
 * checksums (header or trailer), and commit the blob only when every check passed. Also the
 * object headers S3 stores with an object (Content-Type, user metadata, …).
 * @module
 */
import { ServiceError } from '../../../errors.js';
import { type S3Call, header } from '../context.js';
import { S3Errors } from '../errors.js';
import { openBody, readPlainBody } from '../streaming.js';
import { algorithmFromHeader, CHECKSUM_ALGORITHMS, checksumBytes, headerFor, newChecksum, type Checksum, type ChecksumAlgorithm } from '../storage/checksums.js';
import { conditionError, conditionRefusal, type ObjectRow, type WriteCondition } from '../store.js';

/** S3's single-request limit: 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** Bodies up to this size are read whole, hashed once and written in one call. */
const SMALL_BODY = 256 * 1024;

export interface Received {
  blob: string;
  size: number;
  md5: Buffer;
  checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
}

interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** Known up front (header), or read from the trailer once the body has been read. */
  value: string | undefined;
  fromTrailer: boolean;
}

function validChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === checksumBytes(alg);
}

/** Which checksum the client sent (header, or announced trailer), validated. */
export function expectedChecksum(call: S3Call, required: ChecksumAlgorithm | undefined): ExpectedChecksum | undefined {
  const h = call.edge.req.headers;
  let found: ExpectedChecksum | undefined;
  for (const alg of CHECKSUM_ALGORITHMS) {
    const v = h[headerFor(alg)];
    if (typeof v !== 'string') continue;
    if (found !== undefined) throw S3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
    if (!validChecksumValue(alg, v)) throw S3Errors.invalidRequest(`Value for ${headerFor(alg)} header is invalid.`);
    found = { algorithm: alg, value: v, fromTrailer: false };
  }
  const trailer = header(call, 'x-amz-trailer');
  if (trailer !== undefined) {
    for (const name of trailer.split(',')) {
      const alg = algorithmFromHeader(name.trim());
      if (alg === undefined) {
        if (name.trim().toLowerCase() === 'x-amz-checksum-crc64nvme') throw S3Errors.notImplemented('CRC64NVME checksums');
        throw S3Errors.invalidRequest(`The value specified in the x-amz-trailer header is not supported: ${name.trim()}`);
      }
      if (found !== undefined) throw S3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
      found = { algorithm: alg, value: undefined, fromTrailer: true };
    }
  }
  if (h['x-amz-checksum-crc64nvme'] !== undefined) throw S3Errors.notImplemented('CRC64NVME checksums');
  const sdkAlg = header(call, 'x-amz-sdk-checksum-algorithm');
  if (sdkAlg !== undefined) {
    const alg = sdkAlg.toUpperCase() as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(alg)) {
      if (alg === ('CRC64NVME' as string)) throw S3Errors.notImplemented('CRC64NVME checksums');
      throw S3Errors.invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]');
    }
    if (found === undefined) throw S3Errors.invalidRequest('x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
    if (found.algorithm !== alg) throw S3Errors.invalidRequest(`Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  if (required !== undefined) {
    if (found !== undefined && found.algorithm !== required) {
      throw S3Errors.invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${required.toLowerCase()}, actual checksum Type: ${found.algorithm.toLowerCase()}`);
    }
    return found ?? { algorithm: required, value: undefined, fromTrailer: false };
  }
  return found;
}

/** The Content-MD5 header, decoded; InvalidDigest unless it is 16 bytes in strict base64. */
export function contentMd5(call: S3Call): Buffer | undefined {
  const v = header(call, 'content-md5');
  if (v === undefined) return undefined;
  const b = Buffer.from(v, 'base64');
  if (b.length !== 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) throw S3Errors.invalidDigest(v);
  return b;
}

/**
 * Reads the request body into a new, committed blob. `required` is the checksum algorithm an
 * upload was created with (parts must carry it). Throws before committing on any failed check.
 */
export async function receiveObject(call: S3Call, required?: ChecksumAlgorithm): Promise<Received> {
  const req = call.edge.req;
  const payload = call.auth.payload;
  const te = req.headers['transfer-encoding'];
  const body = openBody(req, payload);
  if (body.length === undefined) {
    if (te !== undefined && payload.kind !== 'chunked') throw new ServiceError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { extra: { Header: 'Transfer-Encoding' } });
    throw S3Errors.missingContentLength();
  }
  if (body.length > MAX_PUT_BYTES) throw S3Errors.entityTooLarge(body.length, MAX_PUT_BYTES);
  const expectedMd5 = contentMd5(call);
  const expected = expectedChecksum(call, required);
  const md5 = call.deps.md5.create(body.length);
  const checksum: Checksum | undefined = expected === undefined ? undefined : newChecksum(expected.algorithm);
  const writer = call.deps.blobs.writer();
  try {
    if (body.length <= SMALL_BODY) {
      let all: Buffer;
      if (payload.kind === 'chunked') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of body) {
          chunks.push(c);
          size += c.length;
        }
        all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      } else {
        all = await readPlainBody(req, payload, body.length);
      }
      await md5.update(all);
      checksum?.update(all);
      await writer.write(all);
    } else {
      for await (const c of body) {
        const hashed = md5.update(c);
        checksum?.update(c);
        await writer.write(c);
        await hashed;
      }
    }
    const digest = await md5.digest();
    if (expectedMd5 !== undefined && !digest.equals(expectedMd5)) throw S3Errors.badDigestMd5(expectedMd5.toString('base64'), digest.toString('base64'));
    let sum: Received['checksum'];
    if (expected !== undefined && checksum !== undefined) {
      const computed = checksum.digest();
      let claimed = expected.value;
      if (expected.fromTrailer) {
        claimed = body.trailers.get(headerFor(expected.algorithm));
        if (claimed === undefined) throw S3Errors.invalidRequest(`The x-amz-trailer header named ${headerFor(expected.algorithm)} but the trailer did not carry it.`);
        if (!validChecksumValue(expected.algorithm, claimed)) throw S3Errors.invalidRequest(`Value for ${headerFor(expected.algorithm)} trailing header is invalid.`);
      }
      if (claimed !== undefined && claimed !== computed) throw S3Errors.badDigestChecksum(expected.algorithm);
      sum = { algorithm: expected.algorithm, value: computed };
    }
    await writer.commit();
    return { blob: writer.id, size: writer.size, md5: digest, checksum: sum };
  } catch (err) {
    md5.discard();
    await writer.abort();
    throw err;
  }
}

/**
 * After writing a row that points at `blob`: `replaced` is the blob it displaced, removed now;
 * `false` means the row's parent (bucket or upload) was gone, so the new blob goes and `gone()`
 * is thrown.
 */
export async function settleBlobs(call: S3Call, blob: string, replaced: string | undefined | false, gone: () => Error): Promise<void> {
  if (replaced === false) {
    await call.deps.blobs.remove([blob]);
    throw gone();
  }
  if (replaced !== undefined) await call.deps.blobs.remove([replaced]);
}

/** Object headers stored with an object, from a PutObject / CreateMultipartUpload / CopyObject(REPLACE) request. */
export type StoredHeaders = Pick<
  ObjectRow,
  'content_type' | 'content_encoding' | 'content_disposition' | 'content_language' | 'cache_control' | 'expires' | 'website_redirect' | 'metadata' | 'storage_class'
>;

const STORAGE_CLASSES = new Set(['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'OUTPOSTS', 'SNOW', 'EXPRESS_ONEZONE']);
const USER_METADATA_LIMIT = 2048;

export function storedHeadersFrom(call: S3Call): StoredHeaders {
  const h = call.edge.req.headers;
  let metadata: Record<string, string> | undefined;
  let metaSize = 0;
  for (const name in h) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const v = h[name];
    const value = Array.isArray(v) ? v.join(',') : (v ?? '');
    // Names are the client's: `__proto__` must be a key like any other.
    metadata ??= Object.create(null) as Record<string, string>;
    const short = name.slice('x-amz-meta-'.length);
    metadata[short] = value;
    metaSize += Buffer.byteLength(short) + Buffer.byteLength(value);
  }
  if (metaSize > USER_METADATA_LIMIT) {
    throw new ServiceError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, { extra: { Size: String(metaSize), MaxSizeAllowed: String(USER_METADATA_LIMIT) } });
  }
  const storageClass = header(call, 'x-amz-storage-class') ?? 'STANDARD';
  if (!STORAGE_CLASSES.has(storageClass)) throw new ServiceError('InvalidStorageClass', 'The storage class you specified is not valid', 400, { extra: { StorageClassRequested: storageClass } });
  const redirect = header(call, 'x-amz-website-redirect-location');
  if (redirect !== undefined && !(redirect.startsWith('/') || /^https?:\/\//.test(redirect))) {
    throw S3Errors.invalidArgument('The website redirect location must have a prefix of \'http://\' or \'https://\' or \'/\'.');
  }
  let encoding = header(call, 'content-encoding') ?? null;
  // aws-chunked is the transfer framing, not the object's encoding; S3 strips it.
  if (encoding !== null) {
    const kept = encoding.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'aws-chunked');
    encoding = kept.length === 0 ? null : kept.join(',');
  }
  return {
    content_type: header(call, 'content-type') ?? null,
    content_encoding: encoding,
    content_disposition: header(call, 'content-disposition') ?? null,
    content_language: header(call, 'content-language') ?? null,
    cache_control: header(call, 'cache-control') ?? null,
    expires: header(call, 'expires') ?? null,
    website_redirect: redirect ?? null,
    metadata: metadata === undefined ? null : JSON.stringify(metadata),
    storage_class: storageClass,
  };
}

const CANNED_ACLS = new Set(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control']);

/** The canned ACL a request sets (x-amz-acl), validated; explicit grant headers are not supported. */
export function cannedAclFrom(call: S3Call): string | undefined {
  for (const g of ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control']) {
    if (call.edge.req.headers[g] !== undefined) throw S3Errors.notImplemented(`${g} (explicit grants; use a canned ACL)`);
  }
  const acl = header(call, 'x-amz-acl');
  if (acl === undefined) return undefined;
  if (!CANNED_ACLS.has(acl)) throw S3Errors.invalidArgument('', 'x-amz-acl', acl);
  return acl;
}

/**
 * The conditional-write headers of PutObject, CopyObject and CompleteMultipartUpload, as S3
 * takes them: If-Match with ETags (or `*`), If-None-Match only as `*`. Undefined without them.
 */
export function writeConditionFrom(call: S3Call): WriteCondition | undefined {
  const ifMatch = header(call, 'if-match');
  const ifNoneMatch = header(call, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw S3Errors.notImplemented('If-None-Match with a value other than *');
  return { ifMatch, ifNoneMatch: ifNoneMatch !== undefined };
}

/**
 * Checks a write condition against the object as it is now, before a body is received, so a
 * write that cannot succeed is refused without reading it. The store checks again in the
 * write's own transaction, which is what makes the condition hold under races.
 */
export async function precheckWrite(call: S3Call, condition: WriteCondition | undefined): Promise<void> {
  if (condition === undefined) return;
  const current = await call.deps.store.getObject(call.route.bucket!, call.route.key ?? '');
  const refused = conditionRefusal(condition, current?.etag);
  if (refused !== undefined) throw conditionError(refused, call.route.key ?? '');
}

const SSE_KMS_HEADERS = ['x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context', 'x-amz-server-side-encryption-bucket-key-enabled'];

/**
 * Server-side encryption as requested. SSE-C and SSE-KMS are refused with NotImplemented on
 * every operation (a write that answered 200 would make the client believe its data was
 * encrypted with its key; a read with a customer key implies SSE-C). SSE-S3 (`AES256`) is
 * accepted and echoed on the write's answer, as S3 answers; other values are InvalidArgument.
 */
export function serverSideEncryption(call: S3Call): 'AES256' | undefined {
  const h = call.edge.req.headers;
  for (const name in h) {
    if (name.startsWith('x-amz-server-side-encryption-customer-') || name.startsWith('x-amz-copy-source-server-side-encryption-customer-')) {
      throw S3Errors.notImplemented('SSE-C (x-amz-server-side-encryption-customer-*)');
    }
  }
  for (const name of SSE_KMS_HEADERS) if (h[name] !== undefined) throw S3Errors.notImplemented(`SSE-KMS (${name})`);
  const v = header(call, 'x-amz-server-side-encryption');
  if (v === undefined) return undefined;
  if (v === 'AES256') return 'AES256';
  if (v === 'aws:kms' || v === 'aws:kms:dsse') throw S3Errors.notImplemented(`SSE-KMS (x-amz-server-side-encryption: ${v})`);
  throw S3Errors.invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', v);
}

/**
 * Headers that ask for a feature Gatehouse does not have, whose silent omission would leave a
 * client believing it had it (objects tagged for a policy or lifecycle rule, objects locked
 * against deletion, an append at an offset): NotImplemented, on any operation.
 */
const UNIMPLEMENTED_HEADERS: readonly (readonly [string, string])[] = [
  ['x-amz-tagging', 'object tagging (x-amz-tagging)'],
  ['x-amz-object-lock-mode', 'Object Lock (x-amz-object-lock-mode)'],
  ['x-amz-object-lock-retain-until-date', 'Object Lock (x-amz-object-lock-retain-until-date)'],
  ['x-amz-object-lock-legal-hold', 'Object Lock (x-amz-object-lock-legal-hold)'],
  ['x-amz-bypass-governance-retention', 'Object Lock (x-amz-bypass-governance-retention)'],
  ['x-amz-write-offset-bytes', 'appends (x-amz-write-offset-bytes)'],
];

export function refuseUnimplementedHeaders(call: S3Call): void {
  const h = call.edge.req.headers;
  for (const [name, what] of UNIMPLEMENTED_HEADERS) if (h[name] !== undefined) throw S3Errors.notImplemented(what);
}

/** The x-amz-server-side-encryption header of a write's answer, when the request asked for SSE-S3. */
export function encryptionHeaders(call: S3Call): Record<string, string> {
  return serverSideEncryption(call) === 'AES256' ? { 'x-amz-server-side-encryption': 'AES256' } : {};
}
