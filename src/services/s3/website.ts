/**
 * Static website hosting: PutBucketWebsite / GetBucketWebsite / DeleteBucketWebsite, and the
 * website endpoint (`<bucket>.<website host suffix>`, or `/_website/<bucket>/…` for clients
 * that cannot use host names). The endpoint serves anonymous GET/HEAD of objects the bucket's
 * policy or ACLs make public, index documents for folders, redirects (all requests, routing
 * rules, per-object), and the error document with AWS's statuses; its errors are HTML pages.
 * @module
 */
import type { Config } from '../../config.js';
import { ServiceError } from '../../errors.js';
import { child, children, childText, el, malformedXml } from '../../protocols/rest-xml.js';
import type { EdgeRequest, HttpHandler } from '../../protocols/http.js';
import { denied, resourceArn } from './authorize.js';
import { bucketOf, checkAccess, doc, sendEmpty, sendXml, type S3Call, type S3Deps } from './context.js';
import { answerPreflight, applyCors } from './cors.js';
import { S3Errors, STATUS_TEXT } from './errors.js';
import { readXml } from './operations/objects.js';
import { checkConditions, objectHeaders, parseRange, sendObject } from './operations/serve.js';
import type { BucketRow, ObjectRow } from './store.js';

interface Redirect {
  HostName?: string;
  HttpRedirectCode?: string;
  Protocol?: string;
  ReplaceKeyPrefixWith?: string;
  ReplaceKeyWith?: string;
}

interface RoutingRule {
  Condition?: { HttpErrorCodeReturnedEquals?: string; KeyPrefixEquals?: string };
  Redirect: Redirect;
}

