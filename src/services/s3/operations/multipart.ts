/**
 * Multipart upload: CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts. The completed object's ETag is AWS's: the MD5 of the parts'
 * binary MD5s, then `-<part count>`; composite checksums likewise over the parts' checksums;
 * full-object CRCs are computed while the parts are joined.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { children, childText, el, malformedXml } from '../../../protocols/rest-xml.js';
import { bucketOf, doc, header, keyOf, sendEmpty, sendXml, type S3Call } from '../context.js';
import { S3Errors } from '../errors.js';
import { CHECKSUM_ALGORITHMS, checksumOf, headerFor, newChecksum, type ChecksumAlgorithm } from '../storage/checksums.js';
import type { ObjectRow, PartRow, UploadRow } from '../store.js';
import { aclForWrite, copySource, lastModifiedNow, readXml, xmlTime } from './objects.js';
import { encryptionHeaders, MAX_PUT_BYTES, precheckWrite, receiveObject, settleBlobs, storedHeadersFrom, writeConditionFrom, type StoredHeaders } from './write.js';

const MIN_PART = 5 * 1024 * 1024;

function uploadIdNew(): string {
  return randomBytes(48).toString('base64url');
}

function partNumberOf(call: S3Call): number {
  const raw = call.route.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 10000) throw S3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  return n;
}

/**
 * S3 answers a CompleteMultipartUpload retried after success with the first answer, so a
 * client that lost it does not take its upload for failed. The object made by the upload
 * carries its id; once the key is overwritten the upload is gone like any other.
 */
async function answerCompletedUpload(call: S3Call): Promise<boolean> {
  const id = call.route.query.get('uploadId') ?? '';
  const row = id === '' ? undefined : await call.deps.store.getObject(bucketOf(call).name, keyOf(call));
  if (row === undefined || row.upload_id !== id) return false;
  sendCompleteResult(call, row.etag, row.checksum_algorithm, row.checksum_value, row.checksum_type);
  return true;
}

function sendCompleteResult(call: S3Call, etag: string, alg: string | null, checksum: string | null, type: string | null): void {
  const bucket = bucketOf(call).name;
  const key = keyOf(call);
  const location = `${call.deps.config.publicUrl}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const sums = checksum !== null && alg !== null ? el(`Checksum${alg}`, checksum) + el('ChecksumType', type ?? undefined) : '';
  sendXml(call, 200, doc('CompleteMultipartUploadResult', `${el('Location', location)}${el('Bucket', bucket)}${el('Key', key)}${el('ETag', `"${etag}"`)}${sums}`));
}

async function uploadOf(call: S3Call): Promise<UploadRow> {
  const id = call.route.query.get('uploadId') ?? '';
  const u = id === '' ? undefined : await call.deps.store.getUpload(id);
  if (u === undefined || u.bucket !== bucketOf(call).name || u.key !== keyOf(call)) throw S3Errors.noSuchUpload(id);
  return u;
}

export async function CreateMultipartUpload(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const key = keyOf(call);
  const headers = storedHeadersFrom(call);
  const acl = await aclForWrite(call, bucket, key);
  const algRaw = header(call, 'x-amz-checksum-algorithm');
  let alg: ChecksumAlgorithm | null = null;
  if (algRaw !== undefined) {
    const a = algRaw.toUpperCase() as ChecksumAlgorithm;
    if (a === ('CRC64NVME' as string)) throw S3Errors.notImplemented('CRC64NVME checksums');
    if (!CHECKSUM_ALGORITHMS.includes(a)) throw S3Errors.invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]');
    alg = a;
  }
  const typeRaw = header(call, 'x-amz-checksum-type');
  let type: string | null = alg === null ? null : 'COMPOSITE';
  if (typeRaw !== undefined) {
    if (typeRaw !== 'COMPOSITE' && typeRaw !== 'FULL_OBJECT') throw S3Errors.invalidRequest('Value for x-amz-checksum-type header is invalid.');
    if (alg === null) throw S3Errors.invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    if (typeRaw === 'FULL_OBJECT' && (alg === 'SHA1' || alg === 'SHA256')) throw S3Errors.invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${alg.toLowerCase()} checksum algorithm.`);
    type = typeRaw;
  }
  const u: UploadRow = {
    upload_id: uploadIdNew(),
    bucket: bucket.name,
    key,
    initiated: call.now,
    headers: JSON.stringify(headers),
    acl,
    checksum_algorithm: alg,
    checksum_type: type,
    storage_class: headers.storage_class,
    initiator: call.auth.principal?.arn ?? 'anonymous',
  };
  await call.deps.store.createUpload(u);
  const h: Record<string, string> = {};
  if (alg !== null) {
    h['x-amz-checksum-algorithm'] = alg;
    h['x-amz-checksum-type'] = type!;
  }
  sendXml(call, 200, doc('InitiateMultipartUploadResult', `${el('Bucket', bucket.name)}${el('Key', key)}${el('UploadId', u.upload_id)}`), { ...h, ...encryptionHeaders(call) });
}

