// The insights series body is written by hand (seriesJson, src/surfaces/insights/series.ts) instead
// of by the response schema's serializer. This holds the two side by side over generated hostile
// values (names that need escapes, numbers past 2^53, -0, infinities, nulls, empty series): the
// bytes must be equal, and what the schema serializer refused (a NaN) is refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRandom } from '../../src/demo/random.js';
import { Series } from '../../src/surfaces/insights/schemas.js';
import { seriesJson } from '../../src/surfaces/insights/series.js';
import { HOSTILE_NUMBERS, HOSTILE_STRINGS, schemaSerializer } from '../helpers/hostile-json.js';

const { app, serialize } = schemaSerializer(Series);
beforeAll(() => app.ready());
afterAll(() => app.close());

const VALUES = [...HOSTILE_NUMBERS, null, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function sample(random: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const buckets = Array.from({ length: Math.floor(random() * 30) }, () => pick(HOSTILE_STRINGS));
  const series = Array.from({ length: Math.floor(random() * 4) }, () => ({
    key: random() < 0.3 ? null : pick(HOSTILE_STRINGS),
    label: random() < 0.3 ? null : pick(HOSTILE_STRINGS),
    values: buckets.map(() => pick(VALUES)),
    total: pick(VALUES),
  }));
  return {
    metric: pick(HOSTILE_STRINGS),
    bucket: pick(HOSTILE_STRINGS),
    start_time: pick(HOSTILE_STRINGS),
    end_time: pick(HOSTILE_STRINGS),
    buckets,
    series,
    total: pick(VALUES),
  };
}

it('writes every series byte for byte as the response schema would', async () => {
  const random = createRandom(13);
  for (let round = 0; round < 300; round += 1) {
    const body = sample(random);
    const expected = await serialize(structuredClone(body));
    expect(seriesJson(body)).toBe(expected);
  }
});

it.each([
  ['a value', (body: ReturnType<typeof sample>) => body.series[0]!.values.push(Number.NaN)],
  [
    'a line total',
    (body: ReturnType<typeof sample>) => {
      body.series[0]!.total = Number.NaN;
    },
  ],
  [
    'the total',
    (body: ReturnType<typeof sample>) => {
      body.total = Number.NaN;
    },
  ],
])('refuses a NaN in %s as the schema serializer does', async (_where, spoil) => {
  const body = sample(createRandom(2));
  body.series.push({ key: 'k', label: 'l', values: [], total: 1 });
  body.series.unshift({ key: 'k', label: 'l', values: [], total: 1 });
  spoil(body);
  await expect(serialize(structuredClone(body))).rejects.toThrow();
  expect(() => seriesJson(body)).toThrow('does not match the schema definition');
});
