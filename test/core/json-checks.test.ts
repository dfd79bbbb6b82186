// The one-walk check ingestion runs on every event must agree exactly with the three path-finding
// checks the input guards use (depth first, then NUL, then lone surrogates).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { tooDeepPath, unstorableJson } from '../../src/json-depth.js';
import { loneSurrogatePath, nulPath } from '../../src/nul.js';

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
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

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
  expect(unstorableJson({ a: ['ok', { b: 'fine' }] }, 64)).toBeNull();
});
