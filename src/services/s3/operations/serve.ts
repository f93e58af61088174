/**
 * Answering with an object's bytes, shared by GetObject/HeadObject and the website endpoint:
 * the stored headers, conditional requests (304/412), single byte ranges (206/416), the
 * response-* overrides, and the body — one synchronous read for small objects, a stream with
 * backpressure for the rest.
 * @module
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { httpDate } from '../../../protocols/rest-xml.js';
import { S3Errors } from '../errors.js';
import type { BlobStore } from '../storage/blobs.js';
import { etagMatches, type ObjectRow } from '../store.js';

/** Objects up to this size are read in one call instead of streamed. */
const SMALL_OBJECT = 64 * 1024;

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** The headers S3 returns for an object (GET and HEAD). */
export function objectHeaders(row: ObjectRow): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'last-modified': httpDate(row.last_modified),
    etag: `"${row.etag}"`,
    'accept-ranges': 'bytes',
    'content-type': row.content_type ?? DEFAULT_CONTENT_TYPE,
  };
  if (row.content_encoding !== null) h['content-encoding'] = row.content_encoding;
  if (row.content_disposition !== null) h['content-disposition'] = row.content_disposition;
  if (row.content_language !== null) h['content-language'] = row.content_language;
  if (row.cache_control !== null) h['cache-control'] = row.cache_control;
  if (row.expires !== null) h.expires = row.expires;
  if (row.website_redirect !== null) h['x-amz-website-redirect-location'] = row.website_redirect;
  if (row.storage_class !== 'STANDARD') h['x-amz-storage-class'] = row.storage_class;
  if (row.metadata !== null) {
    const meta = JSON.parse(row.metadata) as Record<string, string>;
    for (const k in meta) h[`x-amz-meta-${k}`] = meta[k]!;
  }
  return h;
}


function dateHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** 'ok', 304, or throws 412, as S3 evaluates If-Match / If-None-Match / If-(Un)Modified-Since. */
export function checkConditions(h: IncomingHttpHeaders, row: ObjectRow, prefix = ''): 'ok' | 304 {
  const ifMatch = h[`${prefix}if-match`] as string | undefined;
  const ifNoneMatch = h[`${prefix}if-none-match`] as string | undefined;
  const ifUnmodified = dateHeader(h[`${prefix}if-unmodified-since`] as string | undefined);
  const ifModified = dateHeader(h[`${prefix}if-modified-since`] as string | undefined);
  const modified = Math.floor(row.last_modified / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, row.etag)) throw S3Errors.preconditionFailed(prefix === '' ? 'If-Match' : 'x-amz-copy-source-If-Match');
  } else if (ifUnmodified !== undefined && modified > ifUnmodified) {
    throw S3Errors.preconditionFailed(prefix === '' ? 'If-Unmodified-Since' : 'x-amz-copy-source-If-Unmodified-Since');
  }
  const notModified = prefix === '' ? 304 : undefined;
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, row.etag)) {
      if (notModified !== undefined) return notModified;
      throw S3Errors.preconditionFailed('x-amz-copy-source-If-None-Match');
    }
  } else if (ifModified !== undefined && modified <= ifModified) {
    if (notModified !== undefined) return notModified;
    throw S3Errors.preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
  return 'ok';
}

const RANGE = /^bytes=(\d*)-(\d*)$/;

/** A single byte range, undefined for none or one S3 ignores; throws InvalidRange (416) when unsatisfiable. */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const m = RANGE.exec(value.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw S3Errors.invalidRange(value, size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  // A last byte before the first is no valid range, which HTTP says to ignore; an open-ended or
  // valid range that starts past the end is unsatisfiable (416), whatever its end.
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  let end = m[2] === '' ? size - 1 : Number(m[2]);
  if (start >= size) throw S3Errors.invalidRange(value, size);
  if (end >= size) end = size - 1;
  return { start, end };
}

/**
 * Writes the object (or a range of it) as the response. `status` is 200 unless a range makes
 * it 206; `head` sends headers only.
 */
export function sendObject(
  res: ServerResponse,
  blobs: BlobStore,
  row: ObjectRow,
  headers: Record<string, string | number>,
  range: { start: number; end: number } | undefined,
  head: boolean,
  status = 200,
): void {
  const start = range?.start ?? 0;
  const end = range?.end ?? row.size - 1;
  const length = row.size === 0 ? 0 : end - start + 1;
  headers['content-length'] = length;
  if (range !== undefined) {
    headers['content-range'] = `bytes ${start}-${end}/${row.size}`;
    status = 206;
  }
  if (head || length === 0) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (row.size <= SMALL_OBJECT) {
    const data = blobs.readSync(row.blob, row.size);
    res.writeHead(status, headers);
    res.end(range === undefined ? data : data.subarray(start, end + 1));
    return;
  }
  const stream = blobs.stream(row.blob, start, end);
  stream.once('open', () => {
    res.writeHead(status, headers);
    stream.pipe(res);
  });
  stream.once('error', (err) => {
    if (!res.headersSent) {
      res.writeHead(500, { 'content-length': 0 });
      res.end();
    } else res.destroy(err);
  });
  res.once('close', () => stream.destroy());
}
