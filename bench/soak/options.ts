// Command-line options of `npm run soak`. The soak is about stability over time, not about the
// big dataset, so it defaults to a small one (the bench's dataset at scale 0.01) in its own database.
import { parseArgs } from 'node:util';

export interface SoakOptions {
  minutes: number;
  /** The bench's dataset (`bench/lib/dataset.ts`) multiplied by this. */
  scale: number;
  databaseUrl: string;
  /** Fraction of the measured capacity sent during the soak. */
  load: number;
  /** A fixed request rate instead of `load` × measured capacity (the probe still runs, for the record). */
  rate: number | null;
  seed: number;
  /** Keep the data of an earlier run instead of dropping and reloading the soak database. */
  reuse: boolean;
  port: number;
  capacitySeconds: number;
  /** Connections of the closed-loop capacity probe. */
  capacityConcurrency: number;
  windowSeconds: number;
  batchSize: number;
  secretKey: string;
  resultsDir: string;
}

export const USAGE = `Usage: npm run soak -- [options]

Loads a small synthetic dataset with \`tally demo\` into its own PostgreSQL database, starts the
compiled service, measures the capacity of a mixed read + ingestion workload, then sends that
workload open loop at a fraction of the capacity and reports latency, errors and resident
memory every window, and at the end the events acknowledged vs stored.

Options (defaults in brackets):
  --minutes N            length of the soak phase [10]
  --load X               fraction of the measured capacity to send [0.7]
  --rate N               send N requests/s instead of load x capacity
  --scale X              the bench's dataset multiplied by X [0.01]
  --database-url URL     soak database, dropped and reloaded at start unless --reuse
                         (only databases named tally_soak* are dropped)
                         [postgres://postgres@127.0.0.1:5432/tally_soak]
  --reuse                keep the data already in the soak database (same scale and seed)
  --seed N               dataset and workload seed [1]
  --capacity-seconds N   measured length of the capacity probe [20]
  --capacity-connections N
                         connections of the closed-loop capacity probe [16]
  --window-seconds N     length of a reporting window [30]
  --batch-size N         events per ingestion request [200]
  --port N               port of the service under test [3918]
  --results DIR          where results are written [bench/results]
`;

function positive(value: string, name: string, integer: boolean): number {
  const number = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${value}"`);
  }
  return number;
}

export function parseSoakOptions(argv: string[]): SoakOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      load: { type: 'string' },
      rate: { type: 'string' },
      scale: { type: 'string' },
      'database-url': { type: 'string' },
      reuse: { type: 'boolean' },
      seed: { type: 'string' },
      'capacity-seconds': { type: 'string' },
      'capacity-connections': { type: 'string' },
      'window-seconds': { type: 'string' },
      'batch-size': { type: 'string' },
      port: { type: 'string' },
      results: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  const option = (name: keyof typeof values, fallback: number, integer = false) => {
    const value = values[name];
    return typeof value === 'string' ? positive(value, name, integer) : fallback;
  };
  const load = option('load', 0.7);
  if (load > 1) throw new Error(`--load is a fraction of capacity (at most 1), got ${load}`);
  const batchSize = option('batch-size', 200, true);
  if (batchSize > 5000) throw new Error('--batch-size must be at most 5000 (the ingestion limit)');
  return {
    minutes: option('minutes', 10),
    load,
    rate: values.rate === undefined ? null : positive(values.rate, 'rate', false),
    scale: option('scale', 0.01),
    databaseUrl: values['database-url'] ?? 'postgres://postgres@127.0.0.1:5432/tally_soak',
    reuse: values.reuse ?? false,
    seed: option('seed', 1, true),
    capacitySeconds: option('capacity-seconds', 20),
    // Enough to keep 2 cores and the 10-connection database pool busy; more only adds queueing.
    capacityConcurrency: option('capacity-connections', 16, true),
    windowSeconds: option('window-seconds', 30),
    batchSize,
    port: option('port', 3918, true),
    // A fixed key: the demo's tokens and the cursors stay valid across runs on the same database.
    secretKey: 'tally-soak-secret-key-not-for-production-0001',
    resultsDir: values.results ?? 'bench/results',
  };
}
