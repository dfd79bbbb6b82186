// Cursors carry their position exactly: a number up to 2^53 (the bytes cursors always had, so a
// deployment does not break the pagination in flight), decimal text past it.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { type CursorQuery, decodeCursor, encodeCursor } from '../../src/ledger/activity/cursor.js';
import { hmacSha256 } from '../../src/secrets/hmac.js';

const key = randomBytes(32);
const query: CursorQuery = {
  route: ['org', 'o'],
  filters: { action: 'read' },
  start: null,
  end: 253_402_300_800_000_000,
};

it.each([
  0n,
  1_781_525_000_123_456n,
  253_402_300_799_994_001n,
  253_402_300_799_999_999n,
  -62_135_596_799_999_999n,
])('keeps the position %s exactly', (timestamp) => {
  const state = { snapshotEnd: 253402300800000000, total: 7, after: { timestamp, id: 'x' } };
  expect(decodeCursor(key, query, encodeCursor(key, query, state))).toEqual(state);
});

it('decodes a cursor as cursors were always made (a number)', () => {
  const body = Buffer.from(
    JSON.stringify({ v: 1, e: 1_781_525_000_000_000, n: 3, t: 1_781_524_000_000_123, i: 'x' }),
  ).toString('base64url');
  // The query the signature binds, written as src/ledger/activity/cursor.ts writes it.
  const bound = JSON.stringify([query.route, [['action', 'read']], query.start, query.end]);
  const cursor = `${body}.${hmacSha256(key, `${body}.${bound}`).toString('base64url')}`;
  expect(decodeCursor(key, query, cursor)).toEqual({
    snapshotEnd: 1_781_525_000_000_000,
    total: 3,
    after: { timestamp: 1_781_524_000_000_123n, id: 'x' },
  });
});

it.each([
  ['a position that is not an integer', 1.5],
  ['a position in words', 'soon'],
  ['a position past what timestamptz holds', '12345678901234567890123'],
])('refuses %s', (_name, t) => {
  const body = Buffer.from(JSON.stringify({ v: 1, e: 0, n: 0, t, i: 'x' })).toString('base64url');
  const bound = JSON.stringify([query.route, [['action', 'read']], query.start, query.end]);
  const cursor = `${body}.${hmacSha256(key, `${body}.${bound}`).toString('base64url')}`;
  expect(decodeCursor(key, query, cursor)).toBeNull();
});

it.each([
  [1_781_525_000_123_456n, 'number'],
  [253_402_300_799_994_001n, 'string'],
])('writes the position %s as a %s', (timestamp, type) => {
  const cursor = encodeCursor(key, query, { snapshotEnd: 0, total: 0, after: { timestamp, id: 'x' } });
  const payload = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8'));
  expect(typeof payload.t).toBe(type);
});
