/**
 * The HTTP edge: one port, many AWS protocols. It decides from the request line and headers
 * which service and protocol a request is for (website host, Gatehouse's own routes, raw
 * routes such as JWKS, X-Amz-Target for JSON 1.1, Action= for Query, everything else S3),
 * applies API CORS, and hands over. One log line per request.
 * @module
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import type { Logger } from '../log.js';
import { encodeJsonError } from '../protocols/json.js';
import { encodeQueryError, formText, parseForm } from '../protocols/query.js';
import type { ApiService, RestApiService } from '../services/types.js';
import { newRequestId, runApiRequest, type ApiDeps } from './api.js';
import { runRestJsonRequest } from './rest-api.js';
import { answerApiPreflight, apiCorsHeaders, isPreflight } from './cors.js';
import { BodyTimeout, BodyTooLarge, isLoopback, readBody, send, type EdgeRequest, type HttpHandler, type RawRoute } from '../protocols/http.js';

/** API request bodies are small; larger ones are refused before they are buffered. */
const API_BODY_LIMIT = 1024 * 1024;
/** API request bodies arrive within this (see `readBody`); the headers have a minute too. */
const API_BODY_TIMEOUT_MS = 60_000;

export interface EdgeServices {
  /** JSON 1.1 services by X-Amz-Target prefix. */
  json: ReadonlyMap<string, ApiService>;
  /** Query services by SigV4 signing name (iam, sts). */
  query: ReadonlyMap<string, ApiService>;
  /** Routes outside the AWS protocols (JWKS, OIDC discovery, outbox …), tried in order. */
  routes: readonly RawRoute[];
  /** REST-JSON services (Lambda) by SigV4 signing name: a signed request scoped to one goes there. */
  rest?: ReadonlyMap<string, RestApiService>;
  /** S3 REST, for everything else; undefined until S3 is wired in. */
  s3?: HttpHandler;
  /** Static website endpoints (`<bucket>.<website suffix>` and `/_website/<bucket>/…`). */
  website?: HttpHandler;
}

export class Edge {
  readonly #queryByAction = new Map<string, ApiService>();
  readonly #publicUrlIsTls: boolean;

