/**
 * Fixed ids for declarative set-up (`GATEHOUSE_INIT`, `gatehouse apply`): a committed test
 * configuration names its pool and client ids so that apps and tests can hard-code them. AWS has
 * no such input, so it is a Gatehouse extension, a request header, and only the root user may use
 * it, with the header covered by the request's signature (a header added to a captured request
 * must not choose an id). Any other caller sending it is refused, not silently ignored.
 * @module
 */
import type { RequestContext } from '../../types.js';
import { invalidParameter } from '../errors.js';

export const USER_POOL_ID_HEADER = 'x-gatehouse-user-pool-id';
export const CLIENT_ID_HEADER = 'x-gatehouse-client-id';

/** The id the root user asked for in `header`, validated against `pattern`; undefined when not asked. */
export function requestedId(ctx: RequestContext, header: string, pattern: RegExp, what: string): string | undefined {
  const raw = ctx.headers[header];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const signed = /SignedHeaders=([^,\s]+)/.exec(String(ctx.headers.authorization ?? ''))?.[1]?.split(';') ?? [];
  if (ctx.principal?.kind !== 'root' || !signed.includes(header)) {
    throw invalidParameter(`${header} may be sent only by the root user, and only signed.`);
  }
  if (!pattern.test(value)) throw invalidParameter(`${header} is not a valid ${what}.`);
  return value;
}
