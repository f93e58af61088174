/**
 * CORS for the API services (Cognito, STS, IAM) the way AWS answers browsers: any origin,
 * the headers the SDKs send, and AWS's response headers exposed. S3 answers CORS from each
 * bucket's own rules instead.
 * @module
 */
import type { EdgeRequest } from '../protocols/http.js';
import { send } from '../protocols/http.js';

const EXPOSE = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';

export function isPreflight(request: EdgeRequest): boolean {
  return request.method === 'OPTIONS' && request.req.headers['access-control-request-method'] !== undefined;
}

export function answerApiPreflight(request: EdgeRequest): void {
  const h = request.req.headers;
  const origin = h.origin ?? '*';
  send(request.res, 200, {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': String(h['access-control-request-headers'] ?? 'content-type, x-amz-target, x-amz-user-agent, authorization, x-amz-date, x-amz-security-token'),
    'access-control-max-age': '172800',
    vary: 'Origin',
  });
}

/** Headers for an actual (non-preflight) API response to a browser. */
export function apiCorsHeaders(request: EdgeRequest): Record<string, string> {
  const origin = request.req.headers.origin;
  if (origin === undefined) return {};
  return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSE };
}
