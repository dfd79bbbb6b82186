// UUIDv7 event ids (RFC 9562): time-ordered, so the service's dedup index stays append-mostly,
// and random enough that two senders never collide. Web Crypto only: it runs in browsers too.
// Minted on every recorded request, so it is kept cheap: random bytes are drawn from the CSPRNG
// in blocks, and bytes become hex through a table.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_IDS = 256;
const pool = new Uint8Array(POOL_IDS * 10);
let poolAt = POOL_IDS * 10;

let lastMs = 0;
let sequence = 0;

export function uuidv7(): string {
  if (poolAt === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 10;
  let ms = Date.now();
  // Ids minted in the same millisecond (or after a clock step back) stay in order: 12 bits of
  // counter in rand_a, as RFC 9562 §6.2 method 1 allows.
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const high = Math.floor(ms / 2 ** 16);
  const h = (b: number) => HEX[b & 0xff]!;
  return (
    h(high >>> 24) +
    h(high >>> 16) +
    h(high >>> 8) +
    h(high) +
    '-' +
    h(ms >>> 8) +
    h(ms) +
    '-' +
    h(0x70 | ((sequence >>> 8) & 0x0f)) +
    h(sequence) +
    '-' +
    h(0x80 | (pool[r]! & 0x3f)) +
    h(pool[r + 1]!) +
    '-' +
    h(pool[r + 2]!) +
    h(pool[r + 3]!) +
    h(pool[r + 4]!) +
    h(pool[r + 5]!) +
    h(pool[r + 6]!) +
    h(pool[r + 7]!)
  );
}