  constructor(
    private readonly config: Config,
    private readonly deps: ApiDeps,
    private readonly services: EdgeServices,
    private readonly log: Logger,
    /** Told of every answered request and its duration (metrics). */
    private readonly answered?: (request: EdgeRequest, seconds: number) => void,
  ) {
    this.#publicUrlIsTls = config.publicUrl.startsWith('https:');
    for (const svc of services.query.values()) {
      for (const op of Object.keys(svc.model.operations)) if (!this.#queryByAction.has(op)) this.#queryByAction.set(op, svc);
    }
  }

  /** Requests being answered, by response, for `clientError` (which is given only the socket). */
  readonly #inFlight = new WeakMap<ServerResponse, EdgeRequest>();

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const request = this.#toEdgeRequest(req, res);
    this.#inFlight.set(res, request);
    res.setHeader('x-amz-request-id', request.requestId);
    // No answer of any service is to be content-sniffed into something else (an object stored
    // as text/plain run as HTML or script).
    res.setHeader('x-content-type-options', 'nosniff');
    res.on('finish', () => this.#logLine(request));
    this.#route(request).catch((err: unknown) => {
      this.log.error({ err, requestId: request.requestId }, 'request failed outside any service');
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, 'Internal error\n');
      else res.destroy();
    });
  };

  /**
   * The node:http `clientError` listener. It answers as node does by default (400, 408 for a
   * timeout, 431 for oversized headers, then close), except for a body cut short by a
   * half-close while its request is being handled: that one gets the service's own answer
   * (S3's IncompleteBody) instead of a bare 400. The handler itself sees the body end early
   * and stores nothing.
   */
  readonly clientError = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    const res = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && (res === undefined || !res.headersSent)) {
      const request = res === undefined ? undefined : this.#inFlight.get(res);
      const handler = request?.operation.startsWith('s3') === true ? this.services.s3 : undefined;
      if (err.code === 'HPE_INVALID_EOF_STATE' && request !== undefined && handler?.truncatedBodyAnswer !== undefined) {
        const a = handler.truncatedBodyAnswer(request);
        const head = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\ncontent-type: ${a.contentType}\r\ncontent-length: ${a.body.length}\r\nx-amz-request-id: ${request.requestId}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n`;
        socket.write(Buffer.concat([Buffer.from(head, 'latin1'), a.body]));
      } else {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      }
    }
    socket.destroy(err);
  };

  #toEdgeRequest(req: IncomingMessage, res: ServerResponse): EdgeRequest {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
    const sourceIp = normalizeIp(req.socket.remoteAddress ?? '');
    return {
      req,
      res,
      requestId: newRequestId(),
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      host,
      sourceIp,
      secure: (req.socket as TLSSocket).encrypted === true || forwardedOverTls(sourceIp, req.headers['x-forwarded-proto'], this.#publicUrlIsTls),
      started: process.hrtime.bigint(),
      log: this.log,
      operation: 'unknown',
    };
  }

  async #route(request: EdgeRequest): Promise<void> {
    const { host, path } = request;

    if (this.services.website !== undefined && (host.endsWith(`.${this.config.websiteHostSuffix}`) || path.startsWith('/_website/'))) {
      request.operation = 'website';
      return this.services.website.handle(request);
    }

    for (const route of this.services.routes) {
      if (route.matches(request) || (route.claims !== undefined && (await route.claims(request)))) {
        request.operation = route.name;
        return route.handle(request);
      }
    }

    const target = request.req.headers['x-amz-target'];
    if (typeof target === 'string') return this.#json(request, target);

    // REST services share S3's paths (a bucket may be named 2015-03-31): the signature's
    // credential scope, which names the service, tells them apart.
    const rest = this.services.rest?.get(signingScope(request) ?? '');
    if (rest !== undefined) {
      for (const [k, v] of Object.entries(apiCorsHeaders(request))) request.res.setHeader(k, v);
      return runRestJsonRequest(this.deps, request, rest);
    }

    if (!this.#isBucketHost(host) && path === '/') {
      if (isPreflight(request)) {
        request.operation = 'cors.preflight';
        answerApiPreflight(request);
        return;
      }
      const ct = String(request.req.headers['content-type'] ?? '');
      if (request.method === 'POST' && ct.startsWith('application/x-www-form-urlencoded')) return this.#query(request);
      if (request.method === 'GET' && /(?:^|&)Action=/.test(request.query)) return this.#query(request);
    }

    if (this.services.s3 !== undefined) {
      request.operation = 's3';
      return this.services.s3.handle(request);
    }
    send(request.res, 404, { 'content-type': 'text/plain' }, 'Not found\n');
  }

  /** Virtual-hosted-style S3: `<bucket>.<s3 suffix>`, or `<bucket>.localhost` as SDKs send by default. */
  #isBucketHost(host: string): boolean {
    return host.endsWith(`.${this.config.s3HostSuffix}`) || (host.endsWith('.localhost') && !host.endsWith(`.${this.config.websiteHostSuffix}`));
  }

  async #json(request: EdgeRequest, target: string): Promise<void> {
    const dot = target.lastIndexOf('.');
    const service = this.services.json.get(dot < 0 ? target : target.slice(0, dot));
    for (const [k, v] of Object.entries(apiCorsHeaders(request))) request.res.setHeader(k, v);
    if (service === undefined) {
      request.operation = 'unknown-target';
      const e = encodeJsonError(new ServiceError('UnknownOperationException', '', 400), request.requestId);
      send(request.res, e.status, e.headers, e.body);
      return;
    }
    const body = await this.#body(request, (err) => {
      const e = encodeJsonError(err, request.requestId);
      send(request.res, e.status, e.headers, e.body);
    });
    if (body === undefined) return;
    await runApiRequest(this.deps, request, service, 'json', target.slice(dot + 1), body, undefined);
  }

  async #query(request: EdgeRequest): Promise<void> {
    for (const [k, v] of Object.entries(apiCorsHeaders(request))) request.res.setHeader(k, v);
    const fallback = this.services.query.values().next().value;
    const body = await this.#body(request, (err) => {
      if (fallback === undefined) return send(request.res, err.status, {}, '');
      const e = encodeQueryError(fallback.model, err, request.requestId);
      send(request.res, e.status, e.headers, e.body);
    });
    if (body === undefined) return;
    let params: Map<string, string>;
    try {
      params = parseForm(request.query);
      if (body.length > 0) for (const [k, v] of parseForm(formText(body))) params.set(k, v);
    } catch (err) {
      if (!(err instanceof ServiceError) || fallback === undefined) throw err;
      request.operation = 'query.malformed';
      const e = encodeQueryError(fallback.model, err, request.requestId);
      send(request.res, e.status, e.headers, e.body);
      return;
    }
    const action = params.get('Action') ?? '';
    // The signing scope names the service when the request is signed; unsigned calls (STS's
    // AssumeRoleWithWebIdentity) are known by their action.
    const scope = signingScope(request);
    const service = (scope !== undefined ? this.services.query.get(scope) : undefined) ?? this.#queryByAction.get(action) ?? fallback;
    if (service === undefined) {
      send(request.res, 404, { 'content-type': 'text/plain' }, 'Not found\n');
      return;
    }
    if (action === '') {
      request.operation = `${service.name}.missing-action`;
      const e = encodeQueryError(service.model, new ServiceError('MissingAction', 'Missing Action', 400), request.requestId);
      send(request.res, e.status, e.headers, e.body);
      return;
    }
    await runApiRequest(this.deps, request, service, 'query', action, body, params);
  }

  async #body(request: EdgeRequest, onError: (err: ServiceError) => void): Promise<Buffer | undefined> {
    try {
      return await readBody(request.req, API_BODY_LIMIT, API_BODY_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof BodyTooLarge || err instanceof BodyTimeout)) throw err;
      // The rest of the body is not wanted: close the connection rather than read it.
      request.res.setHeader('connection', 'close');
      onError(
        err instanceof BodyTooLarge
          ? new ServiceError('RequestEntityTooLargeException', `Request body larger than ${API_BODY_LIMIT} bytes.`, 413)
          : new ServiceError('RequestTimeoutException', 'The request body did not arrive in time.', 408),
      );
      return undefined;
    }
  }

  #logLine(request: EdgeRequest): void {
    const ms = Number(process.hrtime.bigint() - request.started) / 1e6;
    this.answered?.(request, ms / 1000);
    this.log.info(
      { requestId: request.requestId, op: request.operation, method: request.method, status: request.res.statusCode, ms: Math.round(ms * 100) / 100 },
      'request',
    );
  }
}

/**
 * Whether a request reached the proxy in front of Gatehouse over TLS (`aws:SecureTransport`).
 * Anyone can send `X-Forwarded-Proto`, so it is believed only from a proxy: a peer on this
 * host, or any peer when the configured public URL is https (clients reach Gatehouse only
 * through a TLS-terminating proxy then).
 */
export function forwardedOverTls(sourceIp: string, header: string | string[] | undefined, publicUrlIsTls: boolean): boolean {
  if (header !== 'https') return false;
  return publicUrlIsTls || isLoopback(sourceIp);
}

/** The service a SigV4 signature is scoped to (header or presigned form), if signed. */
function signingScope(request: EdgeRequest): string | undefined {
  return (
    /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(request.req.headers.authorization ?? ''))?.[1] ??
    /(?:^|&)X-Amz-Credential=[^&]*?(?:%2F|\/)\d{8}(?:%2F|\/)[^&]*?(?:%2F|\/)([a-z0-9-]+)(?:%2F|\/)/i.exec(request.query)?.[1]
  );
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
