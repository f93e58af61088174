/**
 * The pipeline for services spoken in AWS JSON 1.1 and Query: authenticate (when the model
 * says the operation is signed), parse, validate against the model, authorize, dispatch by
 * operation name, render. Errors at any stage render in the protocol's own shape.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { NotImplementedError, ServiceError } from '../errors.js';
import type { Principal } from '../principal.js';
import { decodeJsonInput, encodeJsonError, encodeJsonResult, parseJsonBody, type EncodedResponse } from '../protocols/json.js';
import { isUnsigned } from '../protocols/model.js';
import { decodeQueryInput, encodeQueryError, encodeQueryResult } from '../protocols/query.js';
import { authError, type Protocol } from '../protocols/auth-errors.js';
import { EMPTY_SHA256, parseSigV4, sha256Hex, SigV4Failure, verifySigV4 } from '../protocols/sigv4.js';
import { requestConditionKeys } from '../services/condition-keys.js';
import { validateInput } from '../protocols/validate.js';
import { accessDeniedMessage, type Authorizer } from '../services/iam/authorizer.js';
import type { ApiService, RequestContext } from '../services/types.js';
import type { CredentialResolver } from '../credentials.js';
import { send, type EdgeRequest } from '../protocols/http.js';

/** Non-S3 services accept signatures up to five minutes off, as AWS does. */
const MAX_SKEW_MS = 5 * 60 * 1000;

export interface ApiDeps {
  config: Config;
  clock: Clock;
  credentials: CredentialResolver;
  authorizer: Authorizer;
  /** Sees each operation's parsed input and its result or error (metrics). */
  observe?: (service: string, operation: string, input: unknown, result: unknown, error: unknown) => void;
}

/**
 * Runs one JSON 1.1 or Query request to the end. `operation` is the X-Amz-Target suffix
 * (JSON) or the Action parameter (Query); `params` are the Query parameters.
 */
export async function runApiRequest(
  deps: ApiDeps,
  edge: EdgeRequest,
  service: ApiService,
  protocol: Protocol,
  operation: string,
  body: Buffer,
  params: Map<string, string> | undefined,
): Promise<void> {
  // Only the model's operation names: the name is a log field and a metrics label, and a
  // client may send any X-Amz-Target or Action it likes.
  edge.operation = `${service.name}.${Object.hasOwn(service.model.operations, operation) ? operation : 'unknown'}`;
  let encoded: EncodedResponse;
  try {
    const result = await dispatch(deps, edge, service, protocol, operation, body, params);
    encoded = protocol === 'json' ? encodeJsonResult(result, edge.requestId) : encodeQueryResult(service.model, operation, result, edge.requestId);
  } catch (err) {
    const se = toServiceError(err, service, edge);
    encoded = protocol === 'json' ? encodeJsonError(se, edge.requestId) : encodeQueryError(service.model, se, edge.requestId);
  }
  send(edge.res, encoded.status, encoded.headers, encoded.body);
}

export function toServiceError(err: unknown, service: ApiService, edge: EdgeRequest): ServiceError {
  if (err instanceof ServiceError) return err;
  edge.log.error({ err, requestId: edge.requestId, operation: edge.operation }, 'unhandled error');
  return new ServiceError(service.internalErrorCode, 'An internal error occurred.', 500, { fault: 'server' });
}

