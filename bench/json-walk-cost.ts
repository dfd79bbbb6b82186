// What ingestion's check for unstorable JSON costs per 1,000 events (src/json-depth.ts): the
// benchmark's ingestion batches (1,000 CloudEvents, 70/20/10) parsed, then every event walked with
// the full check (depth, NUL, lone surrogates) and with the depth alone, which events parsed from
// a body without a `\u` escape get; and the scan of the body's text that decides it.
//
//   node dist-bench/bench/json-walk-cost.js --events 50000
import { parseArgs } from 'node:util';
import { MAX_JSON_DEPTH } from '../src/http/limits.js';
import { mayHoldUnstorableStrings, unstorableJson } from '../src/json-depth.js';
import { buildIngestWorkload } from './lib/ingest-workload.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } },
});
const workload = buildIngestWorkload({
  events: Number(values.events),
  batchSize: 1000,
  seed: 777,
  copyOrgId: 'bench-walk',
  now: Date.now(),
});
const texts = workload.batches.map((batch) => Buffer.from(batch, 'utf8').toString('utf8'));
const batches = texts.map((text) => JSON.parse(text) as unknown[]);
const events = batches.reduce((sum, batch) => sum + batch.length, 0);
const escaped = texts.filter(mayHoldUnstorableStrings).length;
console.log(`${events} events in ${batches.length} batches (${escaped} with a \\u escape)`);

const per1000 = (run: () => void) => {
  const start = process.hrtime.bigint();
  run();
  return ((Number(process.hrtime.bigint() - start) / 1e6) * 1000) / events;
};
console.log('ms of CPU per 1,000 events: full check · depth alone · the text scan');
for (let round = 0; round < Number(values.rounds); round += 1) {
  const full = per1000(() => {
    for (const batch of batches) for (const event of batch) unstorableJson(event, MAX_JSON_DEPTH);
  });
  const depth = per1000(() => {
    for (const batch of batches) for (const event of batch) unstorableJson(event, MAX_JSON_DEPTH, false);
  });
  const scan = per1000(() => {
    for (const text of texts) mayHoldUnstorableStrings(text);
  });
  console.log(`${full.toFixed(2)} · ${depth.toFixed(2)} · ${scan.toFixed(3)}`);
}
