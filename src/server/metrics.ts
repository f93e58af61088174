/**
 * Prometheus metrics (`GET /_gatehouse/metrics`, text exposition format) through prom-client:
 * requests by service, operation and status with latency histograms, sign-ins by flow and
 * outcome, policy decisions, S3 bytes in and out, store and mail errors, and the process's own
 * metrics. Each Gatehouse has its own registry (tests run several in one process).
 *
 * What is counted comes from seams, not from the services' insides: the edge's one line per
 * request, decorators around the Authorizer, the Database and the Mailer that the services
 * are given. Label values are bounded sets (operation names from the models, status codes,
 * flows from the model's enum): nothing a client sends becomes a label unchecked.
 * @module
 */
import { ServiceError } from '../errors.js';
import type { Socket } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Mailer, Message } from '../mail/mailer.js';
import type { Authorizer, AuthorizationDecision, AuthorizationRequest } from '../services/iam/authorizer.js';
import type { Database, RunResult, Row, Sql, SqlValue } from '../store/database.js';
import { send, type EdgeRequest, type RawRoute } from '../protocols/http.js';

const SIGN_IN_OPERATIONS = new Set(['InitiateAuth', 'AdminInitiateAuth', 'RespondToAuthChallenge', 'AdminRespondToAuthChallenge']);

