// splitWindow partitions [start, end) exactly: whole UTC days and hours for the rollups, partial
// hours for the records, with no overlap and no gap (checked over random windows).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY, MICROS_PER_HOUR, splitWindow } from '../../src/ledger/activity/time.js';

const BASE = Date.parse('2025-01-01T00:00:00Z') * 1000;

describe('splitWindow', () => {
  it('partitions any window into aligned days, hours and sub-hour edges', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 40 * MICROS_PER_DAY })),
        fc.integer({ min: 0, max: 40 * MICROS_PER_DAY }),
        (startOffset, endOffset) => {
          const start = startOffset === null ? null : BASE + startOffset;
          const end = BASE + endOffset;
          const split = splitWindow(start, end);
          const ranges = [
            ...(split.days ? [{ ...split.days, unit: MICROS_PER_DAY }] : []),
            ...split.hours.map((r) => ({ ...r, unit: MICROS_PER_HOUR })),
            ...split.edges.map((r) => ({ ...r, unit: 0 })),
          ];
          for (const range of ranges) {
            expect(range.from === null || range.from < range.to).toBe(true);
            if (range.unit > 0) {
              expect(range.to % range.unit).toBe(0);
              if (range.from !== null) expect(range.from % range.unit).toBe(0);
            } else {
              expect(range.from).not.toBeNull();
            }
          }
          // The records read directly never span more than two (partial) hours.
          const direct = split.edges.reduce((sum, r) => sum + (r.to - (r.from ?? r.to)), 0);
          expect(direct).toBeLessThan(2 * MICROS_PER_HOUR);
          // Sorted by lower bound, the ranges tile [start, end) exactly.
          const sorted = ranges.sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity));
          if (start !== null && start >= end) {
            expect(sorted).toEqual([]);
            return;
          }
          expect(sorted[0]?.from ?? null).toBe(start);
          for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).toBe(sorted[i - 1]!.to);
          expect(sorted.at(-1)?.to ?? end).toBe(end);
          expect(sorted.filter((r) => r.from === null).length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('uses at most two partial hours and 46 whole hours', () => {
    const split = splitWindow(BASE + 90 * 60_000_000 + 1, BASE + 30 * MICROS_PER_DAY - 1);
    expect(split.edges).toHaveLength(2);
    expect(split.hours.length).toBe(2);
    expect(split.days).toEqual({ from: BASE + MICROS_PER_DAY, to: BASE + 29 * MICROS_PER_DAY });
  });
});
