/**
 * `/_gatehouse/decisions`: the recent denied requests this node's policy engine decided (who,
 * what, which resource, the statement or policy type that decided), newest first. They name
 * principals and resources, so they answer whom the outbox answers: clients on this host, or
 * the root access key id and secret as HTTP Basic credentials.
 * @module
 */
import type { RootCredentials } from '../credentials.js';
import { send, type RawRoute } from '../protocols/http.js';
import type { DenialLog } from '../services/iam/denials.js';
import { mayReadOutbox, OWN_PAGE_HEADERS } from './internal.js';

const JSON_TYPE = { 'content-type': 'application/json', ...OWN_PAGE_HEADERS };

export function decisionsRoute(denials: DenialLog, root: RootCredentials, localHosts: ReadonlySet<string>): RawRoute {
  return {
    name: 'gatehouse.decisions',
    matches: (r) => r.path === '/_gatehouse/decisions',
    async handle(r) {
      if (r.method !== 'GET') return send(r.res, 405, { ...JSON_TYPE, allow: 'GET' }, JSON.stringify({ message: 'Use GET.' }));
      if (!mayReadOutbox(r, root, localHosts)) {
        return send(r.res, 401, { ...JSON_TYPE, 'www-authenticate': 'Basic realm="gatehouse decisions"' }, JSON.stringify({ message: 'Access decisions answer loopback clients that name this host, or the root access key id and secret as HTTP Basic credentials.' }));
      }
      const limit = Number(new URLSearchParams(r.query).get('limit') ?? '100');
      send(r.res, 200, JSON_TYPE, JSON.stringify({ decisions: denials.recent(Number.isInteger(limit) && limit > 0 ? limit : 100) }));
    },
  };
}
