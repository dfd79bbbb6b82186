// Hostile JSON for request bodies: wrong types, numbers JSON.stringify cannot write (1e400), lone
// surrogates, deep nesting, huge arrays, and texts that are not JSON at all.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { hostileText } from './hostile-text.js';

/**
 * JSON texts JSON.stringify cannot write: number literals a double cannot hold (exactly, or at
 * all), and nesting too deep for JSON.stringify's own stack. Values carry a marker in their place,
 * which toJsonText swaps for the raw text.
 */
const RAW_TEXTS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '1E2',
  '0.1e1',
  '1.0',
  // Integers past 2^53, which JSON.parse rounds (9007199254740993 reads as ...992), and past 2^64.
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551617',
  '-9223372036854775809',
  '4.9e-324',
  '2.4703282292062328e-324',
  `${'['.repeat(20_000)}0${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(5_000)}0${'}'.repeat(5_000)}`,
];
const RAW_MARK = '\u0001raw:';

/** JSON text of `value`, with raw-text markers replaced by the raw texts. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(
    /"\\u0001raw:(\d+)"/g,
    (_marker, index: string) => RAW_TEXTS[Number(index)]!,
  );
}

/** A container `depth` levels deep, built without recursion. */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const rawMarkers = RAW_TEXTS.map((_text, index) => `${RAW_MARK}${index}`);

const scalar = fc.oneof(
  { arbitrary: hostileText, weight: 5 },
  { arbitrary: fc.constantFrom(...rawMarkers), weight: 2 },
  {
    arbitrary: fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.maxSafeInteger(),
      // Type boundaries: 2^53 and past it, 32- and 64-bit limits, the extremes of a double.
      fc.constantFrom(
        2 ** 53,
        2 ** 53 + 2,
        -(2 ** 53),
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 32,
        2 ** 63,
        2 ** 64,
        Number.MAX_VALUE,
        Number.MIN_VALUE,
        -Number.MAX_VALUE,
        8.64e15 + 1,
        253_402_300_800_000,
      ),
    ),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(true, false, null), weight: 2 },
);

/** Any JSON value a hostile client might put where a field is expected. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 10 },
  { arbitrary: fc.array(scalar, { maxLength: 4 }), weight: 2 },
  {
    arbitrary: fc.dictionary(fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor')), scalar, {
      maxKeys: 4,
    }),
    weight: 2,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 2 },
  {
    arbitrary: fc
      .integer({ min: 60, max: 70 })
      .chain((d) => fc.constantFrom(nested(d, 'array'), nested(d, 'object'))),
    weight: 1,
  },
  { arbitrary: fc.constant(Array.from({ length: 50_000 }, (_, i) => i)), weight: 1 },
);

/** A JSON object of hostile keys and values: what a free-form field (settings, metadata) meets. */
export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor', '')),
  fc.oneof({ arbitrary: scalar, weight: 4 }, { arbitrary: hostileJson, weight: 1 }),
  { minKeys: 1, maxKeys: 4 },
);

/**
 * `value` in the type next to its own, as a lenient parser would coerce it back: a number or a
 * boolean as its text, a list as its only item, an item as a list of one, null, an empty string.
 * A JSON body is never coerced (src/http/validators.ts), so each must be refused.
 */
export function confusedType(value: unknown): fc.Arbitrary<unknown> {
  const options: unknown[] = [null, ''];
  if (typeof value === 'number' || typeof value === 'boolean') options.push(String(value), [value]);
  if (typeof value === 'string') options.push([value], Number(value), value === 'true');
  if (Array.isArray(value)) options.push(value[0] ?? '', value.join(','));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) options.push([value], '{}');
  return fc.constantFrom(...options);
}

/**
 * `base` with one thing wrong (sometimes two, or none): fields replaced by hostile values (objects
 * by hostile objects), a field dropped, an unknown field added. One fault at a time reaches
 * further into the handler than a body wrong everywhere, which validation stops at once.
 */
