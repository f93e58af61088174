/**
 * `GET /_gatehouse/health` for Docker and Kubernetes probes, in the shape LocalStack's health
 * endpoint uses for services (`{"services": {"s3": "running", …}, "version": …}`), plus the
 * checks that make Gatehouse ready: the store answers, every component's migrations are
 * applied, and the SMTP server answers when one is configured. 200 when ready, 503 when not.
 * `/_gatehouse/health/live` is liveness only: the process answers (a store outage must not get
 * the container killed and restarted into the same outage).
 *
 * Probes are frequent and unauthenticated, so the SMTP check is cached (a probe never opens a
 * connection per request) and nothing in the answer is secret.
 * @module
 */
import type { Database, Schema } from '../store/database.js';
import { send, type RawRoute } from '../protocols/http.js';
import { OWN_PAGE_HEADERS } from './internal.js';

const JSON_TYPE = { 'content-type': 'application/json', 'cache-control': 'no-store', ...OWN_PAGE_HEADERS };
const SMTP_CHECK_TTL_MS = 30_000;
const SMTP_CHECK_TIMEOUT_MS = 5_000;

export interface HealthOptions {
  version: string;
  db: Database;
  schemas: readonly Schema[];
  /** Service names as AWS's endpoints call them (`cognito-idp`, `s3`, …). */
  services: readonly string[];
  smtpUrl: string | undefined;
}

type Check = 'ok' | 'outbox' | `error: ${string}`;

export function healthRoute(o: HealthOptions): RawRoute {
  const smtp = o.smtpUrl === undefined ? undefined : smtpProbe(o.smtpUrl);
  return {
    name: 'gatehouse.health',
    matches: (r) => (r.path === '/_gatehouse/health' || r.path === '/_gatehouse/health/live' || r.path === '/_gatehouse/health/ready') && (r.method === 'GET' || r.method === 'HEAD'),
    async handle(r) {
      if (r.path === '/_gatehouse/health/live') {
        send(r.res, 200, JSON_TYPE, r.method === 'HEAD' ? '' : JSON.stringify({ status: 'ok', version: o.version }));
        return;
      }
      const [store, migrations, mail] = await Promise.all([storeCheck(o.db), migrationsCheck(o.db, o.schemas), smtp === undefined ? Promise.resolve<Check>('outbox') : smtp()]);
      const ready = store === 'ok' && migrations === 'ok' && (mail === 'ok' || mail === 'outbox');
      const state = ready ? 'running' : 'error';
      const body = {
        status: ready ? 'ok' : 'unavailable',
        version: o.version,
        services: Object.fromEntries(o.services.map((s) => [s, state])),
        checks: { store, migrations, mail },
      };
      send(r.res, ready ? 200 : 503, JSON_TYPE, r.method === 'HEAD' ? '' : JSON.stringify(body));
    },
  };
}

async function storeCheck(db: Database): Promise<Check> {
  try {
    const row = await db.get<{ one: number }>('SELECT 1 AS one');
    return row?.one === 1 ? 'ok' : 'error: unexpected answer';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

async function migrationsCheck(db: Database, schemas: readonly Schema[]): Promise<Check> {
  try {
    const rows = await db.all<{ component: string; version: number }>('SELECT component, version FROM schema_migrations');
    const applied = new Set(rows.map((r) => `${r.component}/${Number(r.version)}`));
    const missing = schemas.flatMap((s) => s.migrations.filter((m) => !applied.has(`${s.component}/${m.version}`)).map((m) => `${s.component} v${m.version}`));
    return missing.length === 0 ? 'ok' : `error: not applied: ${missing.join(', ')}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** SMTP reachability, checked at most every 30 s; the URL (it may hold a password) is never shown. */
function smtpProbe(url: string): () => Promise<Check> {
  let last: { at: number; result: Promise<Check> } | undefined;
  return () => {
    const now = Date.now();
    if (last === undefined || now - last.at > SMTP_CHECK_TTL_MS) {
      last = { at: now, result: verifySmtp(url) };
    }
    return last.result;
  };
}

async function verifySmtp(url: string): Promise<Check> {
  const { default: nodemailer } = await import('nodemailer');
  // nodemailer reads the connection URL from `url` and merges the timeouts given beside it.
  const options = { url, connectionTimeout: SMTP_CHECK_TIMEOUT_MS, greetingTimeout: SMTP_CHECK_TIMEOUT_MS, socketTimeout: SMTP_CHECK_TIMEOUT_MS };
  const transport = nodemailer.createTransport(options as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    await transport.verify();
    return 'ok';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return `error: SMTP server not reachable${typeof code === 'string' ? ` (${code})` : ''}`;
  } finally {
    transport.close();
  }
}
