// What a batch's writes keep alive while they wait for the database (issue #16): every batch in
// flight is live at each young-generation collection, which copies what it holds, and what
// survives two is promoted to the old generation, whose growth sets how often a full collection
// marks the whole heap. Two figures per write, for batches read as the route reads them
// (src/ingest/routes.ts readBatch) from bodies the process has not seen before:
//   - objects and strings reachable from the writes that are still in the young generation
//     (V8's %InYoungGeneration), by where they sit in the write;
//   - bytes the writes retain (heap used after full collections, with and without them kept).
//
//   node --allow-natives-syntax --expose-gc dist-bench/bench/write-footprint.js [--batches 20]
import { parseArgs } from 'node:util';
import { probeBodies, readProbeBody } from './lib/ingest-workload.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '20' } } });
const batches = Number(values.batches);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --allow-natives-syntax --expose-gc');
const inYoung = new Function('value', 'return %InYoungGeneration(value)') as (value: unknown) => boolean;

// Warm-up batches, then as many again, each read once: nothing a measured batch holds was made
// before it (a warm-up's strings would be old already).
const bodies = probeBodies(2 * batches * 1000);
const received = new Date();

const read = (body: Buffer): unknown[] => readProbeBody(body, received).writes;

for (const body of bodies.slice(0, batches - 1)) read(body);
gc();
gc();

// Young objects and strings: one fresh batch, walked before any collection runs.
const writes = read(bodies[batches - 1]!);
const seen = new Set<object>();
const byPlace = new Map<string, number>();
let young = 0;
function walk(value: unknown, place: string): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'string')) return;
  if (typeof value === 'object') {
    if (seen.has(value)) return;
    seen.add(value);
  }
  if (inYoung(value)) {
    young += 1;
    byPlace.set(place, (byPlace.get(place) ?? 0) + 1);
  }
  if (typeof value === 'object') {
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], `${place}.${key}`);
  }
}
for (const write of writes) walk(write, 'write');

// Bytes retained: the rest of the fresh batches kept at once.
gc();
gc();
const before = process.memoryUsage().heapUsed;
const kept = bodies.slice(batches).map(read);
gc();
gc();
const after = process.memoryUsage().heapUsed;
const keptWrites = kept.reduce((sum, batch) => sum + batch.length, 0);

console.log(
  `${writes.length} writes: ${(young / writes.length).toFixed(1)} young objects and strings per write; ` +
    `${keptWrites} writes retain ${Math.round((after - before) / keptWrites)} B each`,
);
for (const [place, count] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`  ${(count / writes.length).toFixed(2)}  ${place}`);
}
