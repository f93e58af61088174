/**
 * The edge's view of one HTTP request, read once and shared by every stage, and the small
 * HTTP plumbing (answers, bounded bodies) that the edge and the services that speak raw HTTP
 * (S3, JWKS, discovery) both use. It lives below both so that imports point down.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';

export interface EdgeRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly method: string;
  /** Raw path as sent, still percent-encoded, without the query. */
  readonly path: string;
  /** Raw query string without `?` ('' when none). */
  readonly query: string;
  /** Host header without port, lower-cased. */
  readonly host: string;
  readonly sourceIp: string;
  readonly secure: boolean;
  readonly started: bigint;
  readonly log: Logger;
  /** What the request log line names: `cognito-idp.SignUp`, `s3.GetObject`, … */
  operation: string;
}

/** Something that answers raw HTTP (S3, website endpoints, JWKS) and writes the response itself. */
export interface HttpHandler {
  handle(request: EdgeRequest): Promise<void>;
  /**
   * The answer to a request whose connection ended before its Content-Length bytes arrived
   * (the client half-closed): node's parser fails the connection then, before the handler can
   * answer, so the edge writes this instead of node's bare 400.
   */
  truncatedBodyAnswer?(request: EdgeRequest): { status: number; body: Buffer; contentType: string };
}

/** A route outside the AWS protocols, matched before protocol detection. */
export interface RawRoute extends HttpHandler {
  /** Name for the log line. */
  readonly name: string;
  matches(request: EdgeRequest): boolean;
  /** For what only a look-up can tell (a custom domain's host name): asked when `matches` said no. */
  claims?(request: EdgeRequest): Promise<boolean>;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: string | Buffer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'content-length': payload?.length ?? 0 });
  res.end(payload);
}

/** The peer address is this host's (IPv4-mapped addresses already unwrapped). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

export class BodyTooLarge extends Error {}
export class BodyTimeout extends Error {}

/** A refused body is read and dropped so its sender can read the answer; this much at most, */
const DRAIN_LIMIT = 64 * 1024 * 1024;
/** for this long at most; then the connection is cut. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Reads what remains of a request that was already answered (too large, too slow) and drops
 * it, so the client, still sending, reads the answer instead of failing with EPIPE; bounded in
 * bytes and time so that nobody can keep a connection busy this way.
 */
function drainThenClose(req: IncomingMessage): void {
  let left = DRAIN_LIMIT;
  const cut = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, DRAIN_TIMEOUT_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    left -= c.length;
    if (left < 0) cut();
  });
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

/**
 * Reads a small request body whole (API services); S3 streams instead. The body must arrive
 * within `timeoutMs`: it is read before the signature can be checked, so without a deadline
 * anyone could hold connections open by trickling a byte now and then.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      drainThenClose(req);
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      drainThenClose(req);
      reject(err);
    };
    const timer = setTimeout(() => fail(new BodyTimeout()), timeoutMs);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) return fail(new BodyTooLarge());
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
