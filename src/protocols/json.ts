/**
 * AWS JSON 1.1 (Cognito): `X-Amz-Target: <Prefix>.<Operation>`, JSON in and out, errors as
 * `{"__type": code, "message": …}` with `x-amzn-ErrorType`.
 * @module
 */
import { ServiceError } from '../errors.js';
import type { ServiceModel, ShapeRef } from './model.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Refuses invalid UTF-8 instead of decoding it to replacement characters the client never sent. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses a JSON 1.1 body; an empty body is an empty input. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = STRICT_UTF8.decode(body);
  } catch {
    throw new ServiceError('SerializationException', 'Invalid UTF-8 in request body.', 400);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'Unexpected character in request body: the body is not valid JSON.', 400);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  return value;
}

/**
 * Converts wire values the model types specially: epoch-second timestamps to Date and
 * base64 blobs to bytes. Only shapes that can contain them are walked.
 */
export function decodeJsonInput(model: ServiceModel, shapeName: string | undefined, input: unknown): unknown {
  if (shapeName === undefined || !hasSpecial(model, shapeName, new Set())) return input;
  return decodeValue(model, { shape: shapeName }, input);
}

const specialCache = new WeakMap<ServiceModel, Map<string, boolean>>();

function hasSpecial(model: ServiceModel, shapeName: string, seen: Set<string>): boolean {
  let cache = specialCache.get(model);
  if (cache === undefined) specialCache.set(model, (cache = new Map()));
  const hit = cache.get(shapeName);
  if (hit !== undefined) return hit;
  if (seen.has(shapeName)) return false;
  seen.add(shapeName);
  const s = model.shapes[shapeName]!;
  let result = false;
  if (s.type === 'timestamp' || s.type === 'blob') result = true;
  else if (s.type === 'structure') result = Object.values(s.members ?? {}).some((m) => hasSpecial(model, m.shape, seen));
  else if (s.type === 'list') result = hasSpecial(model, s.member!.shape, seen);
  else if (s.type === 'map') result = hasSpecial(model, s.value!.shape, seen);
  cache.set(shapeName, result);
  return result;
}

function decodeValue(model: ServiceModel, ref: ShapeRef, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  const s = model.shapes[ref.shape]!;
  switch (s.type) {
    case 'timestamp':
      if (typeof v === 'number') return new Date(v * 1000);
      if (typeof v === 'string') {
        const d = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
        if (Number.isNaN(d.getTime())) throw new ServiceError('SerializationException', `Invalid timestamp: ${v.slice(0, 40)}`, 400);
        return d;
      }
      return v;
    case 'blob':
      return typeof v === 'string' ? Buffer.from(v, 'base64') : v;
    case 'structure': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [name, m] of Object.entries(s.members ?? {})) if (name in out) out[name] = decodeValue(model, m, out[name]);
      return out;
    }
    case 'list':
      return Array.isArray(v) ? v.map((x) => decodeValue(model, s.member!, x)) : v;
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = decodeValue(model, s.value!, x);
      return out;
    }
    default:
      return v;
  }
}

/** JSON 1.1 writes timestamps as epoch seconds and blobs as base64. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
  return value;
}

export function encodeJsonResult(result: unknown, requestId: string): EncodedResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: result === undefined || result === null ? '{}' : JSON.stringify(result, replacer),
  };
}

export function encodeJsonError(err: ServiceError, requestId: string): EncodedResponse {
  return {
    status: err.status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': err.code,
      ...err.headers,
    },
    body: JSON.stringify({ __type: err.code, message: err.message, ...err.extra }),
  };
}
