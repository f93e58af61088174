/**
 * The Query protocol (IAM, STS): `Action=<Op>&Version=…` form parameters in, XML out.
 * Parameters are shaped by the operation's input model (`Tags.member.1.Key`,
 * `Map.entry.1.key`), and results are written by walking the output model, so member order,
 * list wrappers and timestamp formats are the ones botocore and the SDKs parse.
 * @module
 */
import { ServiceError } from '../errors.js';
import type { ServiceModel, Shape, ShapeRef } from './model.js';
import { isoTimestamp, escapeText, XML_DECLARATION } from './xml.js';
import type { EncodedResponse } from './json.js';

export const XML_CONTENT_TYPE = 'text/xml';

/** Decodes `application/x-www-form-urlencoded` (here `+` is a space). */
export function parseForm(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (!out.has(k)) out.set(k, decodeFormComponent(eq < 0 ? '' : pair.slice(eq + 1)));
  }
  return out;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** AWS's answer to a form or query string that is not well-formed (documented with status 404). */
export const malformedQuery = (): ServiceError => new ServiceError('MalformedQueryString', 'The query string contains a syntax error.', 404);

/**
 * `+` and percent-escapes decoded as UTF-8, strictly: escapes that do not form UTF-8 are
 * refused (URLSearchParams would turn them into U+FFFD, a value the client never sent). A `%`
 * without two hex digits stays literal, as URLSearchParams leaves it.
 */
function decodeFormComponent(s: string): string {
  const plus = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!plus.includes('%')) return plus;
  const bytes: number[] = [];
  for (let i = 0; i < plus.length; i++) {
    const ch = plus.charCodeAt(i);
    if (ch === 0x25 && i + 2 < plus.length && /^[0-9A-Fa-f]{2}$/.test(plus.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x80) {
      bytes.push(ch);
    } else {
      const cp = plus.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  try {
    return STRICT_UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw malformedQuery();
  }
}

/** The raw form body as text; invalid UTF-8 is malformed. */
export function formText(body: Buffer): string {
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    throw malformedQuery();
  }
}

/**
 * Builds the structured input from flat parameters. Values that do not fit their shape's type
 * are a client error naming the parameter.
 */
export function decodeQueryInput(model: ServiceModel, shapeName: string | undefined, params: Map<string, string>, errorCode: string): Record<string, unknown> {
  if (shapeName === undefined) return {};
  const out = readStructure({ model, params, prefixes: keyPrefixes(params), errorCode }, model.shapes[shapeName]!, '');
  return (out as Record<string, unknown> | undefined) ?? {};
}

interface Reader {
  model: ServiceModel;
  params: Map<string, string>;
  /** Every key and each of its dot-separated prefixes (`A.member.1.B` → `A`, `A.member`, …). */
  prefixes: Set<string>;
  errorCode: string;
}

/**
 * Indexed once so that asking whether any parameter starts with a prefix is a lookup: a scan
 * per list item made a 1 MB body of list members cost minutes of CPU, and some Query
 * operations (STS's web-identity and SAML calls) are unsigned.
 */
function keyPrefixes(params: Map<string, string>): Set<string> {
  const out = new Set<string>();
  for (const k of params.keys()) {
    for (let i = k.indexOf('.'); i >= 0; i = k.indexOf('.', i + 1)) out.add(k.slice(0, i));
    out.add(k);
  }
  return out;
}

function readStructure(r: Reader, shape: Shape, prefix: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = ref.locationName ?? name;
    const key = prefix === '' ? wire : `${prefix}.${wire}`;
    const v = readValue(r, ref, key);
    if (v !== undefined) {
      out[name] = v;
      any = true;
    }
  }
  return any || prefix === '' ? out : undefined;
}

function readValue(r: Reader, ref: ShapeRef, key: string): unknown {
  const { model, params } = r;
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case 'structure':
      return r.prefixes.has(key) ? readStructure(r, shape, key) : undefined;
    case 'list': {
      if (!r.prefixes.has(key)) return undefined;
      // An empty list is sent as the bare key with an empty value.
      if (params.get(key) === '') return [];
      const flattened = shape.flattened ?? ref.flattened ?? false;
      const memberName = shape.member!.locationName ?? 'member';
      const base = flattened ? key : `${key}.${memberName}`;
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = readValue(r, shape.member!, `${base}.${i}`);
        if (v === undefined) break;
        items.push(v);
      }
      return items;
    }
    case 'map': {
      if (!r.prefixes.has(key)) return undefined;
      const flattened = shape.flattened ?? ref.flattened ?? false;
      const base = flattened ? key : `${key}.entry`;
      const keyName = shape.key!.locationName ?? 'key';
      const valueName = shape.value!.locationName ?? 'value';
      const map: Record<string, unknown> = {};
      for (let i = 1; ; i++) {
        const k = params.get(`${base}.${i}.${keyName}`);
        if (k === undefined) break;
        map[k] = readValue(r, shape.value!, `${base}.${i}.${valueName}`);
      }
      return map;
    }
    default: {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      return scalar(shape, raw, key, r.errorCode);
    }
  }
}

