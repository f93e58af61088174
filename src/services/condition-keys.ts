/**
 * The global condition keys (`aws:SourceIp`, `aws:SecureTransport`, …) that every service's
 * policy decisions carry, taken from the request's context.
 * @module
 */
import type { RequestContext } from './types.js';

/** Global condition keys every service's requests carry. */
export function requestConditionKeys(ctx: RequestContext): Record<string, string> {
  return {
    'aws:SourceIp': ctx.sourceIp,
    'aws:SecureTransport': ctx.secure ? 'true' : 'false',
    'aws:CurrentTime': new Date(ctx.now()).toISOString(),
    'aws:EpochTime': String(Math.floor(ctx.now() / 1000)),
    'aws:UserAgent': ctx.userAgent,
    'aws:RequestedRegion': ctx.region,
  };
}
