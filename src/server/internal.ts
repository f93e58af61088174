/**
 * Gatehouse's own routes under `/_gatehouse/` (never a bucket name: buckets cannot start
 * with `_`): the outbox where mail lands when no SMTP server is configured.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import type { Mailer } from '../mail/mailer.js';
import type { RootCredentials } from '../credentials.js';
import { isLoopback, send, type EdgeRequest, type RawRoute } from '../protocols/http.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * A client on this host, connected directly. A reverse proxy on this host also connects from
 * loopback, on behalf of anyone: a request carrying forwarding headers is not trusted as local.
 */
function isLocalClient(r: EdgeRequest): boolean {
  const h = r.req.headers;
  return isLoopback(r.sourceIp) && h['x-forwarded-for'] === undefined && h.forwarded === undefined && h['x-real-ip'] === undefined;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The outbox holds verification codes, so it answers clients on this host (not proxied), or
 * anyone presenting the root access key id and secret as HTTP Basic credentials.
 */
export function mayReadOutbox(r: EdgeRequest, root: RootCredentials): boolean {
  if (isLocalClient(r)) return true;
  const auth = r.req.headers.authorization;
  if (auth?.startsWith('Basic ') !== true) return false;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return equal(decoded.slice(0, colon), root.accessKeyId) && equal(decoded.slice(colon + 1), root.secretAccessKey);
}

export function outboxRoute(mailer: Mailer, root: RootCredentials): RawRoute {
  return {
    name: 'gatehouse.outbox',
    matches: (r) => r.path === '/_gatehouse/outbox',
    async handle(r) {
      if (r.method !== 'GET') {
        send(r.res, 405, { ...JSON_TYPE, allow: 'GET' }, JSON.stringify({ message: 'Use GET.' }));
        return;
      }
      if (!mayReadOutbox(r, root)) {
        send(r.res, 401, { ...JSON_TYPE, 'www-authenticate': 'Basic realm="gatehouse outbox"' }, JSON.stringify({ message: 'The outbox answers loopback clients, or the root access key id and secret as HTTP Basic credentials.' }));
        return;
      }
      const q = new URLSearchParams(r.query);
      const to = q.get('to') ?? undefined;
      const limit = q.has('limit') ? Number(q.get('limit')) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        send(r.res, 400, JSON_TYPE, JSON.stringify({ message: 'limit must be a positive integer' }));
        return;
      }
      const messages = await mailer.outbox({ ...(to === undefined ? {} : { to }), ...(limit === undefined ? {} : { limit }) });
      send(r.res, 200, JSON_TYPE, JSON.stringify({ messages }));
    },
  };
}