/** Makes a written blob the part (removing the one it replaces); an upload ended meanwhile is NoSuchUpload, and the blob goes. */
async function recordPart(call: S3Call, part: PartRow): Promise<void> {
  await settleBlobs(call, part.blob, await call.deps.store.putPart(part), () => S3Errors.noSuchUpload(part.upload_id));
}

export async function UploadPart(call: S3Call): Promise<void> {
  const partNumber = partNumberOf(call);
  const upload = await uploadOf(call);
  const r = await receiveObject(call, (upload.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined);
  const etag = r.md5.toString('hex');
  await recordPart(call, { upload_id: upload.upload_id, part_number: partNumber, blob: r.blob, size: r.size, etag, checksum_value: r.checksum?.value ?? null, last_modified: lastModifiedNow(call.now) });
  const h: Record<string, string> = { etag: `"${etag}"` };
  if (r.checksum !== undefined) h[headerFor(r.checksum.algorithm)] = r.checksum.value;
  sendEmpty(call, 200, h);
}

export async function UploadPartCopy(call: S3Call): Promise<void> {
  const partNumber = partNumberOf(call);
  const upload = await uploadOf(call);
  const { row: src } = await copySource(call);
  const rangeRaw = header(call, 'x-amz-copy-source-range');
  let start = 0;
  let end = src.size - 1;
  if (rangeRaw !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeRaw);
    if (m === null || Number(m[2]) < Number(m[1])) {
      throw S3Errors.invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 'x-amz-copy-source-range', rangeRaw);
    }
    start = Number(m[1]);
    end = Number(m[2]);
    if (end >= src.size) throw S3Errors.invalidRequest(`Range specified is not valid for source object of size: ${src.size}`);
  }
  if (end - start + 1 > MAX_PUT_BYTES) throw S3Errors.entityTooLarge(end - start + 1, MAX_PUT_BYTES);
  const alg = upload.checksum_algorithm as ChecksumAlgorithm | null;
  const md5 = call.deps.md5.create(end - start + 1);
  const sum = alg === null ? undefined : newChecksum(alg);
  const w = call.deps.blobs.writer();
  let etag: string;
  try {
    if (src.size > 0) {
      for await (const c of call.deps.blobs.stream(src.blob, start, end) as AsyncIterable<Buffer>) {
        const hashed = md5.update(c);
        sum?.update(c);
        await w.write(c);
        await hashed;
      }
    }
    etag = (await md5.digest()).toString('hex');
    await w.commit();
  } catch (err) {
    md5.discard();
    await w.abort();
    // The source was deleted or overwritten while it was read.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw S3Errors.noSuchKey(src.key);
    throw err;
  }
  const checksum = sum?.digest() ?? null;
  const lastModified = lastModifiedNow(call.now);
  await recordPart(call, { upload_id: upload.upload_id, part_number: partNumber, blob: w.id, size: w.size, etag, checksum_value: checksum, last_modified: lastModified });
  const sums = alg !== null && checksum !== null ? el(`Checksum${alg}`, checksum) : '';
  sendXml(call, 200, doc('CopyPartResult', `${el('ETag', `"${etag}"`)}${el('LastModified', xmlTime(lastModified))}${sums}`));
}

