/**
 * AWS REST-JSON (Lambda): the operation is chosen by method and path template
 * (`/2015-03-31/functions/{FunctionName}/invocations`); input members come from the path,
 * the query string, headers and a JSON body (or a raw payload member); output members go to
 * the status code, headers and a JSON body (or a raw payload). Errors are
 * `{"Type": "User", "message": …}` with the code in `x-amzn-ErrorType`.
 * @module
 */
import { ServiceError } from '../errors.js';
import { decodeJsonInput, parseJsonBody, type EncodedResponse } from './json.js';
import type { Operation, ServiceModel, Shape } from './model.js';

export const REST_JSON_CONTENT_TYPE = 'application/json';

type Segment = { literal: string } | { label: string; greedy: boolean };

export interface RestRoute {
  operation: string;
  method: string;
  segments: readonly Segment[];
  literals: number;
}

export interface RestMatch {
  operation: string;
  /** Path labels, percent-decoded. */
  labels: Record<string, string>;
}

/** The model's operations as routes, the most literal first (`/x/{A}/policy` before `/x/{A}/{B}`). */
export function restRoutes(model: ServiceModel): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const [name, op] of Object.entries(model.operations)) {
    const path = op.http.requestUri.split('?')[0]!;
    const segments: Segment[] = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        const m = /^\{([^}+]+)(\+?)\}$/.exec(s);
        return m === null ? { literal: s } : { label: m[1]!, greedy: m[2] === '+' };
      });
    routes.push({ operation: name, method: op.http.method, segments, literals: segments.filter((s) => 'literal' in s).length });
  }
  return routes.sort((a, b) => b.literals - a.literals || b.segments.length - a.segments.length);
}

function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The operation a method and raw path name, or undefined. A trailing slash is ignored. */
export function matchRestRoute(routes: readonly RestRoute[], method: string, rawPath: string): RestMatch | undefined {
  const parts = rawPath.split('/').filter((s) => s !== '');
  for (const r of routes) {
    if (r.method !== method) continue;
    const labels: Record<string, string> = {};
    let i = 0;
    let ok = true;
    for (const seg of r.segments) {
      if ('literal' in seg) {
        if (parts[i] !== seg.literal) ok = false;
        i++;
      } else if (seg.greedy) {
        const v = decodeSegment(parts.slice(i).join('/'));
        if (v === undefined || v === '') ok = false;
        else labels[seg.label] = v;
        i = parts.length;
      } else {
        const v = parts[i] === undefined ? undefined : decodeSegment(parts[i]!);
        if (v === undefined || v === '') ok = false;
        else labels[seg.label] = v;
        i++;
      }
      if (!ok) break;
    }
    if (ok && i === parts.length) return { operation: r.operation, labels };
  }
  return undefined;
}

function scalar(shape: Shape, value: string, where: string, code: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^-?\d{1,15}$/.test(value)) throw new ServiceError(code, `Value '${value.slice(0, 64)}' at '${where}' is not an integer.`, 400);
      return Number(value);
    }
    case 'boolean':
      return value === 'true';
    default:
      return value;
  }
}

export interface RestRequestParts {
  labels: Record<string, string>;
  /** Query parameters (repeated names keep every value). */
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/**
 * Builds the operation's input from the request parts. `validate` sees the input before a raw
 * blob payload is put in (validation checks JSON types; raw bytes are not JSON).
 */
export function decodeRestInput(model: ServiceModel, op: Operation, parts: RestRequestParts, validationCode: string, validate: (input: unknown) => void): unknown {
  const shapeName = op.input?.shape;
  if (shapeName === undefined) return {};
  const shape = model.shapes[shapeName]!;
  const payloadName = shape.payload;
  const payloadShape = payloadName === undefined ? undefined : model.shapes[shape.members![payloadName]!.shape]!;
  let input: Record<string, unknown> = {};
  if (payloadName === undefined) {
    input = parseJsonBody(parts.body) as Record<string, unknown>;
    // Only body members come from the body: a path or header member cannot be smuggled in it.
    for (const [name, ref] of Object.entries(shape.members ?? {})) if (ref.location !== undefined) delete input[name];
  } else if (payloadShape!.type === 'structure' && parts.body.length > 0) {
    input[payloadName] = parseJsonBody(parts.body);
  }
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = model.shapes[ref.shape]!;
    const wire = ref.locationName ?? name;
    if (ref.location === 'uri') {
      const v = parts.labels[wire];
      if (v !== undefined) input[name] = scalar(member, v, name, validationCode);
    } else if (ref.location === 'querystring') {
      if (member.type === 'list') {
        const all = parts.query.getAll(wire);
        if (all.length > 0) input[name] = all;
      } else {
        const v = parts.query.get(wire);
        if (v !== null) input[name] = scalar(member, v, name, validationCode);
      }
    } else if (ref.location === 'header') {
      const raw = parts.headers[wire.toLowerCase()];
      const v = Array.isArray(raw) ? raw.join(',') : raw;
      if (v !== undefined) input[name] = scalar(member, v, name, validationCode);
    }
  }
  validate(input);
  const decoded = decodeJsonInput(model, shapeName, input) as Record<string, unknown>;
  if (payloadName !== undefined && payloadShape!.type === 'blob') decoded[payloadName] = parts.body;
  return decoded;
}

/** JSON writes Dates as epoch seconds and bytes as base64, as REST-JSON does. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
  return value;
}

export interface EncodedRestResponse extends Omit<EncodedResponse, 'body'> {
  body: Buffer;
}

/** Renders an operation's result: status-code and header members, then the payload or JSON body. */
export function encodeRestResult(model: ServiceModel, op: Operation, result: unknown, requestId: string): EncodedRestResponse {
  let status = op.http.responseCode ?? 200;
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  const shapeName = op.output?.shape;
  if (shapeName === undefined || result === undefined || result === null) {
    if (status !== 204) headers['content-type'] = REST_JSON_CONTENT_TYPE;
    return { status, headers, body: Buffer.from(status === 204 ? '' : '{}') };
  }
  const shape = model.shapes[shapeName]!;
  const body: Record<string, unknown> = {};
  let payload: Buffer | undefined;
  for (const [name, v] of Object.entries(result as Record<string, unknown>)) {
    const ref = shape.members?.[name];
    if (ref === undefined || v === undefined) continue;
    if (ref.location === 'statusCode') status = Number(v);
    else if (ref.location === 'header') headers[(ref.locationName ?? name).toLowerCase()] = String(v);
    else if (name === shape.payload) {
      const ps = model.shapes[ref.shape]!;
      payload = ps.type === 'blob' ? Buffer.from(v as Uint8Array) : Buffer.from(JSON.stringify(v, replacer));
    } else body[name] = v;
  }
  headers['content-type'] = REST_JSON_CONTENT_TYPE;
  return { status, headers, body: payload ?? Buffer.from(status === 204 ? '' : JSON.stringify(body, replacer)) };
}

export function encodeRestError(err: ServiceError, requestId: string): EncodedRestResponse {
  return {
    status: err.status,
    headers: {
      'content-type': REST_JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': err.code,
      ...err.headers,
    },
    body: Buffer.from(JSON.stringify({ Type: err.status >= 500 ? 'Service' : 'User', message: err.message, ...err.extra })),
  };
}
