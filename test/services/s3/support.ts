/**
 * Helpers for the S3 suites: SDK v3 clients (path-style and virtual-hosted through a resolver
 * that maps `*.localhost` names to 127.0.0.1, since the system resolver does not), requests
 * signed by the SDK's own signer (@smithy/signature-v4) for hand-made edge cases, and the
 * aws-chunked encoder AWS documents for STREAMING-* uploads.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../support/sha256.js';
export { Sha256 };
import { REGION, type TestServer } from '../../support/gatehouse.js';
export { errorOf, type CaughtError } from '../../support/errors.js';


/** Resolves every name to loopback, so `bucket.s3.localhost` reaches the test server. */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export function s3Client(server: TestServer, options: { virtualHosted?: boolean; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; region?: string } = {}): S3Client {
  const port = new URL(server.url).port;
  if (options.virtualHosted === true) {
    return new S3Client({
      endpoint: `http://s3.localhost:${port}`,
      region: options.region ?? REGION,
      credentials: options.credentials ?? server.credentials,
      forcePathStyle: false,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup: loopbackLookup }) }),
    });
  }
  return new S3Client({ endpoint: server.url, region: options.region ?? REGION, credentials: options.credentials ?? server.credentials, forcePathStyle: true });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The `<Code>` of an S3 error document. */
export function codeOf(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

export async function raw(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * Signs a request with @smithy/signature-v4 (the SDK's signer, not ours) and sends it.
 * `payloadHash` defaults to the body's SHA-256; pass 'UNSIGNED-PAYLOAD' or a STREAMING-* value.
 */
export async function signedRequest(
  server: TestServer,
  method: string,
  path: string,
  opts: {
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: Buffer | string;
    payloadHash?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    signingDate?: Date;
    /** Changes the body after signing (tamper tests). */
    sendBody?: Buffer | string;
    presign?: number;
  } = {},
): Promise<RawResponse & { signature: string; amzDate: string }> {
  const u = new URL(server.url);
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const payloadHash = opts.payloadHash ?? createHash('sha256').update(body ?? Buffer.alloc(0)).digest('hex');
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: opts.credentials ?? server.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const request = {
    method,
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path,
    query: opts.query ?? {},
    // Presigned URLs are for unsigned payloads, as @aws-sdk/s3-request-presigner makes them.
    headers: { host: u.host, 'x-amz-content-sha256': opts.presign === undefined ? payloadHash : 'UNSIGNED-PAYLOAD', ...(opts.headers ?? {}) },
  };
  const signed =
    opts.presign === undefined
      ? await signer.sign(request, { signingDate: opts.signingDate ?? new Date() })
      : await signer.presign(request, { signingDate: opts.signingDate ?? new Date(), expiresIn: opts.presign, unhoistableHeaders: new Set(['x-amz-content-sha256']) });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') headers[k] = String(v);
  const qs = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const auth = headers.authorization ?? headers.Authorization ?? '';
  const signature = /Signature=([0-9a-f]+)/.exec(auth)?.[1] ?? String(signed.query?.['X-Amz-Signature'] ?? '');
  const amzDate = headers['x-amz-date'] ?? String(signed.query?.['X-Amz-Date'] ?? '');
  const sendBody = opts.sendBody === undefined ? body : Buffer.from(opts.sendBody);
  const res = await fetch(`${server.url}${path}${qs === '' ? '' : `?${qs}`}`, { method, headers, ...(sendBody === undefined ? {} : { body: sendBody }) });
  return { status: res.status, headers: res.headers, text: await res.text(), signature, amzDate };
}

/** Builds an aws-chunked body with chunk signatures (and optionally signed trailers), as AWS documents. */
export function awsChunked(
  data: Buffer,
  chunkSize: number,
  sig: { seed: string; amzDate: string; scope: string; key: Buffer } | undefined,
  trailers?: Record<string, string>,
): Buffer {
  const parts: Buffer[] = [];
  let prev = sig?.seed ?? '';
  const empty = createHash('sha256').update('').digest('hex');
  const chunkSig = (d: Buffer): string => {
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${sig!.amzDate}\n${sig!.scope}\n${prev}\n${empty}\n${createHash('sha256').update(d).digest('hex')}`;
    prev = createHmac('sha256', sig!.key).update(sts).digest('hex');
    return prev;
  };
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const c of chunks) {
    const ext = sig === undefined ? '' : `;chunk-signature=${chunkSig(c)}`;
    parts.push(Buffer.from(`${c.length.toString(16)}${ext}\r\n`));
    if (c.length > 0) parts.push(c, Buffer.from('\r\n'));
  }
  if (trailers === undefined) {
    parts.push(Buffer.from('\r\n'));
  } else {
    let canonical = '';
    for (const [k, v] of Object.entries(trailers)) {
      parts.push(Buffer.from(`${k}:${v}\r\n`));
      canonical += `${k}:${v}\n`;
    }
    if (sig !== undefined) {
      const sts = `AWS4-HMAC-SHA256-TRAILER\n${sig.amzDate}\n${sig.scope}\n${prev}\n${createHash('sha256').update(canonical).digest('hex')}`;
      parts.push(Buffer.from(`x-amz-trailer-signature:${createHmac('sha256', sig.key).update(sts).digest('hex')}\r\n`));
    }
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export function signingKeyFor(secret: string, date: string, region = REGION): Buffer {
  const h = (k: Buffer | string, d: string): Buffer => createHmac('sha256', k).update(d).digest();
  return h(h(h(h(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
}


/** A request with a chosen Host header (website endpoints), sent to the loopback server. */
export function hostRequest(
  server: TestServer,
  host: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { host: `${host}:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
