/**
 * ListObjects (v1, Marker), ListObjectsV2 (ContinuationToken, StartAfter, FetchOwner) and
 * ListMultipartUploads: keys in UTF-8 byte order, Prefix, Delimiter/CommonPrefixes computed by
 * skipping past each common prefix in the index (never scanning the keys under it), MaxKeys,
 * EncodingType=url.
 * @module
 */
import { el } from '../../../protocols/rest-xml.js';
import { bucketOf, doc, sendXml, type S3Call } from '../context.js';
import { S3Errors } from '../errors.js';
import { prefixEnd, type ListedObject } from '../store.js';
import { xmlTime } from './objects.js';

interface Page {
  contents: ListedObject[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned. */
  last: string | undefined;
}

/** Where listing resumes after `marker`: past the whole common prefix when the marker lies in one. */
function resumeAfter(marker: string, prefix: string, delimiter: string): string {
  if (delimiter === '' || !marker.startsWith(prefix)) return marker;
  const i = marker.indexOf(delimiter, prefix.length);
  if (i < 0) return marker;
  const cp = marker.slice(0, i + delimiter.length);
  const end = prefixEnd(cp);
  return Buffer.compare(Buffer.from(end), Buffer.from(marker)) > 0 ? end : marker;
}

async function listPage(call: S3Call, prefix: string, delimiter: string, after: string, maxKeys: number): Promise<Page> {
  const store = call.deps.store;
  const bucket = bucketOf(call).name;
  const end = prefixEnd(prefix);
  const page: Page = { contents: [], prefixes: [], truncated: false, last: undefined };
  if (maxKeys === 0) return page;
  let cursor = after;
  let items = 0;
  for (;;) {
    const limit = Math.min(maxKeys - items + 1, 1001);
    const rows = await store.listObjects(bucket, cursor, prefix, end, limit);
    let restarted = false;
    for (const row of rows) {
      if (delimiter !== '') {
        const i = row.key.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const cp = row.key.slice(0, i + delimiter.length);
          if (items === maxKeys) {
            page.truncated = true;
            return page;
          }
          page.prefixes.push(cp);
          page.last = cp;
          items++;
          cursor = prefixEnd(cp);
          restarted = true;
          break;
        }
      }
      if (items === maxKeys) {
        page.truncated = true;
        return page;
      }
      page.contents.push(row);
      page.last = row.key;
      cursor = row.key;
      items++;
    }
    if (!restarted && rows.length < limit) return page;
  }
}

function maxKeysOf(call: S3Call, param = 'max-keys'): number {
  const raw = call.route.query.get(param);
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) {
    throw S3Errors.invalidArgument('Provided max-keys not an integer or within integer range', param, raw);
  }
  return Math.min(Number(raw), 1000);
}

function encodingOf(call: S3Call): boolean {
  const e = call.route.query.get('encoding-type');
  if (e === undefined) return false;
  if (e !== 'url') throw S3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', e);
  return true;
}

