// Command-line options of `npm run bench`. Full scale is issues #3/#4's dataset; `--scale`
// multiplies every record count (not the number of orgs) for quick runs.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  scale: number;
  /** Run on embedded PGlite (a data directory under bench/.tmp) instead of PostgreSQL. */
  pglite: boolean;
  databaseUrl: string;
  /** Measured requests per scenario and concurrency level. */
  requests: number;
  /** Unmeasured requests per scenario and concurrency level, sent first. */
  warmup: number;
  concurrency: number[];
  seed: number;
  /** Drop and reload the benchmark database, even when it holds this dataset. */
  reload: boolean;
  /** Run only the scenarios whose name contains one of these strings. */
  only: string[];
  port: number;
  /** Write a V8 CPU profile of the service to this directory (node --cpu-prof). */
  profileDir: string | null;
  secretKey: string;
  /** The deployment admin token the service under test is started with (to create the ingestion org's token). */
  adminToken: string;
  resultsDir: string;
  /** Events sent in the ingestion measure (0 skips it). */
  ingestEvents: number;
  /** Concurrent ingestion clients (and COPY connections). */
  ingestClients: number;
  /** Agent runs sent in each format of the OTLP comparison (0 skips it). */
  otlpRuns: number;
  /** A git revision also measured, row by row, beside this checkout (bench/lib/before.ts). */
  before: string | null;
  /** The service floors measured beside each read row (bench/service-floor.ts); none on PGlite. */
  serviceFloors: ('fastify' | 'http')[];
}

export const USAGE = `Usage: npm run bench -- [options]

Loads (once) a synthetic dataset with \`tally demo\` into a dedicated PostgreSQL database,
starts the compiled service, and measures its read routes over HTTP with real tokens.

Options (defaults in brackets):
  --scale X            multiply the record counts (1 = 10,000,000 activity records,
                       2,000,000 executions, 1,000,000 AI usages) [1]
  --pglite             run the reads on embedded PGlite (data in bench/.tmp/pglite-<scale>);
                       the scale defaults to 0.1 (1,000,000 activity records); no SQL floor,
                       no ingestion measure
  --database-url URL   benchmark database; created if missing
                       [postgres://postgres@127.0.0.1:5432/tally_bench, or tally_bench_<scale>]
  --requests N         measured requests per route and concurrency level [1000]
  --warmup N           unmeasured requests sent first [max(20, requests / 10)]
  --concurrency LIST   concurrent connections, comma separated [1,32]
  --seed N             dataset seed [1]
  --reload             drop the benchmark database and load it again (fresh data)
  --only LIST          run only scenarios whose name contains one of these (comma separated);
                       "ingestion" runs both ingestion measures, "otlp" the OTLP comparison alone
  --port N             port of the service under test [3917]
  --results DIR        where results are written [bench/results]
  --profile DIR        write a V8 CPU profile of the service into DIR (node --cpu-prof), and of
                       each service floor into DIR/floor-<framework>
  --ingest-events N    events sent in the ingestion measure, in batches of 1,000; 0 skips it
                       [300,000 × scale, at least 20,000]
  --ingest-clients N   concurrent ingestion clients (and COPY connections) [4]
  --otlp-runs N        agent runs (5 spans, 3 CloudEvents each) sent as OTLP protobuf, OTLP JSON
                       and CloudEvents, in requests of 100 runs; 0 skips it
                       [ingest events / 5: 60,000 at full scale, at least 4,000]
  --before REV         also measure the service at git revision REV (built outside the checkout),
                       row by row beside this one, on port+1; every row and the ingestion get
                       their before and after in the one results file
  --service-floors LIST  beside each read row, the same statements answered over HTTP by the
                       least a service can do (bench/service-floor.ts): fastify (Fastify 5 +
                       pg), http (node:http + pg), or none [fastify,http]
`;

const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432';

function positive(value: string, name: string, integer: boolean): number {
  const number = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${value}"`);
  }
  return number;
}

/** `tally_bench` at full scale, `tally_bench_0_01` at scale 0.01: each scale keeps its own data. */
export function defaultDatabaseUrl(scale: number): string {
  const suffix = scale === 1 ? '' : `_${String(scale).replace('.', '_')}`;
  return `${DEFAULT_SERVER}/tally_bench${suffix}`;
}

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      pglite: { type: 'boolean' },
      'database-url': { type: 'string' },
      requests: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      seed: { type: 'string' },
      reload: { type: 'boolean' },
      only: { type: 'string' },
      port: { type: 'string' },
      results: { type: 'string' },
      profile: { type: 'string' },
      'ingest-events': { type: 'string' },
      'ingest-clients': { type: 'string' },
      'otlp-runs': { type: 'string' },
      before: { type: 'string' },
      'service-floors': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  const pglite = values.pglite ?? false;
  const scale = values.scale === undefined ? (pglite ? 0.1 : 1) : positive(values.scale, 'scale', false);
  const requests = values.requests === undefined ? 1000 : positive(values.requests, 'requests', true);
  const ingestEvents =
    values['ingest-events'] === undefined
      ? Math.max(20_000, Math.round(300_000 * scale))
      : values['ingest-events'] === '0'
        ? 0
        : positive(values['ingest-events'], 'ingest-events', true);
  return {
    scale,
    pglite,
    databaseUrl: values['database-url'] ?? defaultDatabaseUrl(scale),
    requests,
    warmup:
      values.warmup === undefined
        ? Math.max(20, Math.round(requests / 10))
        : Math.max(0, Math.round(Number(values.warmup))),
    concurrency: (values.concurrency ?? '1,32')
      .split(',')
      .map((c) => positive(c.trim(), 'concurrency', true)),
    seed: values.seed === undefined ? 1 : positive(values.seed, 'seed', true),
    reload: values.reload ?? false,
    only: values.only ? values.only.split(',').map((s) => s.trim()) : [],
    port: values.port === undefined ? 3917 : positive(values.port, 'port', true),
    profileDir: values.profile ?? null,
    // A fixed key: demo tokens and cursors stay valid across runs on the same database.
    secretKey: 'tally-bench-secret-key-not-for-production-0001',
    adminToken: 'tally-bench-admin-token-not-for-production-0001',
    resultsDir: values.results ?? 'bench/results',
    ingestEvents,
    ingestClients:
      values['ingest-clients'] === undefined ? 4 : positive(values['ingest-clients'], 'ingest-clients', true),
    otlpRuns:
      values['otlp-runs'] === undefined
        ? Math.max(4_000, Math.round(ingestEvents / 5))
        : values['otlp-runs'] === '0'
          ? 0
          : positive(values['otlp-runs'], 'otlp-runs', true),
    before: values.before ?? null,
    serviceFloors: serviceFloors(values['service-floors'] ?? 'fastify,http'),
  };
}

function serviceFloors(list: string): ('fastify' | 'http')[] {
  if (list === 'none') return [];
  return list.split(',').map((name) => {
    const trimmed = name.trim();
    if (trimmed !== 'fastify' && trimmed !== 'http')
      throw new Error(`--service-floors: "${trimmed}" is not fastify, http or none`);
    return trimmed;
  });
}
