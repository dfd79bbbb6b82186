// Identifiers. Platform ids are opaque strings chosen by the platform; ids Tally makes itself are
// time-ordered UUIDs (v7), so they sort by creation and index well.
import { randomFillSync } from 'node:crypto';

/** The shape of every platform-supplied id: 1–128 characters of [A-Za-z0-9._:-]. */
export const PLATFORM_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
const platformId = new RegExp(PLATFORM_ID_PATTERN);

/** What a value that is not a platform id is told, wherever one is read. */
export const NOT_AN_ID = 'must be an id of 1–128 characters of [A-Za-z0-9._:-]';

export function isPlatformId(value: unknown): value is string {
  return typeof value === 'string' && platformId.test(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The canonical (lower-case, hyphenated) form of a hyphenated UUID in any case; null otherwise. */
export function canonicalUuid(value: string): string | null {
  return UUID.test(value) ? value.toLowerCase() : null;
}

let lastMillis = 0;
let sequence = 0;

// Random bytes are drawn from a pool refilled 4 KiB at a time: one system call per 256 ids instead
// of two per id (ids are made for every self-recorded request and every ingested event).
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomSlice(size: number): Buffer {
  if (poolOffset + size > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return slice;
}

/** RFC 9562 UUIDv7: 48-bit Unix milliseconds, then a 12-bit counter for ids made in the same ms. */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMillis) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMillis += 1;
    now = lastMillis;
  } else {
    lastMillis = now;
    sequence = randomSlice(2).readUInt16BE(0) & 0x3ff;
  }
  // Written in place: these pool bytes are this id's alone until the next refill.
  const bytes = randomSlice(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
