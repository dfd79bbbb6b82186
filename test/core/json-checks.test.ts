// The one-walk check ingestion runs on every event must agree exactly with the three path-finding
// checks the input guards use (depth first, then NUL, then lone surrogates); its depth-only form
// must agree with it on whatever JSON text without a `\u` escape parses to.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { mayHoldUnstorableStrings, tooDeepPath, unstorableJson } from '../../src/json-depth.js';
import { loneSurrogatePath, nulPath } from '../../src/nul.js';
import { jsonValue } from '../helpers/hostile-json.js';

const reference = (value: unknown, maxDepth: number) =>
  tooDeepPath(value, maxDepth)
    ? 'too_deep'
    : nulPath(value)
      ? 'nul'
      : loneSurrogatePath(value)
        ? 'lone_surrogate'
        : null;

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('a\u0000b', '\ud800', 'x\udfff', '\ud83d\ude00', '', 'plain'),
);
const json = jsonValue(hostileString);

it('agrees with the path checks on any JSON, at any depth limit', () => {
  fc.assert(
    fc.property(json, fc.integer({ min: 1, max: 6 }), (value, maxDepth) => {
      expect(unstorableJson(value, maxDepth)).toBe(reference(value, maxDepth));
    }),
    { numRuns: 2000 },
  );
});

it('stops at the depth limit on input far deeper than the stack', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i += 1) deep = [deep];
  expect(unstorableJson(deep, 64)).toBe('too_deep');
  expect(unstorableJson(deep, 64, false)).toBe('too_deep');
  expect(unstorableJson({ a: ['ok', { b: 'fine' }] }, 64)).toBeNull();
});

it('skips the string checks only where the text cannot hold NUL or a lone surrogate', () => {
  // Values as a client serialises them (JSON.stringify escapes NUL and lone surrogates as \u).
  fc.assert(
    fc.property(json, fc.integer({ min: 1, max: 6 }), (value, maxDepth) => {
      const text = Buffer.from(JSON.stringify(value), 'utf8').toString('utf8');
      const parsed: unknown = JSON.parse(text);
      const full = unstorableJson(parsed, maxDepth);
      if (!mayHoldUnstorableStrings(text)) expect(unstorableJson(parsed, maxDepth, false)).toBe(full);
      if (full === 'nul' || full === 'lone_surrogate') expect(mayHoldUnstorableStrings(text)).toBe(true);
    }),
    { numRuns: 2000 },
  );
  // Raw bytes inside a JSON string, ill-formed UTF-8 and encoded surrogates (ED A0 80) included:
  // decoding never yields a lone surrogate, and JSON refuses a raw NUL.
  const rawByte = fc.integer({ min: 0, max: 255 }).filter((byte) => byte !== 0x22 && byte !== 0x5c);
  const rawBytes = fc.oneof(
    fc.array(rawByte, { maxLength: 24 }),
    fc.constantFrom([0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x9f, 0x98], [0xc0, 0x80], [0x00]),
  );
  fc.assert(
    fc.property(rawBytes, (bytes) => {
      const text = Buffer.concat([Buffer.from('["'), Buffer.from(bytes), Buffer.from('"]')]).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      expect(mayHoldUnstorableStrings(text)).toBe(false);
      expect(unstorableJson(parsed, 4)).toBeNull();
    }),
    { numRuns: 2000 },
  );
  expect(mayHoldUnstorableStrings('["a\\u0000"]')).toBe(true);
  expect(unstorableJson(JSON.parse('["a\\u0000"]'), 4)).toBe('nul');
});
