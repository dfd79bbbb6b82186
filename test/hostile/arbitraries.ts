// fast-check arbitraries for hostile values in a path segment, a query string or a header. Values
// are produced already URL-encoded ("wire form"), so a value can also be a malformed
// percent-encoding that no encoder would produce.
import fc from 'fast-check';
import { hostileText, numbers } from './hostile-text.js';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Percent-encodes every code unit outside the unreserved set, as UTF-8 — and a lone surrogate as
 * the three bytes a careless encoder emits for it (ED A0 80 …), which is not valid UTF-8.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    const char = text[index]!;
    if (UNRESERVED.test(char)) {
      out += char;
    } else if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(index, index + 2));
      index += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xed, 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Percent-encodings that are malformed, or decode to text no valid UTF-8 holds. */
export const malformedEncoding = fc.constantFrom(
  '%',
  '%Z',
  '%ZZ',
  '%E2%82',
  '%C0%AF',
  '%FF',
  '%ED%A0%80',
  '%%',
);

/** A query or path value in wire form: encoded hostile text, or a malformed encoding. */
export const hostileWireValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileText.map(percentEncode), weight: 8 },
  {
    arbitrary: hostileText.map((text) => encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '?'))),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.string({ maxLength: 4 }), malformedEncoding)
      .map(([a, b]) => `${percentEncode(a)}${b}`),
    weight: 1,
  },
);

/** What Node's HTTP parser lets through in a header value: visible ASCII, space, tab, 0x80–0xFF. */
const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').trim();

/** A header value HTTP can carry (anything else is refused by Node before the app sees it). */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  hostileText.map(headerSafe),
  fc
    .string({
      unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
      maxLength: 40,
    })
    .map(headerSafe),
  numbers.map(headerSafe),
);

/** Raw query-string pieces that no well-behaved client sends. */
export const oddQueryPiece = fc.constantFrom(
  '',
  '&',
  '=',
  '==x',
  'a=b=c',
  'novalue',
  '=orphan',
  '%26=%3D',
  '__proto__=x',
  '__proto__[polluted]=1',
  'constructor[prototype][polluted]=1',
  'limit[]=1',
  'limit[a]=1',
  'hasOwnProperty=1',
  'toString=x',
);