export interface WebsiteConfiguration {
  IndexDocument?: { Suffix: string };
  ErrorDocument?: { Key: string };
  RedirectAllRequestsTo?: { HostName: string; Protocol?: string };
  RoutingRules?: RoutingRule[];
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function checkProtocol(p: string | undefined): void {
  if (p !== undefined && p !== 'http' && p !== 'https') {
    throw S3Errors.invalidArgument('Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.');
  }
}

export async function PutBucketWebsite(call: S3Call): Promise<void> {
  const root = await readXml(call, 'WebsiteConfiguration', 128 * 1024);
  const cfg: WebsiteConfiguration = {};
  const index = child(root, 'IndexDocument');
  if (index !== undefined) {
    const suffix = childText(index, 'Suffix');
    if (suffix === undefined || suffix === '' || suffix.includes('/')) throw S3Errors.invalidArgument('The IndexDocument Suffix is not well formed', 'IndexDocument', suffix ?? '');
    cfg.IndexDocument = { Suffix: suffix };
  }
  const error = child(root, 'ErrorDocument');
  if (error !== undefined) {
    const key = childText(error, 'Key');
    if (key === undefined || key === '') throw S3Errors.invalidArgument('The ErrorDocument Key is not well formed', 'ErrorDocument', key ?? '');
    cfg.ErrorDocument = { Key: key };
  }
  const all = child(root, 'RedirectAllRequestsTo');
  if (all !== undefined) {
    const host = childText(all, 'HostName');
    if (host === undefined || host === '') throw malformedXml();
    const protocol = childText(all, 'Protocol');
    checkProtocol(protocol);
    cfg.RedirectAllRequestsTo = defined({ HostName: host, Protocol: protocol });
  }
  const rules = child(root, 'RoutingRules');
  if (rules !== undefined) {
    cfg.RoutingRules = children(rules, 'RoutingRule').map((r) => {
      const cond = child(r, 'Condition');
      const red = child(r, 'Redirect');
      if (red === undefined) throw malformedXml();
      const redirect: Redirect = defined({
        HostName: childText(red, 'HostName'),
        HttpRedirectCode: childText(red, 'HttpRedirectCode'),
        Protocol: childText(red, 'Protocol'),
        ReplaceKeyPrefixWith: childText(red, 'ReplaceKeyPrefixWith'),
        ReplaceKeyWith: childText(red, 'ReplaceKeyWith'),
      });
      checkProtocol(redirect.Protocol);
      if (redirect.ReplaceKeyPrefixWith !== undefined && redirect.ReplaceKeyWith !== undefined) {
        throw S3Errors.invalidArgument('You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
      }
      const code = redirect.HttpRedirectCode;
      if (code !== undefined && (!/^3\d\d$/.test(code) || code === '300')) {
        throw S3Errors.invalidArgument(`The provided HTTP redirect code (${code}) is not valid. Valid codes are 3XX except 300.`);
      }
      const rule: RoutingRule = { Redirect: redirect };
      if (cond !== undefined) rule.Condition = defined({ HttpErrorCodeReturnedEquals: childText(cond, 'HttpErrorCodeReturnedEquals'), KeyPrefixEquals: childText(cond, 'KeyPrefixEquals') });
      return rule;
    });
  }
  if (cfg.RedirectAllRequestsTo !== undefined && (cfg.IndexDocument !== undefined || cfg.ErrorDocument !== undefined || cfg.RoutingRules !== undefined)) {
    throw S3Errors.invalidArgument('RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.');
  }
  if (cfg.RedirectAllRequestsTo === undefined && cfg.IndexDocument === undefined) {
    throw S3Errors.invalidArgument('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
  }
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'website', JSON.stringify(cfg));
  sendEmpty(call, 200);
}

export function GetBucketWebsite(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  if (bucket.website === null) throw S3Errors.noSuchWebsite(bucket.name);
  const c = JSON.parse(bucket.website) as WebsiteConfiguration;
  let inner = '';
  if (c.RedirectAllRequestsTo !== undefined) inner += `<RedirectAllRequestsTo>${el('HostName', c.RedirectAllRequestsTo.HostName)}${el('Protocol', c.RedirectAllRequestsTo.Protocol)}</RedirectAllRequestsTo>`;
  if (c.IndexDocument !== undefined) inner += `<IndexDocument>${el('Suffix', c.IndexDocument.Suffix)}</IndexDocument>`;
  if (c.ErrorDocument !== undefined) inner += `<ErrorDocument>${el('Key', c.ErrorDocument.Key)}</ErrorDocument>`;
  if (c.RoutingRules !== undefined) {
    inner += '<RoutingRules>';
    for (const r of c.RoutingRules) {
      inner += '<RoutingRule>';
      if (r.Condition !== undefined) inner += `<Condition>${el('HttpErrorCodeReturnedEquals', r.Condition.HttpErrorCodeReturnedEquals)}${el('KeyPrefixEquals', r.Condition.KeyPrefixEquals)}</Condition>`;
      const d = r.Redirect;
      inner += `<Redirect>${el('HostName', d.HostName)}${el('HttpRedirectCode', d.HttpRedirectCode)}${el('Protocol', d.Protocol)}${el('ReplaceKeyPrefixWith', d.ReplaceKeyPrefixWith)}${el('ReplaceKeyWith', d.ReplaceKeyWith)}</Redirect></RoutingRule>`;
    }
    inner += '</RoutingRules>';
  }
  sendXml(call, 200, doc('WebsiteConfiguration', inner));
  return Promise.resolve();
}

export async function DeleteBucketWebsite(call: S3Call): Promise<void> {
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'website', null);
  sendEmpty(call, 204);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function errorItems(err: ServiceError): string {
  let items = `<li>Code: ${escapeHtml(err.code)}</li>\n<li>Message: ${escapeHtml(err.message)}</li>\n`;
  for (const [k, v] of Object.entries(err.extra)) items += `<li>${escapeHtml(k)}: ${escapeHtml(v)}</li>\n`;
  return items;
}

/** The website endpoint's HTML error page, optionally with the failure to fetch the error document. */
function errorPage(err: ServiceError, requestId: string, hostId: string, docError?: ServiceError): string {
  const title = `${err.status} ${STATUS_TEXT[err.status] ?? 'Error'}`;
  let html = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n${errorItems(err)}<li>RequestId: ${requestId}</li>\n<li>HostId: ${hostId}</li>\n</ul>\n`;
  if (docError !== undefined) html += `<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n${errorItems(docError)}</ul>\n`;
  return `${html}<hr/>\n</body>\n</html>\n`;
}

type Lookup = { row: ObjectRow } | { error: ServiceError; missing: boolean };

/** A decoded key as a URL path: a Location is a URL (and node:http refuses a header beyond ISO-8859-1). */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export class WebsiteHandler implements HttpHandler {
  constructor(
    private readonly deps: S3Deps,
    private readonly config: Config,
    private readonly hostId: (requestId: string) => string,
  ) {}

  async handle(edge: EdgeRequest): Promise<void> {
    const res = edge.res;
    res.setHeader('x-amz-id-2', this.hostId(edge.requestId));
    let bucketName: string;
    let path: string;
    let base = '';
    const suffix = `.${this.config.websiteHostSuffix}`;
    if (edge.host.endsWith(suffix)) {
      bucketName = edge.host.slice(0, -suffix.length);
      path = edge.path;
    } else {
      const rest = edge.path.slice('/_website/'.length);
      const slash = rest.indexOf('/');
      bucketName = slash < 0 ? rest : rest.slice(0, slash);
      path = slash < 0 ? '/' : rest.slice(slash);
      base = `/_website/${bucketName}`;
      // The path form shares Gatehouse's own origin; the site's pages must not script it.
      res.setHeader('content-security-policy', 'sandbox');
    }
    edge.operation = 'website.' + (edge.method === 'OPTIONS' ? 'Preflight' : 'Get');
    let bucket: BucketRow | undefined;
    try {
      bucket = await this.deps.store.getBucket(bucketName);
      if (edge.method === 'OPTIONS') {
        answerPreflight(res, edge.req.headers, bucket);
        return;
      }
      if (edge.method !== 'GET' && edge.method !== 'HEAD') throw S3Errors.methodNotAllowed(edge.method, 'OBJECT');
      if (bucket === undefined) throw S3Errors.noSuchBucket(bucketName);
      if (bucket.website === null) throw S3Errors.noSuchWebsite(bucketName);
      applyCors(res, edge.req.headers, edge.method, bucket);
      await this.#serve(edge, bucket, JSON.parse(bucket.website) as WebsiteConfiguration, path, base);
    } catch (err) {
      if (!(err instanceof ServiceError)) {
        edge.log.error({ err, requestId: edge.requestId }, 'website request failed');
        this.#html(edge, new ServiceError('InternalError', 'We encountered an internal error. Please try again.', 500));
        return;
      }
      this.#html(edge, err);
    }
  }

  #call(edge: EdgeRequest, bucket: BucketRow, key: string): S3Call {
    return {
      edge,
      route: { operation: 'WebsiteGet', bucket: bucket.name, key, query: new Map(), virtualHosted: true },
      auth: { principal: undefined, payload: { kind: 'anonymous' }, authType: undefined },
      deps: this.deps,
      now: this.deps.clock.now(),
      bucket,
    };
  }

  /** Reads an object as an anonymous caller; 403 when the object or (for missing keys) the listing is not public. */
  async #lookup(edge: EdgeRequest, bucket: BucketRow, key: string): Promise<Lookup> {
    const call = this.#call(edge, bucket, key);
    const row = await this.deps.store.getObject(bucket.name, key);
    if (row === undefined) {
      const list = await checkAccess(call, 's3:ListBucket', 'bucket');
      return { error: list === 'Allow' ? S3Errors.noSuchKey(key) : S3Errors.accessDenied(), missing: true };
    }
    const d = await checkAccess(call, 's3:GetObject', 'object', { objectAcl: row.acl });
    if (d !== 'Allow') return { error: denied({ principal: undefined, action: 's3:GetObject', resource: resourceArn('object', bucket.name, key) }, d) as ServiceError, missing: false };
    return { row };
  }

  async #serve(edge: EdgeRequest, bucket: BucketRow, cfg: WebsiteConfiguration, rawPath: string, base: string): Promise<void> {
    const res = edge.res;
    const scheme = edge.secure ? 'https' : 'http';
    const hostHeader = String(edge.req.headers.host ?? edge.host);
    if (cfg.RedirectAllRequestsTo !== undefined) {
      const r = cfg.RedirectAllRequestsTo;
      this.#redirect(edge, 301, `${r.Protocol ?? scheme}://${r.HostName}${rawPath}${edge.query === '' ? '' : `?${edge.query}`}`);
      return;
    }
    let key: string;
    try {
      key = decodeURIComponent(rawPath.slice(1));
    } catch {
      throw S3Errors.invalidUri();
    }
    const indexSuffix = cfg.IndexDocument?.Suffix ?? 'index.html';
    if (key === '' || key.endsWith('/')) key += indexSuffix;
    const rules = cfg.RoutingRules ?? [];
    const redirectTo = (rule: RoutingRule, code: number): void => {
      const d = rule.Redirect;
      const prefix = rule.Condition?.KeyPrefixEquals ?? '';
      const newKey = d.ReplaceKeyWith ?? (d.ReplaceKeyPrefixWith !== undefined ? d.ReplaceKeyPrefixWith + key.slice(prefix.length) : key);
      const host = d.HostName ?? hostHeader;
      const encoded = encodeKey(newKey);
      const path = d.HostName === undefined ? `${base}/${encoded}` : `/${encoded}`;
      this.#redirect(edge, d.HttpRedirectCode !== undefined ? Number(d.HttpRedirectCode) : code, `${d.Protocol ?? scheme}://${host}${path}`);
    };
    for (const rule of rules) {
      const c = rule.Condition;
      if (c?.HttpErrorCodeReturnedEquals !== undefined) continue;
      if (c?.KeyPrefixEquals === undefined || key.startsWith(c.KeyPrefixEquals)) {
        redirectTo(rule, 301);
        return;
      }
    }
    let found = await this.#lookup(edge, bucket, key);
    if ('error' in found && found.missing && !key.endsWith(`/${indexSuffix}`) && key !== indexSuffix) {
      // A "folder" without its trailing slash: S3 redirects to the slash form when an index exists there.
      const folder = await this.#lookup(edge, bucket, `${key}/${indexSuffix}`);
      if ('row' in folder) {
        // Built from the key, encoded (so `\` cannot turn into `/`), relative as AWS answers; a
        // path that would start `//` (key `/evil.com`) would be a protocol-relative URL, an open
        // redirect, so that one is made absolute on the request's own host.
        const to = `${base}/${encodeKey(key)}/`;
        this.#redirect(edge, 302, to.startsWith('//') ? `${scheme}://${hostHeader}${to}` : to);
        return;
      }
    }
    if ('row' in found) {
      const row = found.row;
      if (row.website_redirect !== null) {
        this.#redirect(edge, 301, row.website_redirect);
        return;
      }
      const h = objectHeaders(row);
      if (checkConditions(edge.req.headers, row) === 304) {
        res.writeHead(304, { etag: String(h.etag), 'last-modified': String(h['last-modified']) });
        res.end();
        return;
      }
      sendObject(res, this.deps.blobs, row, h, parseRange(edge.req.headers.range, row.size), edge.method === 'HEAD');
      return;
    }
    const error = found.error;
    for (const rule of rules) {
      const c = rule.Condition;
      if (c?.HttpErrorCodeReturnedEquals !== String(error.status)) continue;
      if (c.KeyPrefixEquals !== undefined && !key.startsWith(c.KeyPrefixEquals)) continue;
      redirectTo(rule, 301);
      return;
    }
    if (cfg.ErrorDocument !== undefined && (error.status === 403 || error.status === 404)) {
      found = await this.#lookup(edge, bucket, cfg.ErrorDocument.Key);
      if ('row' in found) {
        sendObject(res, this.deps.blobs, found.row, objectHeaders(found.row), undefined, edge.method === 'HEAD', error.status);
        return;
      }
      this.#html(edge, error, found.error);
      return;
    }
    throw error;
  }

  #redirect(edge: EdgeRequest, status: number, location: string): void {
    edge.res.writeHead(status, { location, 'content-length': 0 });
    edge.res.end();
  }

  #html(edge: EdgeRequest, err: ServiceError, docError?: ServiceError): void {
    const res = edge.res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = Buffer.from(errorPage(err, edge.requestId, this.hostId(edge.requestId), docError), 'utf8');
    const headers: Record<string, string | number> = { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...err.headers };
    if (err.code === 'MethodNotAllowed') headers.allow = 'GET, HEAD, OPTIONS';
    res.writeHead(err.status, headers);
    res.end(edge.method === 'HEAD' ? undefined : body);
  }
}