function unquote(etag: string): string {
  const t = etag.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}

export async function CompleteMultipartUpload(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const key = keyOf(call);
  const condition = writeConditionFrom(call);
  if (await answerCompletedUpload(call)) return;
  const upload = await uploadOf(call);
  await precheckWrite(call, condition);
  // CompleteMultipartUpload, then per part Part and its twelve members (PartNumber, ETag, ten checksums).
  const root = await readXml(call, 'CompleteMultipartUpload', 8 * 1024 * 1024, 1 + 10_000 * 13);
  const requested = children(root, 'Part');
  if (requested.length === 0 || requested.length > 10000) throw malformedXml();
  const alg = upload.checksum_algorithm as ChecksumAlgorithm | null;
  const stored = new Map((await call.deps.store.listParts(upload.upload_id, 0, 10001)).map((p) => [p.part_number, p]));
  const parts = [];
  let prev = 0;
  for (const node of requested) {
    const numRaw = childText(node, 'PartNumber');
    const etagRaw = childText(node, 'ETag');
    if (numRaw === undefined || etagRaw === undefined || !/^\d+$/.test(numRaw)) throw malformedXml();
    const n = Number(numRaw);
    if (n <= prev) throw S3Errors.invalidPartOrder(upload.upload_id);
    prev = n;
    const p = stored.get(n);
    if (p === undefined || p.etag !== unquote(etagRaw)) throw S3Errors.invalidPart(n, etagRaw, upload.upload_id);
    if (alg !== null) {
      const claimed = childText(node, `Checksum${alg}`);
      if (claimed !== undefined && claimed !== p.checksum_value) throw S3Errors.invalidPart(n, etagRaw, upload.upload_id);
    }
    parts.push(p);
  }
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i]!.size < MIN_PART) throw S3Errors.entityTooSmall(parts[i]!.size, parts[i]!.part_number, `"${parts[i]!.etag}"`);
  }

  const etagMd5 = createHash('md5');
  for (const p of parts) etagMd5.update(Buffer.from(p.etag, 'hex'));
  const etag = `${etagMd5.digest('hex')}-${parts.length}`;
  const fullObject = alg !== null && upload.checksum_type === 'FULL_OBJECT' ? newChecksum(alg) : undefined;
  const w = call.deps.blobs.writer();
  let size = 0;
  let reading: (typeof parts)[number] | undefined;
  try {
    for (const p of parts) {
      reading = p;
      if (p.size === 0) continue;
      for await (const c of call.deps.blobs.stream(p.blob, 0, p.size - 1) as AsyncIterable<Buffer>) {
        fullObject?.update(c);
        await w.write(c);
      }
      size += p.size;
    }
    await w.commit();
  } catch (err) {
    await w.abort();
    // A part file gone mid-read: an abort ended the upload, or that part was uploaded again.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && reading !== undefined) {
      if ((await call.deps.store.getUpload(upload.upload_id)) === undefined) throw S3Errors.noSuchUpload(upload.upload_id);
      throw S3Errors.invalidPart(reading.part_number, `"${reading.etag}"`, upload.upload_id);
    }
    throw err;
  }
  let checksum: string | null = null;
  if (alg !== null) {
    if (fullObject !== undefined) checksum = fullObject.digest();
    else if (parts.every((p) => p.checksum_value !== null)) {
      checksum = `${checksumOf(alg, Buffer.concat(parts.map((p) => Buffer.from(p.checksum_value!, 'base64'))))}-${parts.length}`;
    }
  }
  const headers = JSON.parse(upload.headers) as StoredHeaders;
  const row: ObjectRow = {
    bucket: bucket.name,
    key,
    blob: w.id,
    size,
    etag,
    last_modified: lastModifiedNow(call.deps.clock.now()),
    ...headers,
    acl: upload.acl,
    checksum_algorithm: checksum === null ? null : alg,
    checksum_value: checksum,
    checksum_type: checksum === null ? null : upload.checksum_type,
    parts_count: parts.length,
    part_sizes: JSON.stringify(parts.map((p) => p.size)),
    upload_id: upload.upload_id,
  };
  let done: Awaited<ReturnType<typeof call.deps.store.completeUpload>>;
  try {
    done = await call.deps.store.completeUpload(upload.upload_id, row, condition);
  } catch (err) {
    await call.deps.blobs.remove([w.id]);
    throw err;
  }
  if (done === undefined) {
    await call.deps.blobs.remove([w.id]);
    // Two completions of one upload racing: the other one won, and its answer is this one's.
    if (await answerCompletedUpload(call)) return;
    throw S3Errors.noSuchUpload(upload.upload_id);
  }
  await call.deps.blobs.remove([...done.parts, ...(done.replaced === undefined ? [] : [done.replaced])]);
  sendCompleteResult(call, etag, checksum === null ? null : alg, checksum, upload.checksum_type);
}

