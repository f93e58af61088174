/**
 * A strict, bounded XML reader for request bodies. Request shapes are small trees of
 * elements with text; anything else is refused, and the work done is linear in the body with
 * a cap on elements and depth, so a hostile body is refused after at most `maxElements`
 * elements instead of being parsed whole (a general parser spent ~1 s per MiB of `<Object>`
 * elements on the one event loop, before the request was authorized).
 *
 * Accepted: an XML declaration, comments and processing instructions (skipped), elements with
 * attributes (ignored, so `xmlns` is fine) and namespace prefixes (dropped), text with the five
 * predefined entities and numeric character references, CDATA sections. Refused as malformed:
 * DOCTYPE (and so every entity definition), unknown entities, a bare `&` or `<`, mismatched or
 * unclosed tags, text outside the root, invalid UTF-8, more elements or deeper nesting than
 * the limits.
 * @module
 */

/** A parsed element: text when it has no child elements, else its children by local name, in document order. */
export type XmlNode = string | { [name: string]: XmlNode[] | undefined };

export interface XmlLimits {
  /** Start tags allowed in the whole document, the root included. */
  maxElements: number;
  /** Nesting allowed, the root being depth 1. */
  maxDepth: number;
}

export class XmlSyntaxError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;
const ATTRIBUTES = /^(?:\s+[A-Za-z_][A-Za-z0-9_.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*$/;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_TAG = 4096;
const decoder = new TextDecoder('utf-8', { fatal: true });

interface Open {
  qname: string;
  local: string;
  children: { [name: string]: XmlNode[] } | undefined;
  text: string;
}

function fail(): never {
  throw new XmlSyntaxError('malformed XML');
}

/** Decodes the predefined entities and character references in `s`; anything else is malformed. */
function decodeText(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = s.indexOf(';', amp);
    if (semi < 0 || semi - amp > 12) fail();
    const ref = s.slice(amp + 1, semi);
    let ch: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref.charCodeAt(1) === 120; /* x */
      const digits = ref.slice(hex ? 2 : 1);
      if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) fail();
      const cp = Number.parseInt(digits, hex ? 16 : 10);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail();
      ch = String.fromCodePoint(cp);
    } else {
      ch = Object.hasOwn(NAMED, ref) ? NAMED[ref] : undefined;
      if (ch === undefined) fail();
    }
    out += s.slice(from, amp) + ch;
    from = semi + 1;
    amp = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function isWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** Parses `body` and returns the root element's local name and content. Throws XmlSyntaxError. */
export function readXmlDocument(body: Buffer, limits: XmlLimits): { root: string; node: XmlNode } {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    fail();
  }
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let elements = 0;
  let result: { root: string; node: XmlNode } | undefined;

  const close = (node: XmlNode, local: string): void => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      result = { root: local, node };
      return;
    }
    const kids = (parent.children ??= Object.create(null) as { [name: string]: XmlNode[] });
    (kids[local] ??= []).push(node);
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk !== '') {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (!isWhitespace(chunk)) fail();
      } else {
        if (chunk.includes(']]>')) fail();
        top.text += decodeText(chunk);
      }
    }
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end < 0) fail();
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const top = stack[stack.length - 1];
        const end = text.indexOf(']]>', lt + 9);
        if (top === undefined || end < 0) fail();
        top.text += text.slice(lt + 9, end);
        i = end + 3;
      } else {
        // <!DOCTYPE, <!ENTITY and the rest: no request needs a DTD, and entity expansion is how bodies explode.
        fail();
      }
      continue;
    }
    if (next === 63 /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) fail();
      i = end + 2;
      continue;
    }
    const gt = text.indexOf('>', lt + 1);
    // No tag of a request shape is long (the root's xmlns is the longest); the bound keeps the
    // attribute check's work small whatever the body holds.
    if (gt < 0 || gt - lt > MAX_TAG) fail();
    if (next === 47 /* / */) {
      const open = stack.pop();
      if (open === undefined || !text.startsWith(open.qname, lt + 2) || !isWhitespace(text.slice(lt + 2 + open.qname.length, gt))) fail();
      close(open.children === undefined ? open.text : open.children, open.local);
      i = gt + 1;
      continue;
    }
    if (result !== undefined) fail(); // a second root
    const selfClosing = text.charCodeAt(gt - 1) === 47;
    const tag = text.slice(lt + 1, selfClosing ? gt - 1 : gt);
    let nameEnd = 0;
    while (nameEnd < tag.length && !isSpace(tag.charCodeAt(nameEnd))) nameEnd++;
    const qname = tag.slice(0, nameEnd);
    if (!NAME.test(qname) || (nameEnd < tag.length && !ATTRIBUTES.test(tag.slice(nameEnd)))) fail();
    if (++elements > limits.maxElements || stack.length + 1 > limits.maxDepth) fail();
    const colon = qname.indexOf(':');
    const local = colon < 0 ? qname : qname.slice(colon + 1);
    if (selfClosing) close('', local);
    else stack.push({ qname, local, children: undefined, text: '' });
    i = gt + 1;
  }
  if (stack.length > 0 || result === undefined) fail();
  return result;
}
