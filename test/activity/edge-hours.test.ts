// Partial edge hours read from their smaller side (aggregate.ts): an edge that fills most of its
// hour is the hour's rollup minus the rest of the hour's records. Checked against the records
// themselves over random windows, with records on both sides of every edge.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NewActivity } from '../../src/db/schema.js';
import { aggregate } from '../../src/ledger/activity/aggregate.js';
import { insertActivities } from '../../src/ledger/activity/insert.js';
import { MICROS_PER_HOUR } from '../../src/ledger/activity/time.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const BASE_MS = Date.parse('2025-03-10T08:00:00Z');
const ACTIONS = ['read', 'create', 'delete'];
let t: TestApp;
let orgId: string;
const records: {
  at: number;
  action: string;
  success: boolean;
  duration: number;
  workspace: string | null;
}[] = [];

beforeAll(async () => {
  t = await buildTestApp();
  const f = new Factory(t);
  orgId = (await f.org()).id;
  // Four hours of records every ~7 minutes, alternating workspaces (org and workspace scopes).
  const rows: NewActivity[] = [];
  for (let i = 0; i < 40; i += 1) {
    const at = BASE_MS + i * 7 * 60_000 + (i % 3) * 1_000;
    const record = {
      at,
      action: ACTIONS[i % 3]!,
      success: i % 4 !== 0,
      duration: 10 + i,
      workspace: i % 2 === 0 ? 'ws-edge' : null,
    };
    records.push(record);
    rows.push({
      org_id: orgId,
      id: `edge-${i}`,
      timestamp: new Date(at),
      workspace_id: record.workspace,
      action: record.action,
      resource_type: 'endpoint',
      success: record.success,
      duration_ms: record.duration,
      tokens_total: i,
    } as NewActivity);
  }
  await insertActivities(t.db, rows);
});
afterAll(() => t.close());

it('counts any window exactly, whichever side of an edge hour it reads', async () => {
  const minute = 60_000_000; // µs
  const base = BASE_MS * 1000;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 5 * 60 }),
      fc.integer({ min: 1, max: 5 * 60 }),
      fc.boolean(),
      async (startMinute, length, inWorkspace) => {
        const start = base - MICROS_PER_HOUR / 2 + startMinute * minute + 17;
        const end = start + length * minute;
        const filter = inWorkspace ? { workspaceId: 'ws-edge' } : {};
        const buckets = await aggregate(t.db, orgId, filter, { start, end });
        const inWindow = records.filter(
          (r) => r.at * 1000 >= start && r.at * 1000 < end && (!inWorkspace || r.workspace === 'ws-edge'),
        );
        const requests = buckets.reduce((sum, b) => sum + b.requests, 0);
        expect(requests).toBe(inWindow.length);
        for (const action of ACTIONS) {
          for (const success of [true, false]) {
            const expected = inWindow.filter((r) => r.action === action && r.success === success);
            const bucket = buckets.find((b) => b.action === action && b.success === success);
            expect(bucket?.requests ?? 0).toBe(expected.length);
            expect(bucket?.durationSum ?? 0).toBeCloseTo(
              expected.reduce((sum, r) => sum + r.duration, 0),
              6,
            );
          }
        }
        // A bucket fully taken away is absent, never a zero row.
        expect(buckets.every((b) => b.requests > 0)).toBe(true);
      },
    ),
    { numRuns: 60 },
  );
});

it('counts a live window (ending now) exactly, with records earlier in the hour and after now', async () => {
  const now = Date.now();
  const rows: NewActivity[] = [-40 * 60_000, -3 * 60_000, -1_000, 2_000, 20 * 60_000].map(
    (offset, i) =>
      ({
        org_id: orgId,
        id: `live-${i}`,
        timestamp: new Date(now + offset),
        workspace_id: null,
        action: 'read',
        resource_type: 'endpoint',
        success: true,
        duration_ms: 5,
        tokens_total: 0,
      }) as NewActivity,
  );
  await insertActivities(t.db, rows);
  const end = now * 1000;
  for (const start of [end - 2 * MICROS_PER_HOUR, end - 50 * 60_000_000, end - 10 * 60_000_000]) {
    // Only these records are reads of endpoints: the org's own self-recorded requests are not.
    const buckets = (await aggregate(t.db, orgId, {}, { start, end })).filter(
      (b) => b.action === 'read' && b.resourceType === 'endpoint',
    );
    const expected = [
      ...records.map((r) => r.at),
      ...rows.map((r) => (r.timestamp as Date).getTime()),
    ].filter((at) => at * 1000 >= start && at * 1000 < end).length;
    expect(buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(expected);
  }
});
