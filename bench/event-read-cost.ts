// What reading a batch's events into writes costs the service, per 1,000 events: the route's own
// steps (src/ingest/routes.ts readBatch) without HTTP or the database — the body's elements found
// and parsed one by one, each event's envelope and data checked and turned into its write. Two
// figures: CPU (process.cpuUsage) and the bytes allocated per event, as V8's sampling heap
// profiler counts them with collected objects included (an estimate, steady to a few percent at
// this sample count). Allocation matters beyond its own cost during ingestion: each young
// collection copies every batch in flight, and how often one runs is set by how much is allocated.
//
//   node dist-bench/bench/event-read-cost.js [--events 20000] [--rounds 5]
//     [--heap-profile FILE]  the last round's sampled allocations (.heapprofile, by function)

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { probeBodies, readProbeBody } from './lib/ingest-workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    'heap-profile': { type: 'string' },
  },
});
const bodies = probeBodies(Number(values.events));
const received = new Date();
let kept = 0;

/** Every batch read as the route reads it; the writes are dropped batch by batch, as answered. */
function readAll(): number {
  let events = 0;
  for (const body of bodies) {
    const read = readProbeBody(body, received);
    kept += read.writes.length;
    events += read.events;
  }
  return events;
}

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');

/** Bytes allocated while `run` runs, by the sampling profiler (collected objects included). */
async function allocated(run: () => void): Promise<number> {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  run();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  if (values['heap-profile']) writeFileSync(values['heap-profile'], JSON.stringify(profile));
  let bytes = 0;
  const pending = [profile.head];
  while (pending.length > 0) {
    const node = pending.pop()!;
    bytes += node.selfSize;
    pending.push(...node.children);
  }
  return bytes;
}

console.log(
  `${bodies.length} batches of 1,000 events; ms of CPU per 1,000 events · bytes allocated per event`,
);
readAll(); // warm-up: compiled and inline-cached before the first round
for (let round = 0; round < Number(values.rounds); round += 1) {
  const before = process.cpuUsage();
  const events = readAll();
  const used = process.cpuUsage(before);
  let sampledEvents = 0;
  const bytes = await allocated(() => {
    sampledEvents = readAll();
  });
  console.log(
    `round ${round + 1}: ${((used.user + used.system) / events).toFixed(2)} ms · ${Math.round(bytes / sampledEvents).toLocaleString('en')} B`,
  );
}
if (kept < 0) console.log(kept);
