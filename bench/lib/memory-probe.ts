// Loaded into the service under test with `node --import` (bench:memory's embedded case): every
// 100 ms it reads process.memoryUsage() and appends one JSON line a second to the file named by
// TALLY_BENCH_MEMORY_PROBE with the largest value of each field over that second. Resident memory
// alone does not say what to cut: the split does (V8's heap, the WebAssembly memory of PGlite and
// other buffers outside the heap). The service itself is not changed.
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.TALLY_BENCH_MEMORY_PROBE;

export interface ProbeLine {
  /** Milliseconds since the epoch at the end of the second. */
  at: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  /** Memory outside V8's heap that V8 knows of: array buffers and the WebAssembly memory. */
  external: number;
  arrayBuffers: number;
  /** V8's young generation (new_space) and old generation (old_space) sizes, as reserved. */
  newSpace: number;
  oldSpace: number;
}

const FIELDS = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'newSpace', 'oldSpace'] as const;

function spaceSize(name: string): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === name)?.space_size ?? 0;
}

if (file) {
  let max: ProbeLine | null = null;
  const sample = () => {
    const usage = process.memoryUsage();
    const now: ProbeLine = {
      at: Date.now(),
      rss: usage.rss,
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      newSpace: spaceSize('new_space'),
      oldSpace: spaceSize('old_space'),
    };
    if (max === null) {
      max = now;
      return;
    }
    for (const key of FIELDS) {
      max[key] = Math.max(max[key], now[key]);
    }
    max.at = now.at;
  };
  const flush = () => {
    sample();
    appendFileSync(file, `${JSON.stringify(max)}\n`);
    max = null;
  };
  setInterval(sample, 100).unref();
  setInterval(flush, 1000).unref();
}
