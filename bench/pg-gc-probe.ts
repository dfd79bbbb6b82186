// What `pg`'s promise form costs in garbage collection (docs/decisions.md, "pg's promise form"):
// one client runs the activity page statement (51 rows of 25 columns) again and again, in turn
// through each way of calling `pg`, and the collections each way causes are counted from V8's
// own GC events. Through the promise form (`client.query(config)`, what Kysely calls) every
// page's rows survived into the old generation; through a callback, or `pool.query`, they die
// young. The service calls `pg` the second way (src/db/prepared-statements.ts). One way per
// process: V8's decisions about what lives long outlast a run, so two ways in one process measure
// each other too. With the service's node flags:
//
//   node --max-semi-space-size=8 dist-bench/bench/pg-gc-probe.js --database-url URL --way promise
//   node --max-semi-space-size=8 dist-bench/bench/pg-gc-probe.js --database-url URL --way callback
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pgTypes } from '../src/db/open.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    pages: { type: 'string', default: '6000' },
    rounds: { type: 'string', default: '2' },
    way: { type: 'string', default: 'callback' },
  },
});
const url = values['database-url'];
if (!url) throw new Error('--database-url is required');
const pages = Number(values.pages);

const pool = new pg.Pool({ connectionString: url, max: 1, types: pgTypes });
const org = (
  await pool.query<{ org_id: string }>(
    'SELECT org_id FROM activities GROUP BY 1 ORDER BY count(*) DESC LIMIT 1',
  )
).rows[0]!.org_id;
const page = {
  name: 'gc_probe_page',
  text:
    'SELECT * FROM activities WHERE org_id = $1 AND "timestamp" < now() ' +
    'ORDER BY "timestamp" DESC, id DESC LIMIT 51 OFFSET $2',
};
const config = (i: number) => ({ ...page, values: [org, (i % 40) * 50] });

type Way = (client: pg.PoolClient, i: number) => Promise<number>;
const ways: [string, Way][] = [
  ['promise', async (client, i) => (await client.query(config(i))).rows.length],
  [
    'callback',
    (client, i) =>
      new Promise((resolve, reject) =>
        client.query(config(i), (error: Error | null, result: pg.QueryResult) =>
          error ? reject(error) : resolve(result.rows.length),
        ),
      ),
  ],
];

// V8's collections as they happen: minor (scavenges) and major (mark-compact), and their pauses.
const gc = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === 1) {
      gc.minor += 1;
      gc.minorMs += entry.duration;
    } else if (kind === 4) {
      gc.major += 1;
      gc.majorMs += entry.duration;
    }
  }
});
observer.observe({ entryTypes: ['gc'] });

if (!ways.some(([name]) => name === values.way)) throw new Error('--way is promise or callback');
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
for (let round = 1; round <= Number(values.rounds); round += 1) {
  for (const [name, way] of ways.filter(([name]) => name === values.way)) {
    await settle();
    Object.assign(gc, { minor: 0, major: 0, minorMs: 0, majorMs: 0 });
    const cpu = process.cpuUsage();
    let rows = 0;
    const client = await pool.connect();
    try {
      for (let i = 0; i < pages; i += 1) rows += await way(client, i);
    } finally {
      client.release();
    }
    await settle();
    const used = process.cpuUsage(cpu);
    process.stdout.write(
      `${name} form, round ${round}: ${pages} pages (${rows} rows), CPU ${((used.user + used.system) / 1000 / pages).toFixed(3)} ms/page; ` +
        `scavenges ${gc.minor} (${gc.minorMs.toFixed(0)} ms), mark-compacts ${gc.major} (${gc.majorMs.toFixed(0)} ms)\n`,
    );
  }
}
observer.disconnect();
await pool.end();
