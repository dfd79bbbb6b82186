// V8's garbage collections in a process, from the process itself: a preload (`--import`) that
// counts each kind of collection (scavenges, mark-compacts, incremental marking steps, weak
// callbacks) and sums its main-thread pauses, from a PerformanceObserver on `gc`, and writes them
// at exit to `<GC_OBSERVER_DIR or the temp dir>/gc-<pid>.json` with the process's command line.
// The pauses are the main thread's; the helper threads' share (concurrent marking, sweeping, the
// parallel scavenger's other threads) shows only in the process's CPU (`perf record -g`).
// V8 reports a collection a task after it ends: the last ones of a process that exits without its
// event loop turning again are not counted (a long-running service's are).
// Every process started with it writes its own file; `argv` tells the service's
// (`dist/cli/main.js serve`) from the load generator's and the floor's.
//
//   NODE_OPTIONS="--import ./dist-bench/bench/gc-observer.js" \
//     node dist-bench/bench/ingest-sequential.js --database-url …/tally_small --clients 4
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

const KINDS = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak-callbacks'],
]);
// A Map, not an object: the kinds are V8's numbers, never a key an object would resolve.
const totals = new Map<string, { count: number; pauseMs: number }>();

function count(entries: readonly PerformanceEntry[]): void {
  for (const entry of entries) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    const name = (kind !== undefined && KINDS.get(kind)) || `kind ${kind}`;
    const total = totals.get(name) ?? { count: 0, pauseMs: 0 };
    total.count += 1;
    total.pauseMs += entry.duration;
    totals.set(name, total);
  }
}

const observer = new PerformanceObserver((list) => count(list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

function write(): void {
  // Entries are delivered a tick after they happen: take those not delivered yet.
  count(observer.takeRecords());
  const file = join(process.env.GC_OBSERVER_DIR ?? tmpdir(), `gc-${process.pid}.json`);
  const collections = Object.fromEntries(
    [...totals].map(([name, { count, pauseMs }]) => [name, { count, pauseMs: Math.round(pauseMs) }]),
  );
  writeFileSync(file, `${JSON.stringify({ argv: process.argv.slice(1), collections })}\n`);
}

process.on('exit', write);
// A signal ends the process without 'exit', so the figures are written on it too: first, before
// the process's own handlers (the service's graceful stop). A process without one of its own
// would no longer die of the signal once this listens: then the signal is raised again, unheard.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  const onSignal = () => {
    write();
    if (process.listenerCount(signal) > 1) return;
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  };
  process.prependListener(signal, onSignal);
}