/** Cognito's AuthFlow values (the model's enum); anything else is counted as `other`. */
const AUTH_FLOWS = new Set(['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'CUSTOM_AUTH', 'ADMIN_NO_SRP_AUTH', 'USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'USER_AUTH']);

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'service' | 'operation' | 'status'>;
  readonly #latency: Histogram<'service' | 'operation'>;
  readonly #signIns: Counter<'flow' | 'outcome'>;
  readonly #decisions: Counter<'decision' | 'service'>;
  readonly #s3Bytes: Counter<'direction'>;
  readonly #storeErrors: Counter<'call'>;
  readonly #mail: Counter<'channel' | 'outcome'>;
  readonly #socketBytes = new WeakMap<Socket, { read: number; written: number }>();

  constructor() {
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'gatehouse_requests_total', help: 'Requests answered, by service, operation and HTTP status.', labelNames: ['service', 'operation', 'status'], registers });
    this.#latency = new Histogram({
      name: 'gatehouse_request_duration_seconds',
      help: 'Time from the request line to the end of the answer, by service and operation.',
      labelNames: ['service', 'operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.#signIns = new Counter({ name: 'gatehouse_sign_ins_total', help: 'InitiateAuth / AdminInitiateAuth / RespondToAuthChallenge answers, by flow and outcome (tokens, challenge, or the error code).', labelNames: ['flow', 'outcome'], registers });
    this.#decisions = new Counter({ name: 'gatehouse_policy_decisions_total', help: 'Authorization decisions of the policy engine, by decision and the action\'s service prefix.', labelNames: ['decision', 'service'], registers });
    this.#s3Bytes = new Counter({ name: 'gatehouse_s3_bytes_total', help: 'S3 and website bytes received (in) and sent (out), bodies and headers.', labelNames: ['direction'], registers });
    this.#storeErrors = new Counter({ name: 'gatehouse_store_errors_total', help: 'Store calls that failed, by call.', labelNames: ['call'], registers });
    this.#mail = new Counter({ name: 'gatehouse_messages_total', help: 'Messages handed to delivery, by channel and outcome (sent, or failed).', labelNames: ['channel', 'outcome'], registers });
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  /** One answered request, from the edge's log line. */
  request(r: EdgeRequest, seconds: number): void {
    const dot = r.operation.indexOf('.');
    const service = dot < 0 ? r.operation : r.operation.slice(0, dot);
    const operation = dot < 0 ? '' : r.operation.slice(dot + 1);
    this.#requests.inc({ service, operation, status: String(r.res.statusCode) });
    this.#latency.observe({ service, operation }, seconds);
    if (service === 's3' || service === 'website') {
      // The socket is gone once a closed connection's response finished: nothing more to count.
      const socket = r.req.socket as Socket | null;
      if (socket === null) return;
      // Per socket, counted as the difference since the last request on this keep-alive connection.
      const seen = this.#socketBytes.get(socket) ?? { read: 0, written: 0 };
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      this.#s3Bytes.inc({ direction: 'in' }, Math.max(0, read - seen.read));
      this.#s3Bytes.inc({ direction: 'out' }, Math.max(0, written - seen.written));
      this.#socketBytes.set(socket, { read, written });
    }
  }

  /** An API operation's outcome (ApiDeps.observe): sign-in steps are counted by flow. */
  readonly observe = (service: string, operation: string, input: unknown, result: unknown, error: unknown): void => {
    if (service !== 'cognito-idp' || !SIGN_IN_OPERATIONS.has(operation)) return;
    const flow = (input as { AuthFlow?: unknown } | undefined)?.AuthFlow;
    if (error !== undefined) {
      this.signIn(flow, error instanceof ServiceError ? error.code : 'InternalError');
      return;
    }
    const r = result as { AuthenticationResult?: unknown; ChallengeName?: unknown } | undefined;
    this.signIn(flow, r?.AuthenticationResult !== undefined ? 'tokens' : r?.ChallengeName !== undefined ? 'challenge' : 'other');
  };

  /** A sign-in step's answer: `tokens`, `challenge`, or the AWS error code. */
  signIn(flow: unknown, outcome: string): void {
    this.#signIns.inc({ flow: typeof flow === 'string' && AUTH_FLOWS.has(flow) ? flow : flow === undefined ? 'challenge-response' : 'other', outcome });
  }

  decision(request: AuthorizationRequest, decision: AuthorizationDecision): void {
    const colon = request.action.indexOf(':');
    this.#decisions.inc({ decision: decision.decision, service: colon < 0 ? 'other' : request.action.slice(0, colon) });
  }

  storeError(call: string): void {
    this.#storeErrors.inc({ call });
  }

  message(channel: Message['channel'], outcome: 'sent' | 'failed'): void {
    this.#mail.inc({ channel, outcome });
  }

  /** Counts every decision the wrapped authorizer makes. */
  authorizer(inner: Authorizer): Authorizer {
    return {
      authorize: async (request) => {
        const d = await inner.authorize(request);
        this.decision(request, d);
        return d;
      },
    };
  }

  /** Counts failed store calls (a failed transaction counts once, as `transaction`). */
  database(inner: Database): Database {
    const count = <T>(call: string, p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        this.storeError(call);
        throw err;
      });
    return {
      dialect: inner.dialect,
      shared: inner.shared,
      changes: inner.changes,
      get: <T extends object = Row>(sql: string, params?: readonly SqlValue[]) => count('get', inner.get<T>(sql, params)),
      all: <T extends object = Row>(sql: string, params?: readonly SqlValue[]) => count('all', inner.all<T>(sql, params)),
      run: (sql: string, params?: readonly SqlValue[]): Promise<RunResult> => count('run', inner.run(sql, params)),
      transaction: <T>(fn: (tx: Sql) => Promise<T>) => count('transaction', inner.transaction(fn)),
      close: () => inner.close(),
    };
  }

  /** Counts messages handed to delivery and those the mail server refused. */
  mailer(inner: Mailer): Mailer {
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (prop !== 'send') {
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        }
        return async (message: Message): Promise<void> => {
          try {
            await target.send(message);
            this.message(message.channel, 'sent');
          } catch (err) {
            this.message(message.channel, 'failed');
            throw err;
          }
        };
      },
    });
  }
}

export type MetricsAccess = 'local' | 'open' | 'off';

/**
 * `GET /_gatehouse/metrics`. Request counts and timings tell an observer what users do, so by
 * default the route answers whom the outbox answers (`mayRead`); `open` is for a scraper on a
 * private network, `off` removes the route.
 */
export function metricsRoute(metrics: Metrics, access: MetricsAccess, mayRead: (r: EdgeRequest) => boolean): RawRoute {
  return {
    name: 'gatehouse.metrics',
    matches: (r) => access !== 'off' && r.path === '/_gatehouse/metrics',
    async handle(r) {
      if (r.method !== 'GET' && r.method !== 'HEAD') {
        send(r.res, 405, { 'content-type': 'application/json', allow: 'GET, HEAD' }, JSON.stringify({ message: 'Use GET.' }));
        return;
      }
      if (access === 'local' && !mayRead(r)) {
        send(r.res, 401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="gatehouse metrics"' }, JSON.stringify({ message: 'Metrics answer loopback clients, or the root access key id and secret as HTTP Basic credentials.' }));
        return;
      }
      const text = await metrics.registry.metrics();
      send(r.res, 200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }, r.method === 'HEAD' ? '' : text);
    },
  };
}
