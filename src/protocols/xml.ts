/**
 * Small XML writing helpers shared by the Query and REST-XML protocols. Writing is done by
 * hand (string building) because it is on the hot path and the shapes are known; parsing
 * request bodies uses the strict reader in xml-reader.ts.
 * @module
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;' };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r\n]/g, (c) => ESCAPES[c]!);
}

/** Escapes text content; newlines stay literal in element text, as AWS sends them. */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}

export function element(name: string, text: string): string {
  return `<${name}>${escapeText(text)}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** ISO 8601 as AWS writes it in XML: milliseconds only when present. */
export function isoTimestamp(d: Date): string {
  const s = d.toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}
