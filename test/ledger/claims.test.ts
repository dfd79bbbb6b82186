// The dedup claims (src/ledger/write/claims.ts): claimKeys answers one flag per key, in the order
// the keys were given, though it claims them in sorted order and PostgreSQL answers in that order.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimKeys } from '../../src/ledger/write/claims.js';
import type { WriteKey } from '../../src/ledger/write/types.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let orgId: string;
beforeAll(async () => {
  t = await buildTestApp();
  orgId = (await new Factory(t).org()).id;
});
afterAll(() => t.close());

const claimedIn = async (org: string): Promise<string[]> =>
  (
    await sql<{ key: string }>`
      SELECT source || ' ' || event_id AS key FROM ingested_events WHERE org_id = ${org}`.execute(t.db)
  ).rows
    .map((row) => row.key)
    .sort();

// Names of every class a sender may use, short ones so that keys collide across runs.
const part = fc.oneof(
  fc.constantFrom('a', 'b', 'B', 'é', 'z', '0', '{', '"', ',', '\\', 'NULL', '__proto__', '日本'),
  fc.string({ minLength: 1, maxLength: 3 }),
);

it('answers, per key in the order given, whether it was new; claims each key once', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.tuple(part, part), {
        minLength: 1,
        maxLength: 40,
        selector: ([s, e]) => `${s} ${e}`,
      }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      async (pairs, claimFirst) => {
        const org = `${orgId}-${run++}`;
        await t.db.insertInto('orgs').values({ id: org, name: org }).execute();
        const keys: WriteKey[] = pairs.map(([source, eventId]) => ({ source, eventId }));
        const before = keys.filter((_, index) => claimFirst[index]);
        expect(await claimKeys(t.db, org, before)).toEqual(before.map(() => true));

        expect(await claimKeys(t.db, org, keys)).toEqual(keys.map((_, index) => !claimFirst[index]));
        expect(await claimedIn(org)).toEqual(keys.map((k) => `${k.source} ${k.eventId}`).sort());
        expect(await claimKeys(t.db, org, [...keys].reverse())).toEqual(keys.map(() => false));
        // Claims are the org's own: another org claims the same keys as new.
        const other = `${org}-other`;
        await t.db.insertInto('orgs').values({ id: other, name: other }).execute();
        expect(await claimKeys(t.db, other, keys)).toEqual(keys.map(() => true));
      },
    ),
    { numRuns: 25 },
  );
});

it('answers nothing for no keys', async () => {
  expect(await claimKeys(t.db, orgId, [])).toEqual([]);
});