export function mutated(
  base: Record<string, unknown>,
  hostileFor: (field: string) => fc.Arbitrary<unknown> = () => hostileJson,
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(base);
  const isObjectField = (field: string) => {
    const value = base[field];
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  };
  const valueFor = (field: string) =>
    isObjectField(field)
      ? fc.oneof(
          { arbitrary: hostileObject, weight: 3 },
          { arbitrary: hostileFor(field), weight: 1 },
          { arbitrary: confusedType(base[field]), weight: 1 },
        )
      : fc.oneof(
          { arbitrary: hostileFor(field), weight: 3 },
          { arbitrary: confusedType(base[field]), weight: 1 },
        );
  // Free-form object fields are picked more often: their contents reach the database unchecked.
  const field = fc.oneof(
    ...fields.map((name) => ({ arbitrary: fc.constant(name), weight: isObjectField(name) ? 4 : 1 })),
  );
  const replaced = fc
    .oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.constant(1), weight: 4 },
      { arbitrary: fc.constant(2), weight: 1 },
    )
    .chain((count) =>
      fc.tuple(
        ...Array.from({ length: count }, () =>
          field.chain((name) => fc.tuple(fc.constant(name), valueFor(name))),
        ),
      ),
    );
  return fc
    .record({
      replaced,
      drop: fc.oneof(
        { arbitrary: fc.constant([] as string[]), weight: 5 },
        { arbitrary: fc.subarray(fields, { maxLength: 1 }), weight: 1 },
      ),
      extra: fc.oneof(
        { arbitrary: fc.constant(null), weight: 5 },
        { arbitrary: fc.tuple(hostileText, hostileJson), weight: 1 },
      ),
    })
    .map(({ replaced: pairs, drop, extra }) => {
      const body: Record<string, unknown> = { ...base, ...Object.fromEntries(pairs) };
      for (const name of drop) delete body[name];
      if (extra) body[extra[0]] = extra[1];
      return body;
    });
}

/** Texts that are not the JSON they claim to be. */
export function brokenJson(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat({ max: Math.max(valid.length - 1, 0) }).map((cut) => valid.slice(0, cut)),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '[',
      'nul',
      'NaN',
      "{'single': 'quotes'}",
      '{"a":1,}',
      '[1,2,]',
      '{"a":1} trailing',
      '/* comment */ {}',
      '{"a":"\\ud800"}',
      '{"a":"\\x41"}',
      '"just a string"',
      '42',
      'true',
      'null',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ),
    fc.constant(`\uFEFF${valid}`),
    fc.constant(`${valid}${valid}`),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
}

/** Bodies sent with `content-encoding: gzip` that are not (whole) gzip streams. */
export function brokenGzip(valid: string): fc.Arbitrary<Buffer> {
  const zipped = gzipSync(valid);
  return fc.oneof(
    fc.nat({ max: Math.max(zipped.length - 1, 0) }).map((cut) => zipped.subarray(0, cut)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(Buffer.concat([zipped, Buffer.from('trailing garbage')])),
    fc.constant(gzipSync(zipped)),
    fc.constant(Buffer.from(valid)),
  );
}

/** Content types a client gets wrong (and a few right ones, oddly written). */
export const contentTypes = fc.constantFrom(
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'APPLICATION/JSON',
  'application/json; charset=utf-8',
  'application/json; charset="UTF-8"',
  'application/json; charset=latin1',
  'application/json;;;',
  'application/json; boundary=x; q=0.1',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/',
  '/json',
  ';',
  '',
  'application/json\t',
  'caf\u00e9/json',
);

export const contentEncodings = fc.constantFrom(
  'gzip',
  'x-gzip',
  'GZIP',
  'deflate',
  'br',
  'gzip, gzip',
  'identity',
  'compress',
  '',
  'zstd',
);
