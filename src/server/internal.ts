/**
 * Gatehouse's own routes under `/_gatehouse/` (never a bucket name: buckets cannot start
 * with `_`): the outbox where mail lands when no SMTP server is configured.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import type { Mailer } from '../mail/mailer.js';
import type { RootCredentials } from '../credentials.js';
import { isLoopback, send, type EdgeRequest, type RawRoute } from '../protocols/http.js';

/**
 * Gatehouse's own answers are data, never a page: no sniffing them into HTML, no framing, and
 * a policy under which nothing in them could run even if a browser rendered them.
 */
export const OWN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
};

const JSON_TYPE = { 'content-type': 'application/json', ...OWN_PAGE_HEADERS };

/**
 * A client on this host, connected directly, that named this host. A reverse proxy on this
 * host also connects from loopback, on behalf of anyone: a request carrying forwarding headers
 * is not trusted as local. And a browser on this host connects from loopback on behalf of any
 * page it shows: a page whose own name an attacker points at 127.0.0.1 (DNS rebinding) sends
 * that name as Host, so only loopback names and the configured ones are believed.
 */
function isLocalClient(r: EdgeRequest, localHosts: ReadonlySet<string>): boolean {
  const h = r.req.headers;
  if (!isLoopback(r.sourceIp) || h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined) return false;
  return localHosts.has(r.host) || /^127(\.\d{1,3}){3}$/.test(r.host);
}

/** Host names that mean this machine: loopback names, and those Gatehouse is configured with. */
export function localHostNames(configured: readonly string[]): Set<string> {
  const names = new Set(['localhost', '[::1]', '::1']);
  for (const c of configured) {
    const name = c.toLowerCase();
    if (name !== '' && name !== '0.0.0.0' && name !== '::' && name !== '[::]') names.add(name.includes(':') && !name.startsWith('[') ? `[${name}]` : name);
  }
  return names;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The outbox holds verification codes, so it answers clients on this host (not proxied, and
 * naming this host), or anyone presenting the root access key id and secret as HTTP Basic
 * credentials.
 */
export function mayReadOutbox(r: EdgeRequest, root: RootCredentials, localHosts: ReadonlySet<string>): boolean {
  if (isLocalClient(r, localHosts)) return true;
  const auth = r.req.headers.authorization;
  if (auth?.startsWith('Basic ') !== true) return false;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return equal(decoded.slice(0, colon), root.accessKeyId) && equal(decoded.slice(colon + 1), root.secretAccessKey);
}

/** `localHosts`: see localHostNames (the public URL's host and the bound address). */
export function outboxRoute(mailer: Mailer, root: RootCredentials, localHosts: ReadonlySet<string>): RawRoute {
  return {
    name: 'gatehouse.outbox',
    matches: (r) => r.path === '/_gatehouse/outbox',
    async handle(r) {
      if (r.method !== 'GET') {
        send(r.res, 405, { ...JSON_TYPE, allow: 'GET' }, JSON.stringify({ message: 'Use GET.' }));
        return;
      }
      if (!mayReadOutbox(r, root, localHosts)) {
        send(r.res, 401, { ...JSON_TYPE, 'www-authenticate': 'Basic realm="gatehouse outbox"' }, JSON.stringify({ message: 'The outbox answers loopback clients that name this host, or the root access key id and secret as HTTP Basic credentials.' }));
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
