/**
 * The strict XML reader on its own: what it accepts of the XML that SDKs send, what it refuses,
 * and that its work stops at the element limit (the end-to-end cases are in the S3 suites).
 */
import { describe, expect, it } from 'vitest';
import { readXmlDocument, XmlSyntaxError } from '../../src/protocols/xml-reader.js';

const LIMITS = { maxElements: 100, maxDepth: 8 };
const read = (s: string | Buffer, limits = LIMITS) => readXmlDocument(Buffer.isBuffer(s) ? s : Buffer.from(s), limits);

describe('readXmlDocument', () => {
  it('reads what SDKs send: declaration, namespace, self-closing and empty elements, entities, CDATA, comments', () => {
    const doc = read(
      '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b&#x41;&#66;</Key><VersionId/></Object>' +
        '<Object><s3:Key xmlns:s3="x"><![CDATA[<raw>&]]></s3:Key><ETag></ETag></Object><Quiet>true</Quiet><?pi ignored?></Delete>\n',
    );
    expect(doc.root).toBe('Delete');
    expect(JSON.parse(JSON.stringify(doc.node))).toEqual({
      Object: [{ Key: ['a&bAB'], VersionId: [''] }, { Key: ['<raw>&'], ETag: [''] }],
      Quiet: ['true'],
    });
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE d [<!ENTITY a "x">]><D>&a;</D>'],
    ['an unknown entity', '<D>&nbsp;</D>'],
    ['a bare ampersand', '<D>a & b</D>'],
    ['a mismatched close', '<D><A></B></D>'],
    ['an unclosed element', '<D><A></A>'],
    ['a second root', '<D/><E/>'],
    ['text outside the root', 'x<D/>'],
    ['no root', '<?xml version="1.0"?>'],
    ['a bad name', '<1D/>'],
    ['a broken attribute', '<D a="1/>'],
    ['a surrogate reference', '<D>&#xD800;</D>'],
    ['a reference past Unicode', '<D>&#x110000;</D>'],
    [']]> in text', '<D>a]]>b</D>'],
    ['an unclosed comment', '<D><!-- </D>'],
  ])('refuses %s', (_what, xml) => {
    expect(() => read(xml)).toThrow(XmlSyntaxError);
  });

  it('refuses invalid UTF-8 instead of decoding it into replacement characters', () => {
    expect(() => read(Buffer.concat([Buffer.from('<D>'), Buffer.from([0xc3, 0x28]), Buffer.from('</D>')]))).toThrow(XmlSyntaxError);
  });

  it('stops at the element and depth limits', () => {
    expect(read(`<D>${'<A/>'.repeat(99)}</D>`).root).toBe('D');
    expect(() => read(`<D>${'<A/>'.repeat(100)}</D>`)).toThrow(XmlSyntaxError);
    expect(() => read(`${'<A>'.repeat(9)}${'</A>'.repeat(9)}`)).toThrow(XmlSyntaxError);
    expect(() => read(`<D a="${'x'.repeat(5000)}"/>`)).toThrow(XmlSyntaxError);
  });

  it('refuses a 2 MiB body of elements after reading up to the limit, in linear time', () => {
    const huge = Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(75_000)}</Delete>`);
    const t = performance.now();
    expect(() => read(huge, { maxElements: 6002, maxDepth: 16 })).toThrow(XmlSyntaxError);
    const refused = performance.now() - t;
    // The whole body within limits is parsed too, to show the reader is linear (no timing assert on a shared machine).
    const whole = read(huge, { maxElements: 200_000, maxDepth: 16 });
    expect((whole.node as Record<string, unknown[]>).Object).toHaveLength(75_000);
    expect(refused).toBeLessThan(1000);
  });
});
