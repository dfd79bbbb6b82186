// A batch body parsed element by element (src/ingest/array-elements.ts) must answer exactly what
// JSON.parse of the whole text answers, or nothing (the route then parses the whole text): never
// a different value, never a value for text JSON.parse refuses. And it must take every
// well-formed array it is given, or the batch path would silently fall back to the costly form.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { elementBounds, parseArrayElements } from '../../src/ingest/array-elements.js';
import { jsonValue } from '../helpers/hostile-json.js';

// Strings that stress the scan: quotes, backslash runs before quotes, brackets and commas inside
// strings, escapes, non-ASCII and astral characters, lone surrogates, controls.
const hostileString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '"',
    '\\',
    '\\"',
    '\\\\',
    '\\\\"',
    '"],[{',
    '}]',
    ',',
    'a,b',
    '\u0000',
    '\ud800',
    '\ud83d\ude00',
    'é',
    '\u2028',
    '',
    '__proto__',
    'constructor',
  ),
);
// Strings around the length the scan reads byte by byte before it hands over to memchr (64 bytes,
// closingQuote): quotes and backslash runs, as JSON.stringify escapes them, at every offset there.
const longString = fc
  .tuple(
    fc.integer({ min: 55, max: 140 }),
    fc.constantFrom('"', '\\', '\\"', '\\\\', '\\\\"', 'é', '\u0001', '"]'),
    fc.nat({ max: 8 }),
  )
  .map(([before, middle, after]) => `${'x'.repeat(before)}${middle}${'y'.repeat(after)}`);
const json = jsonValue(fc.oneof(hostileString, longString), fc.oneof(fc.integer(), fc.double()));

/** JSON whitespace (and one thing that is not: a no-break space). */
const space = fc.stringMatching(/^[ \t\n\r]{0,3}$/);

/** An array's text with whitespace anywhere JSON allows it between tokens. */
const arrayText = fc
  .tuple(fc.array(fc.tuple(json, space, space), { maxLength: 6 }), space, space, space)
  .map(([elements, before, inner, after]) =>
    elements.length === 0
      ? `${before}[${inner}]${after}`
      : `${before}[${elements.map(([value, a, b]) => `${a}${JSON.stringify(value, null, a.length > 1 ? 1 : 0)}${b}`).join(',')}]${after}`,
  );

/** What the whole-text parse answers: the value, or that it throws. */
function whole(text: string): { value: unknown } | 'throws' {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return 'throws';
  }
}

/**
 * The same JSON value: own keys in the same order (`__proto__` and `constructor` too, which
 * deep-equality helpers treat as the object's prototype and class), numbers by Object.is (-0).
 */
function same(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Reflect.ownKeys(a);
  const others = Reflect.ownKeys(b);
  return (
    keys.length === others.length &&
    keys.every(
      (key, index) =>
        key === others[index] &&
        same((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key]),
    )
  );
}

function expectSame(actual: unknown, expected: unknown): void {
  expect(same(actual, expected), JSON.stringify(actual)).toBe(true);
}

function agrees(bytes: Buffer, maxElements = 5000): void {
  const elements = parseArrayElements(bytes, maxElements);
  const answer = whole(bytes.toString('utf8'));
  if (elements === null) {
    // Nothing to compare: the caller parses the whole text. But a well-formed array within the
    // limit must take the fast path.
    if (answer !== 'throws' && Array.isArray(answer.value) && answer.value.length <= maxElements) {
      expect.fail(`a well-formed array fell back: ${bytes.toString('utf8').slice(0, 200)}`);
    }
    return;
  }
  expect(answer).not.toBe('throws');
  expectSame(elements, (answer as { value: unknown }).value);
}

it('parses every well-formed array exactly as JSON.parse does', () => {
  fc.assert(
    fc.property(arrayText, (text) => agrees(Buffer.from(text, 'utf8'))),
    { numRuns: 3000 },
  );
});

it('answers nothing, or what JSON.parse answers, for broken and truncated arrays', () => {
  // Every cut of a valid text, with a byte changed, dropped or repeated at every position.
  const mutated = fc
    .tuple(
      arrayText,
      fc.nat(),
      fc.constantFrom('cut', 'drop', 'double', 'replace'),
      fc.constantFrom(...'[]{},"\\:0 aé\u0000'.split('')),
    )
    .map(([text, position, how, byte]) => {
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.length === 0 ? 0 : position % bytes.length;
      const insert = Buffer.from(byte, 'utf8');
      const changed: Record<typeof how, () => Buffer> = {
        cut: () => bytes.subarray(0, at),
        drop: () => Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]),
        double: () => Buffer.concat([bytes.subarray(0, at + 1), bytes.subarray(at)]),
        replace: () => Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + 1)]),
      };
      return changed[how]();
    });
  fc.assert(
    fc.property(mutated, (bytes) => agrees(bytes)),
    { numRuns: 5000 },
  );
});

it.each([
  ['[]', []],
  [' [ ] ', []],
  ['[1]', [1]],
  ['[1,2]', [1, 2]],
  [
    '\r\n\t[ {"a":"],[","b":[1,{"c":"\\\\"}]} ,\n"\\\\\\"",null]\n',
    [{ a: '],[', b: [1, { c: '\\' }] }, '\\"', null],
  ],
  ['[{"__proto__":1,"constructor":{}}]', [JSON.parse('{"__proto__":1,"constructor":{}}')]],
])('parses %j', (text, value) => {
  expectSame(parseArrayElements(Buffer.from(text), 10), value);
});

it.each([
  // Not an array, or not only one: the whole-text parse answers these (an object is one event).
  ['{"a":1}'],
  ['"["'],
  ['\ufeff[1]'],
  ['[1]x'],
  ['[1][2]'],
  ['\u00a0[1]'],
  // Broken frames and elements.
  ['['],
  ['[1'],
  ['[1,]'],
  ['[,1]'],
  ['[1,,2]'],
  ['[}'],
  ['[1}'],
  ['[{]}'],
  ['[{"a":[1}]]'],
  ['["a]'],
  ['["a\\"]'],
  ['[1 2]'],
  [''],
  ['   '],
])('answers nothing for %j', (text) => {
  expect(parseArrayElements(Buffer.from(text), 10)).toBeNull();
});

it('answers nothing past the element limit, so the route answers its 413 as before', () => {
  expect(elementBounds(Buffer.from('[1,2,3]'), 3)).toStrictEqual({ bounds: [1, 2, 3, 4, 5, 6], nesting: 0 });
  expect(elementBounds(Buffer.from('[1,2,3]'), 2)).toBeNull();
});

/** The most containers any point of a parsed value lies in, walked (a scalar 0, `[]` 1). */
function nestingOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const inner = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...inner.map(nestingOf));
}

// The route skips the events' depth walk when the scan's nesting is within the limit
// (src/ingest/body.ts): the scan must count exactly what the walk would, brackets inside strings
// and escaped quotes not counted.
it("counts the deepest element's nesting as a walk of the parsed elements does", () => {
  const nested = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      json,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  fc.assert(
    fc.property(fc.array(nested, { maxLength: 5 }), (elements) => {
      const found = elementBounds(Buffer.from(JSON.stringify(elements)), 10);
      expect(found?.nesting).toBe(Math.max(0, ...elements.map(nestingOf)));
    }),
    { numRuns: 1000 },
  );
  const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  expect(elementBounds(Buffer.from(`[${deep(65)},"[[[[",${deep(2)}]`), 10)?.nesting).toBe(65);
  expect(elementBounds(Buffer.from(JSON.stringify(['[{\\', { b: '\\"[' }])), 10)?.nesting).toBe(1);
});
