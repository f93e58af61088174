/**
 * The pipeline for REST-JSON services (Lambda), the same stages as `api.ts`: the route (method
 * and path template) names the operation, the body is bounded per operation before it is
 * read, then authenticate → parse → validate → authorize → dispatch → render.
 * @module
 */
import { NotImplementedError, ServiceError } from '../errors.js';
import { BodyTimeout, BodyTooLarge, readBody, send, type EdgeRequest } from '../protocols/http.js';
import { decodeRestInput, encodeRestError, encodeRestResult, matchRestRoute } from '../protocols/rest-json.js';
import { validateInput } from '../protocols/validate.js';
import type { ApiService, RequestContext, RestApiService } from '../services/types.js';
import { authenticate, requestContext, toServiceError, type ApiDeps } from './api.js';

const BODY_TIMEOUT_MS = 60_000;

export async function runRestJsonRequest(deps: ApiDeps, edge: EdgeRequest, service: RestApiService): Promise<void> {
  let encoded;
  const match = matchRestRoute(service.routes, edge.method, edge.path);
  edge.operation = `${service.name}.${match?.operation ?? 'unknown'}`;
  try {
    if (match === undefined) throw new ServiceError('UnknownOperationException', 'Unknown operation', 404);
    const op = service.model.operations[match.operation]!;
    const limit = service.bodyLimit(match.operation);
    let body: Buffer;
    try {
      body = await readBody(edge.req, limit.bytes, BODY_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof BodyTooLarge || err instanceof BodyTimeout)) throw err;
      edge.res.setHeader('connection', 'close');
      throw err instanceof BodyTooLarge ? limit.error : new ServiceError('RequestTimeoutException', 'The request body did not arrive in time.', 408);
    }
    const principal = await authenticate(deps, edge, service, 'json', body);
    const ctx = requestContext(deps, edge, principal);
    const input = decodeRestInput(
      service.model,
      op,
      { labels: match.labels, query: new URLSearchParams(edge.query), headers: edge.req.headers, body },
      service.validationErrorCode,
      (i) => validateInput(service.model, op.input?.shape, i, { errorCode: service.validationErrorCode, checkTypes: true }),
    );
    if (principal.kind !== 'root' && service.authorize !== undefined) await service.authorize(match.operation, input, ctx);
    const result = await call(deps, service, match.operation, input, ctx);
    encoded = encodeRestResult(service.model, op, result, edge.requestId);
  } catch (err) {
    encoded = encodeRestError(toServiceError(err, service, edge), edge.requestId);
  }
  send(edge.res, encoded.status, encoded.headers, encoded.body);
}

async function call(deps: ApiDeps, service: ApiService, operation: string, input: unknown, ctx: RequestContext): Promise<unknown> {
  const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
  if (handler === undefined) throw new NotImplementedError(service.name, operation);
  try {
    const result = await (handler as (i: unknown, c: RequestContext) => unknown)(input, ctx);
    deps.observe?.(service.name, operation, input, result, undefined);
    return result;
  } catch (err) {
    deps.observe?.(service.name, operation, input, undefined, err);
    throw err;
  }
}
