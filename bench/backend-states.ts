// What the service's PostgreSQL backends are doing while a benchmark runs beside it: samples
// pg_stat_activity every `--every-ms` for `--seconds` and prints, for the database's client
// backends that are not idle, the share of samples in each state, wait event and statement.
// "idle in transaction" is a writer whose transaction waits for the service to send its next
// statement (the service busy with other requests, or preparing that statement); Lock waits are
// one transaction waiting for another's row or key. Start it once the phase to watch has begun:
//
//   node dist-bench/bench/backend-states.js --database-url postgres://…/tally_bench --seconds 20
//
// 100% is one backend busy in every sample; two writers busy all the time make 200%.
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    seconds: { type: 'string', default: '20' },
    'every-ms': { type: 'string', default: '5' },
    rows: { type: 'string', default: '30' },
  },
});
const client = new pg.Client({ connectionString: values['database-url'] });
await client.connect();
const counts = new Map<string, number>();
let samples = 0;
const end = Date.now() + Number(values.seconds) * 1000;
while (Date.now() < end) {
  const result = await client.query<{ state: string; wait: string; query: string }>(`
    SELECT state, coalesce(wait_event_type || ':' || wait_event, '') AS wait,
      regexp_replace(left(query, 70), '\\s+', ' ', 'g') AS query
    FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
      AND datname = current_database() AND state <> 'idle'`);
  samples += 1;
  for (const row of result.rows) {
    const key = `${row.state} | ${row.wait} | ${row.query.trim()}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  await new Promise((resolve) => setTimeout(resolve, Number(values['every-ms'])));
}
await client.end();

const byState = new Map<string, number>();
for (const [key, count] of counts) {
  const state = key.slice(0, key.indexOf(' |'));
  byState.set(state, (byState.get(state) ?? 0) + count);
}
const share = (count: number) => `${((100 * count) / samples).toFixed(1).padStart(6)}%`;
console.log(`${samples} samples; by state:`);
for (const [state, count] of [...byState].sort((a, b) => b[1] - a[1]))
  console.log(`${share(count)}  ${state}`);
console.log('by state | wait event | statement (for idle in transaction: the one before the wait):');
for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(values.rows))) {
  console.log(`${share(count)}  ${key}`);
}
