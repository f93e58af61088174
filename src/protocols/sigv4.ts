/**
 * AWS Signature Version 4 verification: the Authorization header and presigned query forms.
 * The verifier recomputes the signature from the request as received and compares in
 * constant time; it knows nothing of which keys exist (a resolver says) or of services.
 * S3's streaming (chunked and trailer) signatures build on `signingKey` and `hmac` here.
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type SigV4FailureKind =
  /** No Authorization header and no X-Amz-Signature. */
  | 'missing'
  /** Authorization present but lacking parts. */
  | 'incomplete'
  /** Unsupported algorithm or malformed credential or date. */
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  /** Request date outside the allowed clock skew. */
  | 'skew'
  /** A presigned URL past its X-Amz-Expires. */
  | 'expired-request'
  /** Session token altered, unknown, or not the one issued with the key. */
  | 'invalid-token'
  | 'expired-token'
  /** The signature is good but x-amz-* headers outside SignedHeaders came with it (detail.headersNotSigned). */
  | 'unsigned-headers';

export class SigV4Failure {
  constructor(
    readonly kind: SigV4FailureKind,
    readonly message: string,
    /** For signature mismatches: what the server signed, which S3 returns to help debugging. */
    readonly detail: { stringToSign?: string; canonicalRequest?: string; accessKeyId?: string; headersNotSigned?: string[] } = {},
  ) {}
}

export interface SigV4Params {
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** YYYYMMDDTHHMMSSZ */
  amzDate: string;
  /** Presigned: seconds the signature stays valid. */
  expires?: number;
  sessionToken?: string;
  presigned: boolean;
}