async function dispatch(
  deps: ApiDeps,
  edge: EdgeRequest,
  service: ApiService,
  protocol: Protocol,
  operation: string,
  body: Buffer,
  params: Map<string, string> | undefined,
): Promise<unknown> {
  const op = Object.hasOwn(service.model.operations, operation) ? service.model.operations[operation] : undefined;
  if (op === undefined) {
    if (protocol === 'json') throw new ServiceError('UnknownOperationException', '', 400);
    throw new ServiceError('InvalidAction', `Could not find operation ${operation} for version ${service.model.metadata.apiVersion}`, 400);
  }

  let principal: Principal | undefined;
  if (!isUnsigned(op)) principal = await authenticate(deps, edge, service, protocol, body);

  const ctx = requestContext(deps, edge, principal);

  let input: unknown;
  if (protocol === 'json') {
    input = parseJsonBody(body);
    validateInput(service.model, op.input?.shape, input, { errorCode: service.validationErrorCode, checkTypes: true });
    input = decodeJsonInput(service.model, op.input?.shape, input);
  } else {
    input = decodeQueryInput(service.model, op.input?.shape, params ?? new Map(), service.validationErrorCode);
    validateInput(service.model, op.input?.shape, input, { errorCode: service.validationErrorCode, checkTypes: false });
  }

  if (principal?.kind === 'root' && principal.session === true && service.refusesRootSessions === true) {
    throw new ServiceError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  if (principal !== undefined && principal.kind !== 'root') {
    if (service.authorize !== undefined) await service.authorize(operation, input, ctx);
    else await authorizeDefault(deps, service, protocol, operation, ctx, principal);
  }

  const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
  if (handler === undefined) throw new NotImplementedError(service.name, operation);
  if (deps.observe === undefined) return await (handler as (i: unknown, c: RequestContext) => unknown)(input, ctx);
  let result: unknown;
  try {
    result = await (handler as (i: unknown, c: RequestContext) => unknown)(input, ctx);
  } catch (err) {
    deps.observe(service.name, operation, input, undefined, err);
    throw err;
  }
  deps.observe(service.name, operation, input, result, undefined);
  return result;
}

/** What a handler is told about its request. */
export function requestContext(deps: ApiDeps, edge: EdgeRequest, principal: Principal | undefined): RequestContext {
  return {
    requestId: edge.requestId,
    now: () => deps.clock.now(),
    region: deps.config.region,
    accountId: deps.config.accountId,
    principal,
    sourceIp: edge.sourceIp,
    userAgent: String(edge.req.headers['user-agent'] ?? ''),
    headers: edge.req.headers,
    secure: edge.secure,
    log: edge.log,
  };
}

/** Without a service-specific mapping, the action is `<signing name>:<Operation>` on `*`. */
async function authorizeDefault(
  deps: ApiDeps,
  service: ApiService,
  protocol: Protocol,
  operation: string,
  ctx: RequestContext,
  principal: Principal,
): Promise<void> {
  const action = `${service.model.metadata.signingName ?? service.model.metadata.endpointPrefix}:${operation}`;
  const request = { principal, action, resource: '*', context: requestConditionKeys(ctx) };
  const d = await deps.authorizer.authorize(request);
  // The authorizer logs every deny with the statement that decided it.
  if (d.decision !== 'Allow') throw authError(protocol, 'denied', accessDeniedMessage(request, d));
}

export async function authenticate(
  deps: ApiDeps,
  edge: EdgeRequest,
  service: ApiService,
  protocol: Protocol,
  body: Buffer,
): Promise<Principal> {
  const signed = { method: edge.method, path: edge.path, query: edge.query, headers: edge.req.headers };
  const p = parseSigV4(signed);
  if (p === undefined) {
    throw authError(protocol, 'missing', protocol === 'json' ? 'Missing Authentication Token' : 'Request is missing Authentication Token');
  }
  if (p instanceof SigV4Failure) throw authError(protocol, p.kind, p.message);
  const signingName = service.model.metadata.signingName ?? service.model.metadata.endpointPrefix;
  if (p.service !== signingName) {
    throw authError(protocol, 'malformed', `Credential should be scoped to correct service: '${signingName}'. `);
  }
  const resolved = await deps.credentials.resolve(p.accessKeyId, p.sessionToken, deps.clock.now());
  if (resolved instanceof SigV4Failure) throw authError(protocol, resolved.kind, resolved.message);
  const failure = verifySigV4(signed, p, {
    secretAccessKey: resolved.secretAccessKey,
    payloadHash: body.length === 0 ? EMPTY_SHA256 : sha256Hex(body),
    now: deps.clock.now(),
    maxSkewMs: MAX_SKEW_MS,
  });
  if (failure !== undefined) {
    const names = failure.detail.headersNotSigned;
    throw authError(protocol, failure.kind, names === undefined ? failure.message : `${failure.message}: ${names.join(', ')}`);
  }
  return resolved.principal;
}

export function newRequestId(): string {
  return randomUUID();
}
