// parseRfc3339 reads an event's instants by hand (src/instants.ts: no regular expression, no Date
// per field check). It must answer exactly what the pattern-and-Date reading it replaced answered:
// the same milliseconds for every instant, and the same error (`format` before `range`) for every
// string that is not one. That reading is kept here as the reference, and both are asked of
// generated strings: every field at and past its bounds, fractions of 0 to 10 digits, every
// separator and zone form, offsets to ±24:00, leap days, years 0000 and 9999, truncations, stray
// characters and non-ASCII digits.
import { expect, it } from 'vitest';
import { createRandom, Dice } from '../../src/demo/random.js';
import { END_OF_INSTANTS_MS, MIN_INSTANT_MS, parseRfc3339 } from '../../src/instants.js';

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The reading before: the pattern, then the fields checked and counted by a Date. */
function reference(value: string): number | 'format' | 'range' {
  const match = PATTERN.exec(value);
  if (!match) return 'format';
  const [, y, mo, d, h, mi, s, fraction = '', , sign, oh = '0', om = '0'] = match;
  if (Number(om) > 59) return 'format';
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  if (month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59) return 'format';
  if (Math.abs(offset) >= 24 * 60) return 'format';
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day);
  if (date.getUTCMonth() !== month! - 1) return 'format';
  date.setUTCHours(hour!, minute!, second!, 0);
  const ms = date.getTime() - offset * 60_000;
  if (!(ms >= MIN_INSTANT_MS && ms < END_OF_INSTANTS_MS)) return 'range';
  return ms + Number(fraction.slice(0, 3).padEnd(3, '0'));
}

function answer(value: string): number | 'format' | 'range' {
  const parsed = parseRfc3339(value);
  return 'date' in parsed ? parsed.date.getTime() : parsed.error;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

it.each([
  ['2025-01-15T10:30:00Z', Date.UTC(2025, 0, 15, 10, 30)],
  ['2025-01-15t10:30:00.1z', Date.UTC(2025, 0, 15, 10, 30, 0, 100)],
  ['2025-01-15 10:30:00.123456789+02:00', Date.UTC(2025, 0, 15, 8, 30, 0, 123)],
  ['2024-02-29T23:59:59.999-23:59', Date.UTC(2024, 2, 1, 23, 58, 59, 999)],
  ['0001-01-01T00:00:00Z', MIN_INSTANT_MS],
  ['9999-12-31T23:59:59.999Z', END_OF_INSTANTS_MS - 1],
  ['0001-01-01T00:00:00+00:01', 'range'],
  ['9999-12-31T23:59:59-00:01', 'range'],
  ['0000-06-01T00:00:00Z', 'range'],
  ['2025-02-29T00:00:00Z', 'format'],
  ['1900-02-29T00:00:00Z', 'format'],
  ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
  ['2025-01-15T24:00:00Z', 'format'],
  ['2025-06-30T23:59:60Z', 'format'],
  ['2025-01-15T10:30:00+24:00', 'format'],
  ['2025-01-15T10:30:00+01:60', 'format'],
  ['2025-01-15T10:30:00.Z', 'format'],
  ['2025-01-15T10:30:00.1234567890Z', 'format'],
  ['2025-01-15T10:30:00', 'format'],
  ['2025-01-15T10:30:00Z\n', 'format'],
  ['2025-01-15T10:30:00+0100', 'format'],
  ['2025-01-15', 'format'],
  ['', 'format'],
  ['２０２５-01-15T10:30:00Z', 'format'],
  ['2025-01-1５T10:30:00Z', 'format'],
])('reads %s', (value, expected) => {
  expect(answer(value)).toBe(expected);
  expect(reference(value)).toBe(expected);
});

it('answers as the pattern-and-Date reading for 200,000 generated strings', () => {
  // Seeded (src/demo/random.ts), so a failure names a reproducible string.
  const dice = new Dice(createRandom(16));
  const next = dice.next;
  const pick = <T>(values: readonly T[]): T => dice.pick(values);
  const near = (low: number, high: number) =>
    pick([low, high, low - 1, high + 1, low + Math.floor(next() * (high - low + 1))]);
  const mutations: ((value: string) => string)[] = [
    (value) => value,
    (value) => value.slice(0, Math.floor(next() * value.length)),
    (value) => {
      const at = Math.floor(next() * value.length);
      return (
        value.slice(0, at) +
        pick(['a', '-', ':', '.', ' ', '٣', '0', '+', 'Z', '\u0000']) +
        value.slice(at + 1)
      );
    },
    (value) => `${value}${pick(['Z', '0', ' ', ':00'])}`,
  ];
  let checked = 0;
  for (let i = 0; i < 200_000; i += 1) {
    const year = pick([
      0,
      1,
      2,
      99,
      100,
      400,
      1582,
      1900,
      1970,
      2000,
      2024,
      2025,
      2100,
      9998,
      9999,
      Math.floor(next() * 10_000),
    ]);
    const fraction = pick([
      '',
      '.',
      `.${'1234567890'.slice(0, 1 + Math.floor(next() * 10))}`,
      '.000',
      '.999999999',
    ]);
    const zone = pick([
      'Z',
      'z',
      '',
      `${pick(['+', '-'])}${pad(near(0, 23), 2)}:${pad(near(0, 59), 2)}`,
      '+24:00',
      '-00:00',
    ]);
    const value =
      `${pad(year, 4)}-${pad(near(1, 12), 2)}-${pad(near(1, 31), 2)}${pick(['T', 't', ' ', 'x'])}` +
      `${pad(near(0, 23), 2)}:${pad(near(0, 59), 2)}:${pad(near(0, 59), 2)}${fraction}${zone}`;
    const mutated = pick(mutations)(value);
    const expected = reference(mutated);
    if (answer(mutated) !== expected)
      expect({ value: mutated, answer: answer(mutated) }).toEqual({ value: mutated, answer: expected });
    checked += 1;
  }
  expect(checked).toBe(200_000);
});