/** S3's url encoding for listings: like a form, with '/' left alone. */
function urlEncode(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function contentsXml(page: Page, enc: (s: string) => string, owner: string | undefined): string {
  let out = '';
  for (const o of page.contents) {
    out +=
      `<Contents>${el('Key', enc(o.key))}${el('LastModified', xmlTime(o.last_modified))}<ETag>&quot;${o.etag}&quot;</ETag>` +
      (o.checksum_algorithm !== null ? el('ChecksumAlgorithm', o.checksum_algorithm) + el('ChecksumType', o.checksum_type ?? undefined) : '') +
      `<Size>${o.size}</Size>${owner ?? ''}${el('StorageClass', o.storage_class)}</Contents>`;
  }
  for (const p of page.prefixes) out += `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`;
  return out;
}

function ownerXml(call: S3Call): string {
  return `<Owner>${el('ID', call.deps.ownerId)}${el('DisplayName', 'gatehouse')}</Owner>`;
}

const identity = (s: string): string => s;

export async function ListObjects(call: S3Call): Promise<void> {
  const q = call.route.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = q.get('marker') ?? '';
  const maxKeys = maxKeysOf(call);
  const url = encodingOf(call);
  const enc = url ? urlEncode : identity;
  const page = await listPage(call, prefix, delimiter, resumeAfter(marker, prefix, delimiter), maxKeys);
  const next = page.truncated && delimiter !== '' ? page.last : undefined;
  sendXml(
    call,
    200,
    doc(
      'ListBucketResult',
      `${el('Name', bucketOf(call).name)}${el('Prefix', enc(prefix))}${el('Marker', enc(marker))}${el('MaxKeys', maxKeys)}` +
        `${delimiter !== '' ? el('Delimiter', enc(delimiter)) : ''}${url ? el('EncodingType', 'url') : ''}${el('IsTruncated', page.truncated)}` +
        `${next !== undefined ? el('NextMarker', enc(next)) : ''}${contentsXml(page, enc, ownerXml(call))}`,
    ),
  );
}

export async function ListObjectsV2(call: S3Call): Promise<void> {
  const q = call.route.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = maxKeysOf(call);
  const url = encodingOf(call);
  const enc = url ? urlEncode : identity;
  const startAfter = q.get('start-after');
  const token = q.get('continuation-token');
  let after = startAfter ?? '';
  if (token !== undefined) {
    const decoded = token === '' ? undefined : decodeToken(token);
    if (decoded === undefined) throw S3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    after = resumeAfter(decoded, prefix, delimiter);
    // Keys order as UTF-8 bytes, which JavaScript's UTF-16 comparison disagrees with past U+FFFF.
    if (startAfter !== undefined && Buffer.compare(Buffer.from(startAfter), Buffer.from(after)) > 0) after = startAfter;
  }
  const page = await listPage(call, prefix, delimiter, after, maxKeys);
  const owner = q.get('fetch-owner') === 'true' ? ownerXml(call) : undefined;
  const next = page.truncated && page.last !== undefined ? Buffer.from(`gh1:${page.last}`, 'utf8').toString('base64') : undefined;
  sendXml(
    call,
    200,
    doc(
      'ListBucketResult',
      `${el('Name', bucketOf(call).name)}${el('Prefix', enc(prefix))}${startAfter !== undefined ? el('StartAfter', enc(startAfter)) : ''}` +
        `${el('ContinuationToken', token)}${el('NextContinuationToken', next)}${el('KeyCount', page.contents.length + page.prefixes.length)}` +
        `${el('MaxKeys', maxKeys)}${delimiter !== '' ? el('Delimiter', enc(delimiter)) : ''}${url ? el('EncodingType', 'url') : ''}` +
        `${el('IsTruncated', page.truncated)}${contentsXml(page, enc, owner)}`,
    ),
  );
}

function decodeToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const s = Buffer.from(token, 'base64').toString('utf8');
  return s.startsWith('gh1:') ? s.slice(4) : undefined;
}

export async function ListMultipartUploads(call: S3Call): Promise<void> {
  const q = call.route.query;
  const bucket = bucketOf(call);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const max = maxKeysOf(call, 'max-uploads');
  const url = encodingOf(call);
  const enc = url ? urlEncode : identity;
  // Without an upload-id-marker, listing starts after every upload of key-marker; a marker inside
  // a common prefix (a NextKeyMarker we gave) resumes past the whole prefix.
  let afterKey = resumeAfter(keyMarker, prefix, delimiter);
  let afterId = uploadIdMarker === '' || afterKey !== keyMarker ? '\u{10FFFF}' : uploadIdMarker;
  let uploads = '';
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  let nextKey = '';
  let nextId = '';
  const initiator = `<ID>${call.deps.ownerId}</ID><DisplayName>gatehouse</DisplayName>`;
  // As listPage: each common prefix is one entry, and the scan skips past its keys in the index.
  scan: for (;;) {
    const limit = Math.min(max - count + 1, 1001);
    const rows = await call.deps.store.listUploads(bucket.name, prefix, afterKey, afterId, limit);
    for (const u of rows) {
      if (count === max) {
        truncated = true;
        break scan;
      }
      const i = delimiter === '' ? -1 : u.key.indexOf(delimiter, prefix.length);
      if (i >= 0) {
        const cp = u.key.slice(0, i + delimiter.length);
        prefixes.push(cp);
        count++;
        nextKey = cp;
        nextId = '';
        afterKey = prefixEnd(cp);
        continue scan;
      }
      uploads +=
        `<Upload>${el('Key', enc(u.key))}${el('UploadId', u.upload_id)}<Initiator>${initiator}</Initiator><Owner>${initiator}</Owner>` +
        `${el('StorageClass', u.storage_class)}${el('Initiated', xmlTime(u.initiated))}${u.checksum_algorithm !== null ? el('ChecksumAlgorithm', u.checksum_algorithm) : ''}</Upload>`;
      count++;
      nextKey = afterKey = u.key;
      nextId = afterId = u.upload_id;
    }
    if (rows.length < limit) break;
  }
  let cps = '';
  for (const p of prefixes) cps += `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`;
  sendXml(
    call,
    200,
    doc(
      'ListMultipartUploadsResult',
      `${el('Bucket', bucket.name)}${el('KeyMarker', enc(keyMarker))}${el('UploadIdMarker', uploadIdMarker)}` +
        `${truncated ? el('NextKeyMarker', enc(nextKey)) + el('NextUploadIdMarker', nextId) : ''}` +
        `${delimiter !== '' ? el('Delimiter', enc(delimiter)) : ''}${q.has('prefix') ? el('Prefix', enc(prefix)) : ''}` +
        `${el('MaxUploads', max)}${url ? el('EncodingType', 'url') : ''}${el('IsTruncated', truncated)}${uploads}${cps}`,
    ),
  );
}
