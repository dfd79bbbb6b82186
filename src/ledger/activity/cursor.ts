// Pagination cursors: opaque, tamper-evident, and bound to the query that made them. A cursor
// carries the query's identity (route, path ids, filters, the window as sent), the snapshot it
// belongs to (the window end fixed by the first page, the total counted then) and the position
// (timestamp in microseconds and id of the last record served). It is signed with HMAC-SHA256 under
// the deployment's cursor key; anything altered, or reused with another query, is rejected.
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../../secrets/hmac.js';
import type { Micros } from './time.js';

export interface CursorQuery {
  /** The route and its path ids, e.g. ['workspace', orgId, workspaceId]. */
  route: string[];
  /** The filters as sent, normalised (absent filters omitted). */
  filters: Record<string, string | number | boolean>;
  /** start_time and end_time as sent (null when absent). */
  start: Micros | null;
  end: Micros | null;
}

export interface CursorState {
  /** The window end every page of the chain uses. */
  snapshotEnd: Micros;
  total: number;
  /** The last record served: its instant exactly (a bigint: past 2255 a number is not exact). */
  after: { timestamp: bigint; id: string };
}

interface Payload {
  v: 1;
  q: string;
  e: Micros;
  n: number;
  /** The position's microseconds: a number up to 2^53, decimal text past it. */
  t: string | number;
  i: string;
}

const VERSION = 1;

const exactNumber = (value: bigint): number | string =>
  value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : String(value);

/** An integer count of microseconds within what timestamptz holds (not necessarily below 2^53). */
const isMicros = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e19;

function canonical(query: CursorQuery): string {
  const filters = Object.keys(query.filters)
    .sort()
    .map((key) => [key, query.filters[key]]);
  return JSON.stringify([query.route, filters, query.start, query.end]);
}

function sign(key: Buffer, body: string): Buffer {
  return hmacSha256(key, body);
}

export function encodeCursor(key: Buffer, query: CursorQuery, state: CursorState): string {
  const payload: Payload = {
    v: VERSION,
    q: canonical(query),
    e: state.snapshotEnd,
    n: state.total,
    // A number while it is one exactly (the cursors' bytes as they always were), text past 2^53.
    t: exactNumber(state.after.timestamp),
    i: state.after.id,
  };
  // The query itself is not carried, only bound: the signature covers it, so a cursor replayed
  // with any other query fails verification exactly like a forged one.
  const body = Buffer.from(JSON.stringify({ ...payload, q: undefined })).toString('base64url');
  const mac = sign(key, `${body}.${payload.q}`).toString('base64url');
  return `${body}.${mac}`;
}

/** The cursor's state, or null when it is malformed, forged, altered or from another query. */
export function decodeCursor(key: Buffer, query: CursorQuery, cursor: string): CursorState | null {
  const dot = cursor.indexOf('.');
  if (dot <= 0 || dot !== cursor.lastIndexOf('.')) return null;
  const body = cursor.slice(0, dot);
  const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = sign(key, `${body}.${canonical(query)}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: Partial<Payload>;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const { v, e, n, t, i } = payload;
  // The window end is the request's own, a number: past 2^53 not exact, but the same number on
  // every page of the chain, so the same bound (src/ledger/activity/time.ts).
  if (v !== VERSION || !isMicros(e) || !Number.isSafeInteger(n) || typeof i !== 'string') return null;
  const position =
    typeof t === 'string' && /^-?\d{1,19}$/.test(t) ? BigInt(t) : isMicros(t) ? BigInt(t) : null;
  if (position === null) return null;
  return { snapshotEnd: e!, total: n!, after: { timestamp: position, id: i } };
}