/** What the verifier needs of a request, independent of node:http. */
export interface SignedRequest {
  method: string;
  /** Raw path as sent, percent-encoded, without the query. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Lower-case header name → value (repeated headers joined with ','). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Extracts the signature parameters from the Authorization header or the query string. */
export function parseSigV4(req: SignedRequest): SigV4Params | SigV4Failure | undefined {
  const auth = header(req, 'authorization');
  if (auth !== undefined) return parseAuthorizationHeader(req, auth);
  if (/(?:^|&)X-Amz-Signature=/.test(req.query) || /(?:^|&)X-Amz-Algorithm=/.test(req.query)) return parsePresigned(req.query);
  return undefined;
}

function parseAuthorizationHeader(req: SignedRequest, auth: string): SigV4Params | SigV4Failure {
  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return new SigV4Failure('malformed', `Unsupported authorization type: ${algorithm.slice(0, 40)}`);
  }
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of auth.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields[k]);
  if (missing.length > 0) {
    return new SigV4Failure(
      'incomplete',
      `Authorization header requires '${missing[0]}' parameter. Authorization=${auth.slice(0, 200)}`,
    );
  }
  const cred = CREDENTIAL.exec(fields.Credential!);
  if (cred === null) {
    return new SigV4Failure('malformed', `Credential should be scoped to a valid region, and a service. Credential=${fields.Credential}`);
  }
  const amzDate = header(req, 'x-amz-date') ?? fromHttpDate(header(req, 'date'));
  if (amzDate === undefined || !AMZ_DATE.test(amzDate)) {
    return new SigV4Failure('incomplete', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const token = header(req, 'x-amz-security-token');
  return {
    accessKeyId: cred[1]!,
    date: cred[2]!,
    region: cred[3]!,
    service: cred[4]!,
    signedHeaders: fields.SignedHeaders!.split(';'),
    signature: fields.Signature!,
    amzDate,
    ...(token === undefined ? {} : { sessionToken: token }),
    presigned: false,
  };
}

function parsePresigned(query: string): SigV4Params | SigV4Failure {
  const q = new Map<string, string>();
  for (const [k, v] of parseQuery(query)) if (!q.has(k)) q.set(k, v);
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
  const absent = required.filter((k) => !q.has(k));
  if (absent.length > 0) {
    return new SigV4Failure('incomplete', `Query-string authentication version 4 requires the ${required.join(', ')} parameters.`);
  }
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) {
    return new SigV4Failure('malformed', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const cred = CREDENTIAL.exec(q.get('X-Amz-Credential')!);
  if (cred === null) return new SigV4Failure('malformed', 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  const amzDate = q.get('X-Amz-Date')!;
  if (!AMZ_DATE.test(amzDate)) return new SigV4Failure('malformed', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  const expiresRaw = q.get('X-Amz-Expires')!;
  const expires = Number(expiresRaw);
  if (!/^\d+$/.test(expiresRaw)) return new SigV4Failure('malformed', 'X-Amz-Expires should be a number');
  if (expires > 604800) return new SigV4Failure('malformed', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  const token = q.get('X-Amz-Security-Token');
  return {
    accessKeyId: cred[1]!,
    date: cred[2]!,
    region: cred[3]!,
    service: cred[4]!,
    signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
    signature: q.get('X-Amz-Signature')!,
    amzDate,
    expires,
    ...(token === undefined ? {} : { sessionToken: token }),
    presigned: true,
  };
}

function fromHttpDate(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const t = Date.parse(date);
  if (Number.isNaN(t)) return undefined;
  return toAmzDate(t);
}

export function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function amzDateToMs(amzDate: string): number {
  const m = AMZ_DATE.exec(amzDate)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** RFC 3986 encoding as SigV4 specifies: only A-Z a-z 0-9 - . _ ~ pass through. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits a raw query into decoded pairs; `+` stays `+`, as SigV4 signers send spaces as %20. */
export function parseQuery(query: string): [string, string][] {
  if (query === '') return [];
  const out: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push([safeDecode(part), '']);
    else out.push([safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1))]);
  }
  return out;
}

export function canonicalQuery(query: string, presigned: boolean): string {
  const pairs = parseQuery(query)
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * S3 signs the path as the client encoded it once; other services normalize it and encode
 * each segment twice. Either way segments are decoded first so that a client's choice of
 * which characters to escape does not change the result.
 */
export function canonicalUri(path: string, service: string): string {
  if (path === '' || path === '/') return '/';
  const segments = path.split('/').map(safeDecode);
  if (service === 's3') return segments.map(uriEncode).join('/');
  const normalized: string[] = [];
  for (const seg of segments.slice(1)) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') normalized.pop();
    else normalized.push(seg);
  }
  const trailing = path.endsWith('/') && normalized.length > 0 ? '/' : '';
  return '/' + normalized.map((s) => uriEncode(uriEncode(s))).join('/') + trailing;
}

function canonicalHeaderValue(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return s.trim().replace(/\s+/g, ' ');
}

export function buildCanonicalRequest(req: SignedRequest, p: SigV4Params, payloadHash: string): string {
  // SignedHeaders is the client's list: `constructor` or `__proto__` must not reach Object.prototype.
  const headers = p.signedHeaders.map((h) => `${h}:${canonicalHeaderValue(Object.hasOwn(req.headers, h) ? req.headers[h] : undefined)}\n`).join('');
  return [
    req.method,
    canonicalUri(req.path, p.service),
    canonicalQuery(req.query, p.presigned),
    headers,
    p.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function scope(p: Pick<SigV4Params, 'date' | 'region' | 'service'>): string {
  return `${p.date}/${p.region}/${p.service}/aws4_request`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

const keyCache = new Map<string, Buffer>();

/** Derived keys are valid for a day and a scope; caching them saves four HMACs a request. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\u0000${date}\u0000${region}\u0000${service}`;
  let k = keyCache.get(id);
  if (k === undefined) {
    k = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export interface VerifyOptions {
  /** The secret for p.accessKeyId, from the credential resolver. */
  secretAccessKey: string;
  payloadHash: string;
  now: number;
  /** Allowed clock skew in ms: 5 minutes for most services, 15 for S3. */
  maxSkewMs: number;
}

/**
 * Checks the request's signature. Order matters: the date and scope are checked before
 * the signature, so an old or misdated request fails the same way whatever its key.
 */
export function verifySigV4(req: SignedRequest, p: SigV4Params, opts: VerifyOptions): SigV4Failure | undefined {
  if (!p.amzDate.startsWith(p.date)) {
    return new SigV4Failure('malformed', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.date}' != '${p.amzDate.slice(0, 8)}', from '${p.amzDate}'.`);
  }
  if (!p.signedHeaders.includes('host')) {
    return new SigV4Failure('malformed', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const signedAt = amzDateToMs(p.amzDate);
  if (p.presigned) {
    if (signedAt - opts.now > opts.maxSkewMs) {
      return new SigV4Failure('skew', 'Request is not valid yet');
    }
    if (opts.now > signedAt + (p.expires ?? 0) * 1000) {
      return new SigV4Failure('expired-request', 'Request has expired');
    }
  } else if (Math.abs(opts.now - signedAt) > opts.maxSkewMs) {
    const mins = Math.round(opts.maxSkewMs / 60000);
    const earlier = signedAt < opts.now;
    return new SigV4Failure(
      'skew',
      `Signature ${earlier ? 'expired' : 'not yet current'}: ${p.amzDate} is ${earlier ? 'now earlier' : 'still later'} than ${toAmzDate(earlier ? opts.now - opts.maxSkewMs : opts.now + opts.maxSkewMs)} (${toAmzDate(opts.now)} ${earlier ? '-' : '+'} ${mins} min.)`,
    );
  }
  const canonicalRequest = buildCanonicalRequest(req, p, opts.payloadHash);
  const stringToSign = `${ALGORITHM}\n${p.amzDate}\n${scope(p)}\n${sha256Hex(canonicalRequest)}`;
  const expected = hmac(signingKey(opts.secretAccessKey, p.date, p.region, p.service), stringToSign).toString('hex');
  if (!constantTimeEqualHex(expected, p.signature.toLowerCase())) {
    return new SigV4Failure(
      'bad-signature',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      { stringToSign, canonicalRequest, accessKeyId: p.accessKeyId },
    );
  }
  const notSigned = unsignedAmzHeaders(req, p);
  if (notSigned.length > 0) {
    return new SigV4Failure('unsigned-headers', 'There were headers present in the request which were not signed', { headersNotSigned: notSigned });
  }
  return undefined;
}

/**
 * The `x-amz-*` headers a request carries that its signature does not cover. Every service acts
 * on such headers (S3's x-amz-copy-source and x-amz-acl, the JSON APIs' x-amz-target), so a
 * signature over fewer would let whoever holds a signed request (a presigned URL, a captured
 * call) make it another one. Presigned requests may add x-amz-content-sha256 unsigned, as
 * AWS allows: the presigner cannot know the body, and S3 checks the hash against it anyway.
 * Signers leave only non-x-amz headers unsigned (user-agent, x-amzn-trace-id, expect, …).
 */
export function unsignedAmzHeaders(req: SignedRequest, p: Pick<SigV4Params, 'signedHeaders' | 'presigned'>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(req.headers)) {
    if (!name.startsWith('x-amz-') || p.signedHeaders.includes(name)) continue;
    if (p.presigned && name === 'x-amz-content-sha256') continue;
    out.push(name);
  }
  return out;
}