function scalar(shape: Shape, raw: string, key: string, errorCode: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ServiceError(errorCode, `Invalid value for parameter ${key}: "${raw}" is not an integer.`, 400);
      return Number(raw);
    }
    case 'double':
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw new ServiceError(errorCode, `Invalid value for parameter ${key}: "${raw}" is not a number.`, 400);
      return n;
    }
    case 'boolean': {
      const v = raw.toLowerCase();
      if (v !== 'true' && v !== 'false') throw new ServiceError(errorCode, `Invalid value for parameter ${key}: "${raw}" is not a boolean.`, 400);
      return v === 'true';
    }
    case 'timestamp': {
      const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
      if (Number.isNaN(d.getTime())) throw new ServiceError(errorCode, `Invalid value for parameter ${key}: "${raw}" is not a timestamp.`, 400);
      return d;
    }
    case 'blob':
      return Buffer.from(raw, 'base64');
    default:
      return raw;
  }
}

export function encodeQueryResult(model: ServiceModel, operation: string, result: unknown, requestId: string): EncodedResponse {
  const op = model.operations[operation]!;
  const ns = model.metadata.xmlNamespace!;
  let inner = '';
  if (op.output !== undefined) {
    const wrapper = op.output.resultWrapper ?? `${operation}Result`;
    inner = `<${wrapper}>${writeMembers(model, model.shapes[op.output.shape]!, (result ?? {}) as Record<string, unknown>)}</${wrapper}>`;
  }
  return {
    status: 200,
    headers: { 'content-type': XML_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: `${XML_DECLARATION}<${operation}Response xmlns="${ns}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

function writeMembers(model: ServiceModel, shape: Shape, value: Record<string, unknown>): string {
  let out = '';
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    out += writeValue(model, ref, ref.locationName ?? name, v);
  }
  return out;
}

function writeValue(model: ServiceModel, ref: ShapeRef, tag: string, v: unknown): string {
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case 'structure':
      return `<${tag}>${writeMembers(model, shape, v as Record<string, unknown>)}</${tag}>`;
    case 'list': {
      const items = v as unknown[];
      const memberTag = shape.member!.locationName ?? 'member';
      if (shape.flattened ?? ref.flattened) return items.map((x) => writeValue(model, shape.member!, tag, x)).join('');
      return `<${tag}>${items.map((x) => writeValue(model, shape.member!, memberTag, x)).join('')}</${tag}>`;
    }
    case 'map': {
      const keyTag = shape.key!.locationName ?? 'key';
      const valueTag = shape.value!.locationName ?? 'value';
      const entries = Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `<entry><${keyTag}>${escapeText(k)}</${keyTag}>${writeValue(model, shape.value!, valueTag, x)}</entry>`)
        .join('');
      return `<${tag}>${entries}</${tag}>`;
    }
    case 'timestamp':
      return `<${tag}>${isoTimestamp(v instanceof Date ? v : new Date(v as number))}</${tag}>`;
    case 'blob':
      return `<${tag}>${Buffer.from(v as Uint8Array).toString('base64')}</${tag}>`;
    default:
      return `<${tag}>${escapeText(String(v))}</${tag}>`;
  }
}

export function encodeQueryError(model: ServiceModel, err: ServiceError, requestId: string): EncodedResponse {
  const type = err.fault === 'server' ? 'Receiver' : 'Sender';
  return {
    status: err.status,
    headers: { 'content-type': XML_CONTENT_TYPE, 'x-amzn-requestid': requestId, ...err.headers },
    body: `${XML_DECLARATION}<ErrorResponse xmlns="${model.metadata.xmlNamespace!}"><Error><Type>${type}</Type><Code>${escapeText(err.code)}</Code><Message>${escapeText(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
