/**
 * The web console's routes: the page and its bundle under `/_gatehouse/console/`, the same page
 * at `/` for a browser (asks for HTML, sends no AWS signature), and its small JSON API —
 * sign-in, sign-out, and one `call` endpoint that the console back end turns into a signed
 * public API call. Every answer carries a strict policy: scripts only from this origin, no
 * framing, no sniffing.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleBackend } from '../console/backend.js';
import { ConsoleCallError } from '../console/call-error.js';
import { ConsoleSessions, type ConsoleSession } from '../console/session.js';
import { readBody, send, type EdgeRequest, type RawRoute } from '../protocols/http.js';

const BASE = '/_gatehouse/console/';
const COOKIE = 'gatehouse_console';
/** Built by scripts/build-console.mjs; the same place from src/server/ (tsx) and dist/server/. */
const ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console');
const WRONG_CREDENTIALS_DELAY_MS = 1000;
const MAX_BODY = 1 << 20;
/** One upload or download through the console is held in memory: bounded (the CLI has no bound). */
export const MAX_OBJECT = 64 * 1024 * 1024;
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse console</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${BASE}app.css"></head>
<body><div id="app"></div><script type="module" src="${BASE}app.js"></script></body></html>
`;

const STATIC: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

function json(r: EdgeRequest, status: number, body: unknown, extra: Record<string, string> = {}): void {
  send(r.res, status, { ...CONSOLE_HEADERS, 'content-type': 'application/json', ...extra }, JSON.stringify(body));
}

function cookieOf(r: EdgeRequest): string | undefined {
  for (const part of String(r.req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function setCookie(r: EdgeRequest, value: string, maxAgeS: number): string {
  return `${COOKIE}=${value}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${r.secure ? '; Secure' : ''}`;
}

/** A browser's plain page load of `/`: asks for HTML and carries no AWS signature of any kind. */
function isBrowserHome(r: EdgeRequest, s3HostSuffix: string): boolean {
  if (r.path !== '/' || r.method !== 'GET' || r.query !== '') return false;
  if (r.host.endsWith(`.${s3HostSuffix}`) || r.host.endsWith('.localhost')) return false;
  const h = r.req.headers;
  if (h.authorization !== undefined || h['x-amz-date'] !== undefined || h['x-amz-content-sha256'] !== undefined) return false;
  return String(h.accept ?? '').includes('text/html');
}

/**
 * State changes come from this page only: JSON (a cross-site form cannot send it without a
 * preflight this route never grants), the session's CSRF token in a header, and, when the
 * browser names an origin, this origin.
 */
function sameOriginJson(r: EdgeRequest): boolean {
  const h = r.req.headers;
  if (!String(h['content-type'] ?? '').startsWith('application/json')) return false;
  const origin = h.origin;
  return origin === undefined || sameOrigin(origin, r);
}

function sameOrigin(origin: string, r: EdgeRequest): boolean {
  try {
    return new URL(origin).host.toLowerCase() === String(r.req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/** Whether Accept-Encoding names gzip with a non-zero weight. */
function acceptsGzip(r: EdgeRequest): boolean {
  return String(r.req.headers['accept-encoding'] ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    return (coding === 'gzip' || coding === 'x-gzip') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

async function body(r: EdgeRequest): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse((await readBody(r.req, MAX_BODY, 30_000)).toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface ConsoleRouteOptions {
  endpoint: () => string;
  region: string;
  s3HostSuffix: string;
  /** Where the console says a bucket's website is (`<bucket>.<suffix>` on this port). */
  websiteHostSuffix: string;
  /** Where a user pool's prefix domain answers (`<prefix>.<suffix>` on this port). */
  authHostSuffix?: string;
  sessions?: ConsoleSessions;
}

export function consoleRoute(o: ConsoleRouteOptions): RawRoute {
  const sessions = o.sessions ?? new ConsoleSessions();
  // The backend holds six AWS SDK clients, a third of the server's heap once loaded: it is
  // loaded with the console's first call, so a server whose console nobody opens never pays
  // for it (in start-up time, memory, and the garbage collector's marking of every request).
  let loaded: Promise<ConsoleBackend> | undefined;
  const backend = (): Promise<ConsoleBackend> => (loaded ??= import('../console/backend.js').then((m) => new m.ConsoleBackend(o.endpoint, o.region)));

  async function api(r: EdgeRequest, name: string): Promise<void> {
    const session = sessions.get(cookieOf(r));
    if (name === 'session' && r.method === 'GET') {
      if (session === undefined) return json(r, 401, { message: 'Not signed in.' });
      return json(r, 200, { arn: session.arn, csrf: session.csrf, websiteHostSuffix: o.websiteHostSuffix, authHostSuffix: o.authHostSuffix ?? 'auth.localhost' });
    }
    if (name === 'object' && r.method === 'GET') return download(r, session);
    if (name === 'upload' && r.method === 'POST') return upload(r, session);
    if (r.method !== 'POST' || !sameOriginJson(r)) return json(r, 403, { code: 'Forbidden', message: 'State changes need a same-origin JSON POST.' });
    if (name === 'session') return signIn(r);
    if (session === undefined) return json(r, 401, { code: 'NotSignedIn', message: 'Not signed in.' });
    const token = r.req.headers['x-csrf-token'];
    if (!sessions.checkCsrf(session, typeof token === 'string' ? token : undefined)) return json(r, 403, { code: 'Forbidden', message: 'Missing or wrong CSRF token.' });
    if (name === 'signout') {
      sessions.close(session.id);
      return json(r, 200, {}, { 'set-cookie': setCookie(r, '', 0) });
    }
    if (name === 'call') return call(r, session);
    if (name === 'outbox') return outbox(r, session);
    if (name === 'decisions') return decisions(r, session);
    return json(r, 404, { message: 'Not found.' });
  }

  async function signIn(r: EdgeRequest): Promise<void> {
    const b = await body(r);
    const accessKeyId = typeof b?.accessKeyId === 'string' ? b.accessKeyId.trim() : '';
    const secretAccessKey = typeof b?.secretAccessKey === 'string' ? b.secretAccessKey : '';
    const sessionToken = typeof b?.sessionToken === 'string' && b.sessionToken !== '' ? b.sessionToken : undefined;
    const ok = accessKeyId.length > 0 && accessKeyId.length <= 128 && secretAccessKey.length > 0 && secretAccessKey.length <= 256 && (sessionToken?.length ?? 0) <= 4096;
    const credentials = { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
    const arn = ok ? await (await backend()).whoAmI(credentials) : undefined;
    if (arn === undefined) {
      // A delay on every refusal slows guessing; the message never says which half was wrong.
      await new Promise((res) => setTimeout(res, WRONG_CREDENTIALS_DELAY_MS));
      return json(r, 401, { code: 'InvalidCredentials', message: 'The access key ID or secret access key is not correct.' });
    }
    const s = sessions.open(arn, credentials);
    return json(r, 200, { arn, csrf: s.csrf, websiteHostSuffix: o.websiteHostSuffix, authHostSuffix: o.authHostSuffix ?? 'auth.localhost' }, { 'set-cookie': setCookie(r, s.id, Math.floor(sessions.limits.absoluteMs / 1000)) });
  }

  /** `?bucket=&key=` of one object, both required and bounded as S3 bounds them. */
  function objectOf(r: EdgeRequest): { bucket: string; key: string } | undefined {
    const q = new URLSearchParams(r.query);
    const bucket = q.get('bucket') ?? '';
    const key = q.get('key') ?? '';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || key === '' || Buffer.byteLength(key) > 1024) return undefined;
    return { bucket, key };
  }

  /**
   * "Upload": the file's bytes as the body (its type as Content-Type), sent on as one PutObject.
   * Not JSON, so the CSRF token and the origin check carry it: a cross-site form can send
   * neither the header nor (without a preflight this route never grants) this origin.
   */
  async function upload(r: EdgeRequest, session: ConsoleSession | undefined): Promise<void> {
    const origin = r.req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, r)) return json(r, 403, { code: 'Forbidden', message: 'State changes need a same-origin request.' });
    if (session === undefined) return json(r, 401, { code: 'NotSignedIn', message: 'Not signed in.' });
    const token = r.req.headers['x-csrf-token'];
    if (!sessions.checkCsrf(session, typeof token === 'string' ? token : undefined)) return json(r, 403, { code: 'Forbidden', message: 'Missing or wrong CSRF token.' });
    const target = objectOf(r);
    if (target === undefined) return json(r, 400, { code: 'InvalidArgument', message: 'An upload names a valid bucket and a key of 1 to 1,024 bytes.' });
    const type = String(r.req.headers['content-type'] ?? '');
    const contentType = type !== '' && type.length <= 200 ? type : 'application/octet-stream';
    let data: Buffer;
    try {
      data = await readBody(r.req, MAX_OBJECT, UPLOAD_TIMEOUT_MS);
    } catch {
      return json(r, 413, { code: 'EntityTooLarge', message: `The console uploads files of up to ${MAX_OBJECT} bytes in one request; use the CLI or an SDK for larger ones.` });
    }
    // A part of a multipart upload the page started (CreateMultipartUpload through `call`).
    const q = new URLSearchParams(r.query);
    const uploadId = q.get('uploadId');
    const partNumber = Number(q.get('partNumber'));
    if (uploadId !== null && (uploadId === '' || uploadId.length > 1024 || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)) {
      return json(r, 400, { code: 'InvalidArgument', message: 'A part names its uploadId and a partNumber from 1 to 10,000.' });
    }
    try {
      const out =
        uploadId === null
          ? await (await backend()).call(session.credentials, 's3', 'PutObject', { Bucket: target.bucket, Key: target.key, Body: data, ContentType: contentType })
          : await (await backend()).call(session.credentials, 's3', 'UploadPart', { Bucket: target.bucket, Key: target.key, UploadId: uploadId, PartNumber: partNumber, Body: data });
      return json(r, 200, { ETag: out.ETag });
    } catch (err) {
      const e = err instanceof ConsoleCallError ? err : new ConsoleCallError(500, 'InternalError', 'The call failed.');
      return json(r, e.status, { code: e.code, message: e.message });
    }
  }

  /** A download: GetObject as the session's principal, always as an attachment never rendered here. */
  async function download(r: EdgeRequest, session: ConsoleSession | undefined): Promise<void> {
    if (session === undefined) return json(r, 401, { code: 'NotSignedIn', message: 'Not signed in.' });
    const target = objectOf(r);
    if (target === undefined) return json(r, 400, { code: 'InvalidArgument', message: 'A download names a valid bucket and key.' });
    try {
      const out = await (await backend()).getObject(session.credentials, target.bucket, target.key, MAX_OBJECT);
      const name = target.key.split('/').pop() ?? 'download';
      return send(r.res, 200, { ...CONSOLE_HEADERS, 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` }, Buffer.from(out.body));
    } catch (err) {
      const e = err instanceof ConsoleCallError ? err : new ConsoleCallError(500, 'InternalError', 'The call failed.');
      return json(r, e.status, { code: e.code, message: e.message });
    }
  }

  async function outbox(r: EdgeRequest, session: ConsoleSession): Promise<void> {
    const b = await body(r);
    const to = typeof b?.to === 'string' && b.to.trim() !== '' ? b.to.trim().slice(0, 320) : undefined;
    try {
      const out = await (await backend()).outbox(session.credentials, to);
      if (out.status === 401) return json(r, 403, { code: 'AccessDenied', message: 'The outbox holds verification codes: only the root access key may read it.' });
      return json(r, out.status, out.body);
    } catch {
      return json(r, 502, { code: 'InternalError', message: 'The outbox did not answer.' });
    }
  }

  async function decisions(r: EdgeRequest, session: ConsoleSession): Promise<void> {
    try {
      const out = await (await backend()).decisions(session.credentials);
      if (out.status === 401) return json(r, 403, { code: 'AccessDenied', message: 'Access decisions name principals and resources: only the root access key may read them.' });
      return json(r, out.status, out.body);
    } catch {
      return json(r, 502, { code: 'InternalError', message: 'Access decisions did not answer.' });
    }
  }

  async function call(r: EdgeRequest, session: ConsoleSession): Promise<void> {
    const b = await body(r);
    const service = typeof b?.service === 'string' ? b.service : '';
    const operation = typeof b?.operation === 'string' ? b.operation : '';
    const input = typeof b?.input === 'object' && b.input !== null && !Array.isArray(b.input) ? (b.input as Record<string, unknown>) : {};
    try {
      return json(r, 200, await (await backend()).call(session.credentials, service, operation, input));
    } catch (err) {
      const e = err instanceof ConsoleCallError ? err : new ConsoleCallError(500, 'InternalError', 'The call failed.');
      return json(r, e.status, { code: e.code, message: e.message });
    }
  }

  return {
    name: 'gatehouse.console',
    matches: (r) => r.path.startsWith(BASE) || r.path === BASE.slice(0, -1) || isBrowserHome(r, o.s3HostSuffix),
    async handle(r) {
      const rest = r.path.startsWith(BASE) ? r.path.slice(BASE.length) : '';
      if (rest.startsWith('api/')) return api(r, rest.slice(4));
      if (r.method !== 'GET' && r.method !== 'HEAD') return json(r, 405, { message: 'Use GET.' }, { allow: 'GET' });
      const type = Object.hasOwn(STATIC, rest) ? STATIC[rest] : undefined;
      if (type !== undefined) {
        const read = (file: string) => fs.promises.readFile(path.join(ASSETS, file)).catch(() => undefined);
        // The build's gzipped copy when the browser takes gzip (and the copy is there).
        const gzip = acceptsGzip(r) ? await read(`${rest}.gz`) : undefined;
        const data = gzip ?? (await read(rest));
        if (data === undefined) return send(r.res, 503, { ...CONSOLE_HEADERS, 'content-type': 'text/plain' }, 'The console is not built: run npm run build.\n');
        return send(r.res, 200, { ...CONSOLE_HEADERS, 'content-type': type, vary: 'accept-encoding', ...(gzip === undefined ? {} : { 'content-encoding': 'gzip' }) }, data);
      }
      // The single-page app answers every other path under the base (its own routes) and `/`.
      return send(r.res, 200, { ...CONSOLE_HEADERS, 'content-type': 'text/html; charset=utf-8' }, PAGE);
    },
  };
}
