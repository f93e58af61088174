/**
 * Request bodies as S3 receives them: plain (checked against x-amz-content-sha256 when the
 * signature covers a hash) or aws-chunked, where each chunk may carry a signature chained from
 * the request's (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) and a trailer section may follow with
 * flexible checksums and its own signature (`…-TRAILER`). Everything is verified as it streams;
 * the caller commits nothing until the iteration ends without error.
 * @module
 */
import { createHash, createHmac, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ServiceError } from '../../errors.js';
import { constantTimeEqualHex, EMPTY_SHA256 } from '../../protocols/sigv4.js';
import type { PayloadMode } from './auth.js';
import { S3Errors } from './errors.js';

export interface Body {
  /** Decoded length the client declared, when it did. */
  readonly length: number | undefined;
  /** Trailer headers (lower-case names), filled once iteration has ended. */
  readonly trailers: Map<string, string>;
  /** Yields the decoded bytes; throws a ServiceError when the body fails a check. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
}

const chunkSignatureMismatch = (): ServiceError =>
  new ServiceError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
  );
const malformedChunks = (why: string): ServiceError => new ServiceError('InvalidRequest', `Malformed aws-chunked body: ${why}.`, 400);

/** The length the body will have once decoded, from x-amz-decoded-content-length or Content-Length. */
export function declaredLength(req: IncomingMessage, payload: PayloadMode): number | undefined {
  const raw = payload.kind === 'chunked' ? req.headers['x-amz-decoded-content-length'] : req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || !Number.isSafeInteger(n)) {
    throw S3Errors.invalidArgument(`Invalid ${payload.kind === 'chunked' ? 'x-amz-decoded-content-length' : 'Content-Length'}`);
  }
  return n;
}

/** Wraps the request body in the checks its payload mode asks for. */
export function openBody(req: IncomingMessage, payload: PayloadMode): Body {
  const length = declaredLength(req, payload);
  const trailers = new Map<string, string>();
  if (payload.kind === 'chunked') {
    return { length, trailers, [Symbol.asyncIterator]: () => decodeChunked(req, payload, trailers, length) };
  }
  return { length, trailers, [Symbol.asyncIterator]: () => plain(req, payload, length) };
}

async function* plain(req: IncomingMessage, payload: PayloadMode, length: number | undefined): AsyncGenerator<Buffer> {
  const hash: Hash | undefined = payload.kind === 'sha256' ? createHash('sha256') : undefined;
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    hash?.update(chunk);
    yield chunk;
  }
  if (length !== undefined && total !== length) throw S3Errors.incompleteBody();
  if (hash !== undefined && payload.kind === 'sha256') {
    const computed = hash.digest('hex');
    if (computed !== payload.expected) throw S3Errors.contentSha256Mismatch(payload.expected, computed);
  }
}

type ChunkedPayload = Extract<PayloadMode, { kind: 'chunked' }>;

const MAX_LINE = 4096;
/** The trailer section carries a checksum or two and a signature: a few hundred bytes. */
const MAX_TRAILER = 16 * 1024;

