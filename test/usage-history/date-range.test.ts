// Usage history dates at and past the ends of years 0001–9999 (src/instants.ts): year 0000 is a
// Laravel 422, and the first and last days are served in any deployment time zone, although
// their days begin or end outside the range in UTC (they were a 500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, usage } from './helpers.js';

// Tokyo's first day begins in the year 0 in UTC, Los Angeles's last day ends in the year 10000.
const ZONES = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles'];
const apps = new Map<string, { t: TestApp; w: Awaited<ReturnType<typeof numericWorld>> }>();

beforeAll(async () => {
  for (const zone of ZONES) {
    const t = await buildTestApp({ TALLY_TIMEZONE: zone });
    apps.set(zone, { t, w: await numericWorld(new Factory(t)) });
  }
});
afterAll(async () => {
  for (const { t } of apps.values()) await t.close();
});

describe('usage history dates at the ends of the range', () => {
  it('refuses year 0000 in Laravel words', async () => {
    const { t, w } = apps.get('UTC')!;
    const response = await usage(t, w.ownerToken.token, w.workspace.id, {
      start_date: '0000-12-31',
      end_date: '0000-02-29',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      message: 'The start date field must be a date after or equal to 0001-01-01. (and 1 more error)',
      errors: {
        start_date: ['The start date field must be a date after or equal to 0001-01-01.'],
        end_date: ['The end date field must be a date after or equal to 0001-01-01.'],
      },
    });
  });

  for (const zone of ZONES) {
    it(`serves the first and the last days in ${zone}, with what was recorded on them`, async () => {
      const { t, w } = apps.get(zone)!;
      const first = numericId();
      const last = numericId();
      const f = new Factory(t);
      await f.ingest(w.serviceToken.token, [
        executionEvent({
          id: first,
          workspaceId: w.workspace.id,
          userId: w.owner.id,
          agent: w.chat,
          createdAt: '0001-01-01T09:00:00.000Z',
        }),
        executionEvent({
          id: last,
          workspaceId: w.workspace.id,
          userId: w.owner.id,
          agent: w.chat,
          createdAt: '9999-12-31T10:00:00.000Z',
        }),
      ]);
      const early = await usage(t, w.ownerToken.token, w.workspace.id, {
        start_date: '0001-01-01',
        end_date: '0001-01-01',
      });
      expect(early.statusCode, early.body).toBe(200);
      expect(early.json().items.map((i: { id: number; created_at: string }) => [i.id, i.created_at])).toEqual(
        [[Number(first), '0001-01-01T09:00:00.000Z']],
      );
      const late = await usage(t, w.ownerToken.token, w.workspace.id, {
        start_date: '9999-12-31',
        end_date: '9999-12-31',
      });
      expect(late.statusCode, late.body).toBe(200);
      expect(late.json().items.map((i: { id: number; created_at: string }) => [i.id, i.created_at])).toEqual([
        [Number(last), '9999-12-31T10:00:00.000Z'],
      ]);
      const century = await usage(t, w.ownerToken.token, w.workspace.id, {
        start_date: '0099-12-01',
        end_date: '0099-12-31',
      });
      expect(century.statusCode, century.body).toBe(200);
      expect(century.json().items).toEqual([]);
    });
  }
});
