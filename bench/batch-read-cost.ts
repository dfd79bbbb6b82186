// What reading a batch costs the service per 1,000 events, in two steps that issue #16 changed:
// - the body parsed whole (one string of ~0.75 MB, a V8 large object, then JSON.parse) against
//   element by element from its bytes (src/ingest/array-elements.ts);
// - the stored activity rows built and read into their 27 column arrays, as the writer does
//   (src/ledger/activity/insert.ts), with the row written `{ org_id, ...record, … }` (the form
//   before, kept here as the reference) against every column named (src/ledger/write/records.ts).
// Each form runs in its own rounds, in turns, in one process; CPU from process.cpuUsage().
//
//   node dist-bench/bench/batch-read-cost.js --events 20000 --rounds 5
import { parseArgs } from 'node:util';
import type { NewActivity } from '../src/db/schema.js';
import { parseArrayElements } from '../src/ingest/array-elements.js';
import { readEnvelope } from '../src/ingest/envelope.js';
import { readActivity } from '../src/ingest/events/activity.js';
import { ACTIVITY_COLUMNS } from '../src/ledger/activity/insert.js';
import { activityRow } from '../src/ledger/write/records.js';
import type { ActivityRecord } from '../src/ledger/write/types.js';
import { probeBodies } from './lib/ingest-workload.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const bodies = probeBodies(Number(values.events));
const events = bodies.reduce((sum, body) => sum + (JSON.parse(body.toString('utf8')) as unknown[]).length, 0);
const received = new Date();
const records: ActivityRecord[] = [];
for (const body of bodies) {
  for (const value of JSON.parse(body.toString('utf8')) as unknown[]) {
    const { envelope } = readEnvelope(value, received);
    if (envelope?.type !== 'activity.recorded') continue;
    const { write } = readActivity(envelope);
    if (write) records.push(write.record);
  }
}
console.log(
  `${events} events in ${bodies.length} batches of ${bodies[0]!.length.toLocaleString('en')} bytes; ${records.length} activity records`,
);

/** The row as it was built before: a spread after a key, copied property by property. */
const spreadRow = (orgId: string, record: ActivityRecord): NewActivity => ({
  org_id: orgId,
  ...record,
  token_usage: record.token_usage === null ? null : JSON.stringify(record.token_usage),
  metadata: record.metadata === null ? null : JSON.stringify(record.metadata),
});

let sink = 0;
const cpuMs = (run: () => void) => {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};
const perThousand = (ms: number, count: number) => ((ms * 1000) / count).toFixed(2);

const parseWhole = () => {
  for (const body of bodies) sink += (JSON.parse(body.toString('utf8')) as unknown[]).length;
};
const parseElements = () => {
  for (const body of bodies) sink += parseArrayElements(body, 5000)!.length;
};
const rows = (build: (orgId: string, record: ActivityRecord) => NewActivity) => () => {
  for (let start = 0; start < records.length; start += 700) {
    const batch = records.slice(start, start + 700).map((record) => build('bench-org', record));
    for (const column of ACTIVITY_COLUMNS) sink += batch.map((row) => row[column] ?? null).length;
  }
};

console.log(
  'ms of CPU per 1,000 events: parse whole · by elements | per 1,000 activity rows: spread · named',
);
for (let round = 0; round < Number(values.rounds); round += 1) {
  const whole = cpuMs(parseWhole);
  const elements = cpuMs(parseElements);
  const spread = cpuMs(rows(spreadRow));
  const named = cpuMs(rows(activityRow));
  console.log(
    `round ${round + 1}: ${perThousand(whole, events)} · ${perThousand(elements, events)} | ${perThousand(spread, records.length)} · ${perThousand(named, records.length)}`,
  );
}
if (sink < 0) console.log(sink);
