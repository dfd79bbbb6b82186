// Shared by the tests that hold a hand-written body against the response schema's serializer
// (test/activity/page-json.test.ts, test/ai-usages/page-json.test.ts): hostile values of every
// class a body carries, and the schema serializer itself behind a real Fastify route.
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';

/**
 * Any JSON value a few levels deep whose strings, keys as well as values, come from `strings`,
 * with numbers from `numbers` (property tests of the code that reads or checks parsed JSON).
 */
export function jsonValue(strings: fc.Arbitrary<string>, numbers: fc.Arbitrary<number> = fc.integer()) {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      strings,
      numbers,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(strings, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}

export const HOSTILE_STRINGS = [
  '',
  'plain',
  'quote " backslash \\ slash /',
  'controls \u0000\u0001\u001f\t\n\r\b\f',
  'separators \u2028\u2029',
  'lone \ud800 surrogate \udfff',
  'emoji 😀 é ß 中文',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
];
export const HOSTILE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  1e-7,
  0.1,
  12.345,
  1e16,
  1e21,
  123456789012345.6,
  2 ** 53 + 2,
  1e300,
  -1e-300,
];
export const HOSTILE_OBJECTS: (Record<string, unknown> | null)[] = [
  null,
  {},
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "prototype": 1}'),
  { b: 1, '10': 2, '2': 'two', a: 'é\u0001"\\', '': null },
  { nested: { list: [1, 2.5, 'x', null, true, [], {}], deep: { '\u2028': -0 } } },
  { big: 2 ** 53 + 2, small: 1e-300, large: 1e300, negative: -0 },
];
/** Microseconds since the epoch: the epoch, year 1, year 9999, and an ordinary instant. */
export const HOSTILE_INSTANTS = [
  0, 1, 1_781_525_000_123_456, -62_135_596_800_000_000, 253_402_300_799_000_000,
];

/**
 * A Fastify app whose one route answers `current` through `schema`'s serializer, as the routes
 * did before they wrote their bodies by hand. Call `serialize(value)` for the body it writes;
 * it rejects with the serializer's error when the route answers otherwise than 200.
 */
export function schemaSerializer(schema: unknown): {
  app: FastifyInstance;
  serialize(value: unknown): Promise<string>;
} {
  const app = Fastify({ logger: false });
  let current: unknown;
  app.get('/body', { schema: { response: { 200: schema } } }, async () => current);
  return {
    app,
    async serialize(value) {
      current = value;
      const response = await app.inject({ method: 'GET', url: '/body' });
      if (response.statusCode !== 200) throw new Error(response.json().message);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      return response.body;
    },
  };
}
