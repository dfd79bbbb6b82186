// The activity page is written by hand (src/surfaces/activity/page-json.ts) instead of by the
// response schema's serializer. This holds the two side by side: a Fastify route with the very
// response schema serializes the page as the routes did before, and the bytes must be equal, over
// generated hostile values of every field's class (escapes, lone surrogates, keys like __proto__,
// numbers past 2^53, -0, infinities, nulls, empty pages).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRandom } from '../../src/demo/random.js';
import {
  type ListedActivity,
  type ListingPage,
  SHOWN_ACTIVITY_COLUMNS,
} from '../../src/ledger/activity/listing.js';
import { pageJson } from '../../src/surfaces/activity/page-json.js';
import { ActivityList, ActivityRecord } from '../../src/surfaces/activity/schemas.js';
import {
  HOSTILE_INSTANTS as INSTANTS,
  HOSTILE_NUMBERS as NUMBERS,
  HOSTILE_OBJECTS as OBJECTS,
  HOSTILE_STRINGS as STRINGS,
  schemaSerializer,
} from '../helpers/hostile-json.js';

const { app, serialize } = schemaSerializer(ActivityList);
beforeAll(() => app.ready());
afterAll(() => app.close());

/** What the schema serializer writes for a page (the rows rendered as before: an ISO timestamp). */
function bySchema(page: ListingPage): Promise<string> {
  return serialize({
    total: page.total,
    has_more: page.hasMore,
    next_cursor: page.nextCursor,
    activities: page.activities.map((row) => ({
      ...row,
      timestamp: new Date(row.timestamp).toISOString(),
    })),
  });
}

function page(random: () => number, size: number): ListingPage {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const maybe = <T>(value: T) => (random() < 0.3 ? null : value);
  const values: Record<string, () => unknown> = {
    id: () => pick(STRINGS),
    timestamp: () => Math.floor(pick(INSTANTS) / 1000),
    status_code: () => maybe(pick([200, 404, 500, 0, 2_147_483_647])),
    success: () => random() < 0.5,
    duration_ms: () => maybe(pick(NUMBERS)),
    stages_completed: () => maybe(pick([0, 3, 2_147_483_647])),
    total_stages: () => maybe(pick([0, 5, -1])),
    token_usage: () => pick(OBJECTS),
    metadata: () => pick(OBJECTS) ?? {},
  };
  const activities: ListedActivity[] = [];
  for (let i = 0; i < size; i += 1) {
    // Keys in the page statement's order, as the driver makes them.
    const row: Record<string, unknown> = {};
    for (const column of SHOWN_ACTIVITY_COLUMNS)
      row[column] = (values[column] ?? (() => maybe(pick(STRINGS))))();
    row.timestamp_us = (row.timestamp as number) * 1000 + Math.floor(random() * 1000);
    activities.push(row as unknown as ListedActivity);
  }
  return {
    total: pick([0, size, 2 ** 53 - 1]),
    hasMore: random() < 0.5,
    nextCursor: random() < 0.5 ? null : pick(STRINGS),
    activities,
  };
}

it('selects the columns in the order the seed shows them', () => {
  expect([...SHOWN_ACTIVITY_COLUMNS]).toEqual(Object.keys(ActivityRecord.properties));
});

it('writes every page byte for byte as the response schema would', async () => {
  const random = createRandom(7);
  for (let round = 0; round < 300; round += 1) {
    const sample = page(random, round % 10 === 0 ? 0 : 1 + Math.floor(random() * 50));
    const expected = await bySchema(structuredClone(sample));
    expect(pageJson(sample)).toBe(expected);
  }
});

it.each([
  ['duration_ms', Number.NaN],
  ['duration_ms', Number.POSITIVE_INFINITY],
  ['duration_ms', Number.NEGATIVE_INFINITY],
] as const)('refuses %s = %s as the schema serializer does, never writing a wrong body', async (name, value) => {
  const sample = page(createRandom(1), 1);
  (sample.activities[0] as unknown as Record<string, unknown>)[name] = value;
  await expect(bySchema(structuredClone(sample))).rejects.toThrow('does not match schema definition');
  expect(() => pageJson(sample)).toThrow('does not match the schema definition');
});
