/**
 * Bucket CORS: PutBucketCors / GetBucketCors / DeleteBucketCors, preflight OPTIONS answered
 * from the bucket's rules (403 when none allows), and CORS headers on actual responses —
 * the first rule matching origin and method wins, as in S3.
 * @module
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ServiceError } from '../../errors.js';
import { children, childText, el, malformedXml } from '../../protocols/rest-xml.js';
import { bucketOf, doc, sendEmpty, sendXml, type S3Call } from './context.js';
import { S3Errors } from './errors.js';
import { readXml } from './operations/objects.js';
import type { BucketRow } from './store.js';

export interface CorsRule {
  ID?: string;
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders: string[];
  ExposeHeaders: string[];
  MaxAgeSeconds?: number;
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);

export async function PutBucketCors(call: S3Call): Promise<void> {
  const root = await readXml(call, 'CORSConfiguration', 64 * 1024);
  const rules: CorsRule[] = [];
  const nodes = children(root, 'CORSRule');
  if (nodes.length === 0 || nodes.length > 100) throw malformedXml();
  for (const n of nodes) {
    const texts = (name: string): string[] => children(n, name).map((c) => (typeof c === 'string' ? c : ''));
    const rule: CorsRule = {
      AllowedOrigins: texts('AllowedOrigin'),
      AllowedMethods: texts('AllowedMethod'),
      AllowedHeaders: texts('AllowedHeader'),
      ExposeHeaders: texts('ExposeHeader'),
    };
    const id = childText(n, 'ID');
    if (id !== undefined) rule.ID = id;
    const maxAge = childText(n, 'MaxAgeSeconds');
    if (maxAge !== undefined) {
      if (!/^-?\d+$/.test(maxAge)) throw malformedXml();
      rule.MaxAgeSeconds = Number(maxAge);
    }
    if (rule.AllowedOrigins.length === 0 || rule.AllowedMethods.length === 0) throw malformedXml();
    for (const m of rule.AllowedMethods) {
      if (!METHODS.has(m)) throw S3Errors.invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    }
    for (const o of rule.AllowedOrigins) {
      if (o.split('*').length > 2) throw S3Errors.invalidRequest(`AllowedOrigin "${o}" can not have more than one wildcard.`);
    }
    for (const h of rule.AllowedHeaders) {
      if (h.split('*').length > 2) throw S3Errors.invalidRequest(`AllowedHeader "${h}" can not have more than one wildcard.`);
    }
    rules.push(rule);
  }
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'cors', JSON.stringify(rules));
  sendEmpty(call, 200);
}

export function GetBucketCors(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const rules = corsRules(bucket);
  if (rules === undefined) throw S3Errors.noSuchCors(bucket.name);
  let inner = '';
  for (const r of rules) {
    inner +=
      `<CORSRule>${el('ID', r.ID)}${r.AllowedHeaders.map((h) => el('AllowedHeader', h)).join('')}` +
      `${r.AllowedMethods.map((m) => el('AllowedMethod', m)).join('')}${r.AllowedOrigins.map((o) => el('AllowedOrigin', o)).join('')}` +
      `${r.ExposeHeaders.map((h) => el('ExposeHeader', h)).join('')}${el('MaxAgeSeconds', r.MaxAgeSeconds)}</CORSRule>`;
  }
  sendXml(call, 200, doc('CORSConfiguration', inner));
  return Promise.resolve();
}

export async function DeleteBucketCors(call: S3Call): Promise<void> {
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'cors', null);
  sendEmpty(call, 204);
}

const rulesCache = new Map<string, CorsRule[]>();

export function corsRules(bucket: BucketRow): CorsRule[] | undefined {
  if (bucket.cors === null) return undefined;
  let r = rulesCache.get(bucket.cors);
  if (r === undefined) {
    r = JSON.parse(bucket.cors) as CorsRule[];
    if (rulesCache.size > 1000) rulesCache.clear();
    rulesCache.set(bucket.cors, r);
  }
  return r;
}

/** `*` matches any run of characters, at most once per pattern (S3's rule); case-sensitive for origins. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

function matchRule(rules: readonly CorsRule[], origin: string, method: string, requestHeaders: readonly string[] | undefined): CorsRule | undefined {
  for (const r of rules) {
    if (!r.AllowedOrigins.some((o) => wildcard(o, origin, false))) continue;
    if (!r.AllowedMethods.includes(method)) continue;
    if (requestHeaders !== undefined && !requestHeaders.every((h) => r.AllowedHeaders.some((a) => wildcard(a, h, true)))) continue;
    return r;
  }
  return undefined;
}

function ruleHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const wildcardOrigin = rule.AllowedOrigins.includes('*');
  const h: Record<string, string> = {
    'access-control-allow-origin': wildcardOrigin ? '*' : origin,
    'access-control-allow-methods': rule.AllowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!wildcardOrigin) h['access-control-allow-credentials'] = 'true';
  if (rule.ExposeHeaders.length > 0) h['access-control-expose-headers'] = rule.ExposeHeaders.join(', ');
  if (rule.MaxAgeSeconds !== undefined) h['access-control-max-age'] = String(rule.MaxAgeSeconds);
  return h;
}

/** Adds CORS headers to an actual (non-preflight) response when a rule allows the origin and method. */
export function applyCors(res: ServerResponse, headers: IncomingHttpHeaders, method: string, bucket: BucketRow | undefined): void {
  const origin = headers.origin;
  if (origin === undefined || bucket === undefined || bucket.cors === null) return;
  const rules = corsRules(bucket)!;
  const rule = matchRule(rules, origin, method, undefined);
  if (rule === undefined) return;
  for (const [k, v] of Object.entries(ruleHeaders(rule, origin))) res.setHeader(k, v);
}

/** Answers a preflight OPTIONS from the bucket's rules, or throws S3's 400/403. */
export function answerPreflight(res: ServerResponse, headers: IncomingHttpHeaders, bucket: BucketRow | undefined): void {
  const origin = headers.origin;
  const method = headers['access-control-request-method'];
  if (origin === undefined) throw new ServiceError('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  if (typeof method !== 'string' || method === '') throw new ServiceError('BadRequest', 'Invalid Access-Control-Request-Method: null', 400);
  if (!METHODS.has(method)) throw new ServiceError('BadRequest', `Invalid Access-Control-Request-Method: ${method}`, 400);
  if (bucket === undefined) throw new ServiceError('CORSResponse', 'CORS is not enabled for this bucket.', 403);
  const rules = corsRules(bucket);
  if (rules === undefined) throw new ServiceError('CORSResponse', 'CORS is not enabled for this bucket.', 403);
  const requested = headers['access-control-request-headers'];
  const list = typeof requested === 'string' ? requested.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
  const rule = matchRule(rules, origin, method, list);
  if (rule === undefined) {
    throw new ServiceError(
      'CORSResponse',
      "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      403,
    );
  }
  const h: Record<string, string | number> = ruleHeaders(rule, origin);
  if (list.length > 0) h['access-control-allow-headers'] = list.join(', ');
  h['content-length'] = 0;
  res.writeHead(200, h);
  res.end();
}

export function sendPreflight(call: S3Call): Promise<void> {
  answerPreflight(call.edge.res, call.edge.req.headers, call.bucket);
  return Promise.resolve();
}