export async function AbortMultipartUpload(call: S3Call): Promise<void> {
  const upload = await uploadOf(call);
  const blobs = await call.deps.store.deleteUpload(upload.upload_id);
  if (blobs === undefined) throw S3Errors.noSuchUpload(upload.upload_id);
  await call.deps.blobs.remove(blobs);
  sendEmpty(call, 204);
}

export async function ListParts(call: S3Call): Promise<void> {
  const upload = await uploadOf(call);
  const q = call.route.query;
  const markerRaw = q.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerRaw)) throw S3Errors.invalidArgument('Provided part-number-marker not an integer or within integer range', 'part-number-marker', markerRaw);
  const maxRaw = q.get('max-parts') ?? '1000';
  if (!/^\d+$/.test(maxRaw)) throw S3Errors.invalidArgument('Provided max-parts not an integer or within integer range', 'max-parts', maxRaw);
  const max = Math.min(Number(maxRaw), 1000);
  const marker = Number(markerRaw);
  const rows = await call.deps.store.listParts(upload.upload_id, marker, max + 1);
  const truncated = rows.length > max;
  const page = rows.slice(0, max);
  const alg = upload.checksum_algorithm;
  let parts = '';
  for (const p of page) {
    parts +=
      `<Part>${el('PartNumber', p.part_number)}${el('LastModified', xmlTime(p.last_modified))}<ETag>&quot;${p.etag}&quot;</ETag>` +
      `${el('Size', p.size)}${alg !== null && p.checksum_value !== null ? el(`Checksum${alg}`, p.checksum_value) : ''}</Part>`;
  }
  const who = `<ID>${call.deps.ownerId}</ID><DisplayName>gatehouse</DisplayName>`;
  sendXml(
    call,
    200,
    doc(
      'ListPartsResult',
      `${el('Bucket', upload.bucket)}${el('Key', upload.key)}${el('UploadId', upload.upload_id)}${el('PartNumberMarker', marker)}` +
        `${el('NextPartNumberMarker', page.length > 0 ? page[page.length - 1]!.part_number : marker)}${el('MaxParts', max)}${el('IsTruncated', truncated)}` +
        `${parts}<Initiator>${who}</Initiator><Owner>${who}</Owner>${el('StorageClass', upload.storage_class)}` +
        `${alg !== null ? el('ChecksumAlgorithm', alg) + el('ChecksumType', upload.checksum_type ?? undefined) : ''}`,
    ),
  );
}
