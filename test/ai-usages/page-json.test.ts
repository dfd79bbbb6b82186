// The AI usages page is written by hand (usagesPageJson, src/surfaces/ai-usages/render.ts) instead
// of by the response schema's serializer. This holds the two side by side over generated hostile
// values of every field's class: the bytes must be equal, and what the schema serializer refused
// (a NaN cost) is refused, never written as a body.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRandom } from '../../src/demo/random.js';
import type { AiUsagePage, AiUsageQuery, ListedAiUsage } from '../../src/ledger/ai-usages/list.js';
import { usagesPageJson } from '../../src/surfaces/ai-usages/render.js';
import { Usage, UsagesResponse } from '../../src/surfaces/ai-usages/schemas.js';
import {
  HOSTILE_INSTANTS,
  HOSTILE_NUMBERS,
  HOSTILE_OBJECTS,
  HOSTILE_STRINGS,
  schemaSerializer,
} from '../helpers/hostile-json.js';

const { app, serialize } = schemaSerializer(UsagesResponse);
beforeAll(() => app.ready());
afterAll(() => app.close());

const dateOf = (micros: number) => new Date(Math.floor(micros / 1000));

/** The page as the route rendered it before, through the schema serializer. */
function bySchema(page: AiUsagePage, query: AiUsageQuery, workspaceId: string): Promise<string> {
  return serialize({
    usages: page.usages.map((usage) => ({
      id: usage.id,
      workspaceId,
      toolType: usage.tool_type,
      status: usage.status,
      cost: usage.cost,
      inputData: usage.input_data,
      responseData: usage.response_data,
      createdAt: usage.created_at.toISOString(),
      completedAt: usage.completed_at === null ? null : usage.completed_at.toISOString(),
    })),
    pagination: {
      total: page.total,
      limit: query.limit,
      offset: query.offset,
      hasMore: query.offset + page.usages.length < page.total,
    },
  });
}

function sample(random: () => number, size: number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const usages: ListedAiUsage[] = [];
  for (let i = 0; i < size; i += 1) {
    usages.push({
      id: pick(HOSTILE_STRINGS),
      tool_type: pick(HOSTILE_STRINGS),
      status: pick(HOSTILE_STRINGS),
      cost: pick([...HOSTILE_NUMBERS, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
      input_data: pick(HOSTILE_OBJECTS) ?? {},
      response_data: pick(HOSTILE_OBJECTS) ?? {},
      created_at: dateOf(pick(HOSTILE_INSTANTS)),
      completed_at: random() < 0.3 ? null : dateOf(pick(HOSTILE_INSTANTS)),
    });
  }
  const query: AiUsageQuery = { limit: pick([1, 50, 100]), offset: pick([0, 10_000, 2_147_483_647]) };
  const page: AiUsagePage = { usages, total: pick([0, size, 2 ** 53 - 1]) };
  return { page, query, workspaceId: pick(HOSTILE_STRINGS) };
}

it('renders the keys the schema names, in its order', () => {
  const { page, query, workspaceId } = sample(createRandom(3), 1);
  const written = JSON.parse(usagesPageJson(page, query, workspaceId));
  expect(Object.keys(written.usages[0])).toEqual(Object.keys(Usage.properties));
});

it('writes every page byte for byte as the response schema would', async () => {
  const random = createRandom(11);
  for (let round = 0; round < 300; round += 1) {
    const { page, query, workspaceId } = sample(random, round % 10 === 0 ? 0 : 1 + Math.floor(random() * 50));
    const expected = await bySchema(structuredClone(page), query, workspaceId);
    expect(usagesPageJson(page, query, workspaceId)).toBe(expected);
  }
});

it('refuses a NaN cost as the schema serializer does, never writing a wrong body', async () => {
  const { page, query, workspaceId } = sample(createRandom(5), 1);
  page.usages[0]!.cost = Number.NaN;
  await expect(bySchema(structuredClone(page), query, workspaceId)).rejects.toThrow(
    'cannot be converted to a number',
  );
  expect(() => usagesPageJson(page, query, workspaceId)).toThrow('does not match the schema definition');
});
