/**
 * S3's wire format (REST-XML): writing responses and errors by string building (the shapes are
 * known and this is the hot path), and parsing request bodies with the strict, bounded reader
 * of `xml-reader.ts` (no DTDs, a nesting limit, an element limit per operation, a size limit
 * set by the caller). Only the five predefined XML entities and numeric character references
 * are decoded.
 * @module
 */
import { ServiceError } from '../errors.js';
import { escapeText, XML_DECLARATION } from './xml.js';
import { readXmlDocument, type XmlNode } from './xml-reader.js';

export type { XmlNode };

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
// XML 1.0 cannot carry most C0 controls even as references; S3 writes them as references
// anyway, and clients that need them ask for EncodingType=url.
const NEEDS_ESCAPE = /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const ESCAPE_ALL = /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** Escapes element text the way S3 writes it (control characters as numeric references). */
export function xmlText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPE_ALL, (c) => TEXT_ESCAPES[c] ?? `&#${c.charCodeAt(0)};`);
}

/** `<Name>text</Name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${typeof value === 'string' ? xmlText(value) : String(value)}</${name}>`;
}

/** A document with S3's declaration and namespace on the root element. */
export function xmlDocument(root: string, inner: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}

/**
 * S3's error document: Code, Message, then the members the error carries (BucketName, Key,
 * …) in the order given, then RequestId and HostId.
 */
export function s3ErrorXml(err: ServiceError, requestId: string, hostId: string): string {
  let extra = '';
  for (const [k, v] of Object.entries(err.extra)) extra += `<${k}>${escapeText(v)}</${k}>`;
  return `${XML_DECLARATION}<Error><Code>${err.code}</Code><Message>${escapeText(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
}

export function malformedXml(): ServiceError {
  return new ServiceError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
}

/** Nesting no S3 request shape comes near (CORS and website rules are 4–5 deep). */
const MAX_DEPTH = 16;
/** Elements in a configuration body; operations with larger lists (DeleteObjects, CompleteMultipartUpload) pass their own bound. */
export const DEFAULT_MAX_ELEMENTS = 20_000;

/**
 * Parses a request body and returns its root element, which must be `root`. Anything that is
 * not well-formed, declares a DTD, nests too deep, has more than `maxElements` elements or
 * another root is MalformedXML.
 */
export function parseXmlBody(body: Buffer, root: string, maxElements = DEFAULT_MAX_ELEMENTS): XmlNode {
  let doc: { root: string; node: XmlNode };
  try {
    doc = readXmlDocument(body, { maxElements, maxDepth: MAX_DEPTH });
  } catch {
    throw malformedXml();
  }
  if (doc.root !== root) throw malformedXml();
  return doc.node;
}

/** Child elements named `name` (empty when absent or when `node` is text). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  return node[name] ?? [];
}

/** The text of the single child `name`; undefined when absent. An element child is MalformedXML. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const list = children(node, name);
  if (list.length === 0) return undefined;
  if (list.length > 1) throw malformedXml();
  const v = list[0]!;
  if (typeof v === 'string') return v;
  if (Object.keys(v).length === 0) return '';
  throw malformedXml();
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const list = children(node, name);
  if (list.length > 1) throw malformedXml();
  return list[0];
}

/** RFC 1123 date as S3 writes Last-Modified and Expires headers. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
