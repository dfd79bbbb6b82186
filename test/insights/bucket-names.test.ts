// bucketNames (src/surfaces/insights/params.ts) formats each UTC day once and appends its hours;
// it must name every bucket exactly as isoOf does, over hourly and daily windows anywhere in the
// range a Date holds (leap days, year ends, year 0 and before, past 9999), and over starts that
// are not whole hours.
import { expect, it } from 'vitest';
import { bucketNames, isoOf } from '../../src/surfaces/insights/params.js';

const HOUR = 3_600_000_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso) * 1000;

const windows: [string, number, number, number][] = [
  ['an hourly month', at('2026-11-05T00:00:00Z'), 720, HOUR],
  ['hours across a leap day and a year end', at('2023-12-30T17:00:00Z'), 24 * 70, HOUR],
  ['hours starting mid-day', at('2026-03-29T13:00:00Z'), 100, HOUR],
  ['days across years', at('2019-12-01T00:00:00Z'), 800, DAY],
  ['days across 1900, 2000 and 2100 (leap by the 400 rule only)', at('1899-12-01T00:00:00Z'), 366 * 202, DAY],
  ['days around year 0', at('0000-01-01T00:00:00Z') - 400 * DAY, 800, DAY],
  ['days into year 10000', at('9999-11-01T00:00:00Z'), 120, DAY],
  ['days starting mid-day', at('2026-02-27T12:00:00Z'), 10, DAY],
  ['hours around year 0', at('0000-12-30T00:00:00Z') - 5 * DAY, 24 * 12, HOUR],
  ['hours past year 9999', at('9999-12-31T20:00:00Z'), 30, HOUR],
  ['the last hours a Date holds', 8.64e18 - 48 * HOUR, 49, HOUR],
  ['the first hours a Date holds', -8.64e18, 30, HOUR],
  ['starts that are not whole hours', at('2026-01-01T00:00:00Z') + 1_500, 50, HOUR],
];

it.each(windows)('names %s as isoOf does', (_name, start, count, step) => {
  const buckets = Array.from({ length: count }, (_, i) => start + i * step);
  expect(bucketNames(buckets)).toEqual(buckets.map(isoOf));
});

it('names nothing for an empty window', () => {
  expect(bucketNames([])).toEqual([]);
});