async function* decodeChunked(req: IncomingMessage, p: ChunkedPayload, trailers: Map<string, string>, length: number | undefined): AsyncGenerator<Buffer> {
  let prevSignature = p.seedSignature;
  // Held in an object: the line handlers below change it, which TypeScript's narrowing cannot see.
  const st: { state: 'header' | 'data' | 'data-crlf' | 'final-crlf' | 'trailer' | 'done' } = { state: 'header' };
  let line = '';
  let remaining = 0;
  let chunkSig = '';
  let chunkHash: Hash | undefined;
  let isLast = false;
  let total = 0;
  let trailerCanonical = '';
  let trailerSignature: string | undefined;
  let crlf = 0;

  const verifyChunk = (dataHash: string): void => {
    if (!p.signed) return;
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${p.amzDate}\n${p.scope}\n${prevSignature}\n${EMPTY_SHA256}\n${dataHash}`;
    const expected = createHmac('sha256', p.signingKey).update(sts).digest('hex');
    if (!constantTimeEqualHex(expected, chunkSig)) throw chunkSignatureMismatch();
    prevSignature = expected;
  };

  const headerLine = (text: string): void => {
    const semi = text.indexOf(';');
    const sizeHex = (semi < 0 ? text : text.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex)) throw malformedChunks('bad chunk size');
    remaining = Number.parseInt(sizeHex, 16);
    chunkSig = '';
    if (semi >= 0) {
      const ext = text.slice(semi + 1);
      if (ext.startsWith('chunk-signature=')) chunkSig = ext.slice('chunk-signature='.length).trim().toLowerCase();
    }
    if (p.signed && chunkSig === '') throw malformedChunks('chunk without chunk-signature');
    isLast = remaining === 0;
    chunkHash = p.signed && !isLast ? createHash('sha256') : undefined;
    if (isLast) {
      verifyChunk(EMPTY_SHA256);
      st.state = p.trailer ? 'trailer' : 'final-crlf';
      crlf = 0;
    } else {
      st.state = 'data';
    }
  };

  let trailerBytes = 0;
  const trailerLine = (text: string): void => {
    trailerBytes += text.length + 2;
    if (trailerBytes > MAX_TRAILER) throw malformedChunks('trailer too long');
    if (text === '') {
      if (p.signed) {
        if (trailerSignature === undefined) throw malformedChunks('trailer without x-amz-trailer-signature');
        const sts = `AWS4-HMAC-SHA256-TRAILER\n${p.amzDate}\n${p.scope}\n${prevSignature}\n${createHash('sha256').update(trailerCanonical).digest('hex')}`;
        const expected = createHmac('sha256', p.signingKey).update(sts).digest('hex');
        if (!constantTimeEqualHex(expected, trailerSignature)) throw chunkSignatureMismatch();
      }
      st.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformedChunks('bad trailer line');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSignature = value.toLowerCase();
    else {
      trailers.set(name, value);
      trailerCanonical += `${name}:${value}\n`;
    }
  };

  for await (const raw of req as AsyncIterable<Buffer>) {
    let i = 0;
    while (i < raw.length) {
      if (st.state === 'data') {
        const n = Math.min(remaining, raw.length - i);
        const slice = raw.subarray(i, i + n);
        chunkHash?.update(slice);
        remaining -= n;
        total += n;
        i += n;
        // Stop at the first byte past the declared length: the raw body is bounded only by a
        // Content-Length nobody checked, and small bodies are gathered in memory.
        if (length !== undefined && total > length) throw S3Errors.incompleteBody();
        yield slice;
        if (remaining === 0) {
          st.state = 'data-crlf';
          crlf = 0;
        }
        continue;
      }
      if (st.state === 'data-crlf' || st.state === 'final-crlf') {
        const expectByte = crlf === 0 ? 13 : 10;
        if (raw[i] !== expectByte) throw malformedChunks('missing CRLF after chunk data');
        i++;
        if (++crlf === 2) {
          if (st.state === 'final-crlf') st.state = 'done';
          else {
            verifyChunk(chunkHash !== undefined ? chunkHash.digest('hex') : EMPTY_SHA256);
            st.state = 'header';
          }
        }
        continue;
      }
      if (st.state === 'done') {
        throw malformedChunks('data after the final chunk');
      }
      // header or trailer: read one CRLF-terminated line
      const nl = raw.indexOf(10, i);
      const end = nl < 0 ? raw.length : nl + 1;
      line += raw.toString('latin1', i, end);
      i = end;
      if (line.length > MAX_LINE) throw malformedChunks('line too long');
      if (nl < 0) continue;
      if (!line.endsWith('\r\n')) throw malformedChunks('line not terminated by CRLF');
      const text = line.slice(0, -2);
      line = '';
      if (st.state === 'header') headerLine(text);
      else trailerLine(text);
    }
  }
  if (st.state !== 'done') throw S3Errors.incompleteBody();
  if (length !== undefined && total !== length) throw S3Errors.incompleteBody();
}

/**
 * Reads a small plain (not aws-chunked) body whole with event listeners, cheaper per request than
 * an async iterator, with the same length and payload-hash checks.
 */
export function readPlainBody(req: IncomingMessage, payload: PayloadMode, length: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(S3Errors.incompleteBody());
    });
    req.once('end', () => {
      if (size !== length) return reject(S3Errors.incompleteBody());
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (payload.kind === 'sha256') {
        const computed = createHash('sha256').update(all).digest('hex');
        if (computed !== payload.expected) return reject(S3Errors.contentSha256Mismatch(payload.expected, computed));
      }
      resolve(all);
    });
  });
}

/** Reads a small body whole (XML configuration, small objects), with the same checks. */
export async function readSmallBody(body: Body, limit: number): Promise<Buffer> {
  if (body.length !== undefined && body.length > limit) throw S3Errors.entityTooLarge(body.length, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) throw S3Errors.entityTooLarge(size, limit);
    chunks.push(c);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
