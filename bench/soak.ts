// `npm run soak`: minutes of mixed reads and ingestion at a fixed fraction of the measured
// capacity (issue #7). Reports latency, errors and the service's memory every window, then checks
// that every event the service acknowledged is in the database. Exits 1 when one is missing, on
// any 5xx or unanswered request, or when the service died.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../src/demo/random.js';
import { databaseName, datasetSpec, ensureDataset } from './lib/dataset.js';
import { describeDatabase, machine, mb, revision } from './lib/report.js';
import { buildScenarios, findTargets, withPg } from './lib/scenarios.js';
import { type RunningServer, startServer } from './lib/server.js';
import { dropSoakDatabase } from './soak/database.js';
import { closedLoop, openLoop } from './soak/drive.js';
import { EventFactory, loadIngestWorld } from './soak/events.js';
import { IngestLedger } from './soak/ingest-ledger.js';
import { judgeMemory, residentMb } from './soak/memory.js';
import { MIX_DESCRIPTION, Mix } from './soak/mix.js';
import { parseSoakOptions, type SoakOptions, USAGE } from './soak/options.js';
import { judge } from './soak/outcome.js';
import { type SoakReport, toMarkdown, WINDOW_HEADER, type WindowRow, windowLine } from './soak/report.js';
import { figures, Tally } from './soak/tally.js';
import { countStored } from './soak/verify.js';

const WARMUP_SECONDS = 5;
/** Below the service's default of 8 concurrent ingestion requests (TALLY_INGEST_MAX_IN_FLIGHT). */
const PROBE_INGEST_IN_FLIGHT = 6;
/** Far above what an open loop at 70% of capacity keeps in flight; past it the service is stuck. */
const MAX_IN_FLIGHT = 512;

const log = (line: string) => process.stderr.write(`soak: ${line}\n`);
const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** bench/lib/server.ts reads VmHWM from /proc, which throws once the service has died. */
function lifetimePeakMb(server: RunningServer): number {
  try {
    return mb(server.lifetimePeak());
  } catch {
    return Number.NaN;
  }
}

async function prepareData(options: SoakOptions) {
  if (!options.reuse) await dropSoakDatabase(options.databaseUrl);
  const spec = datasetSpec(options.scale, options.seed);
  const dataset = await ensureDataset(options.databaseUrl, options.secretKey, spec, false);
  const targets = await withPg(options.databaseUrl, (query) => findTargets(query, dataset));
  const world = await loadIngestWorld(options.databaseUrl, targets.orgId);
  return { dataset, targets, world };
}

async function main(argv: string[]): Promise<number> {
  const options = parseSoakOptions(argv);
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const code = revision();
  const { dataset, targets, world } = await prepareData(options);
  // The soak measures the service's capacity, not its rate limiter's.
  const server = await startServer({
    databaseUrl: options.databaseUrl,
    secretKey: options.secretKey,
    port: options.port,
    // Designed 503s (ingestion back-pressure) are logged as warnings with a stack each; errors still show.
    env: { TALLY_RATE_LIMIT_RPS: '0', LOG_LEVEL: 'error' },
  });
  try {
    const readyMb = residentMb(server.pid);
    const now = new Date();
    const described = await withPg(options.databaseUrl, (query) =>
      describeDatabase(query, targets.orgId, now),
    );
    const random = createRandom(options.seed);
    const factory = new EventFactory(`soak-${now.getTime().toString(36)}`, world, random);
    const ledger = new IngestLedger(factory, targets.serviceToken, options.batchSize, random);
    const mix = await Mix.create(buildScenarios(server.baseUrl, targets, now, 200), ledger);
    const loadAtStart = loadavg()[0]!;

    // Every answer of every phase counts for the verdict: a 5xx while warming up is still a 5xx.
    const all = new Tally();
    const loop = {
      baseUrl: server.baseUrl,
      mix,
      concurrency: options.capacityConcurrency,
      maxIngestInFlight: PROBE_INGEST_IN_FLIGHT,
    };
    log(`warming up for ${WARMUP_SECONDS} s, then measuring capacity for ${options.capacitySeconds} s`);
    const warmup = new Tally();
    await closedLoop({ ...loop, seconds: WARMUP_SECONDS, tally: warmup });
    const probe = new Tally();
    const probeSeconds = await closedLoop({ ...loop, seconds: options.capacitySeconds, tally: probe });
    all.absorbCounts(warmup);
    all.absorbCounts(probe);
    // Only 200s count: a fast 503 from the ingestion back-pressure is not capacity.
    const capacity = Math.round((probe.statuses['200'] ?? 0) / probeSeconds);
    const targetRate = options.rate ?? Math.max(1, Math.round(options.load * capacity));
    log(
      `capacity ${capacity} req/s (${MIX_DESCRIPTION}); soaking at ${targetRate} req/s for ${options.minutes} min`,
    );

    const startMb = residentMb(server.pid);
    server.resetPeak();
    const soak = new Tally(true);
    const windows: WindowRow[] = [];
    process.stdout.write(`${WINDOW_HEADER}\n`);
    await openLoop({
      baseUrl: server.baseUrl,
      mix,
      rate: targetRate,
      seconds: options.minutes * 60,
      windowSeconds: options.windowSeconds,
      maxInFlight: MAX_IN_FLIGHT,
      total: soak,
      onWindow: ({ index, startSeconds, endSeconds, offered, tally }) => {
        const seconds = endSeconds - startSeconds;
        const row: WindowRow = {
          index,
          startSeconds: Math.round(startSeconds),
          endSeconds: Math.round(endSeconds * 10) / 10,
          offeredPerSecond: Math.round(offered / Math.min(seconds, options.windowSeconds)),
          achievedPerSecond: Math.round(tally.completed() / seconds),
          read: figures(tally.latencies.read),
          ingest: figures(tally.latencies.ingest),
          errors: tally.errors,
          failures: tally.failures,
          statuses: tally.statuses,
          rssMb: residentMb(server.pid),
          peakRssMb: mb(server.sampledPeak()),
        };
        server.resetPeak();
        windows.push(row);
        process.stdout.write(`${windowLine(row)}\n`);
      },
    });
    const endMb = residentMb(server.pid);
    all.absorbCounts(soak);

    log('counting the acknowledged events in the database');
    const stored = await countStored(options.databaseUrl, targets.orgId, ledger);
    const memory = judgeMemory({
      readyMb,
      startMb,
      endMb,
      lifetimePeakMb: lifetimePeakMb(server),
      windows: windows.map((w) => ({ seconds: w.endSeconds, mb: w.rssMb })),
    });
    const storedTotal = Object.values(stored.records).reduce((a, b) => a + b, 0);
    const events = { ...ledger.counts, acknowledgedTotal: ledger.totalAcknowledged(), stored, storedTotal };
    const report: SoakReport = {
      benchmark: 'soak',
      date: now.toISOString(),
      command: `npm run soak${argv.length ? ` -- ${argv.map(shellQuote).join(' ')}` : ''}`,
      revision: code,
      machine: machine(),
      loadAverage: { start: round2(loadAtStart), end: round2(loadavg()[0]!) },
      versions: { node: process.version, postgres: described.postgres },
      database: { kind: 'postgres', name: databaseName(options.databaseUrl), settings: described.settings },
      data: { ...dataset.spec, loadedAt: dataset.loadedAt, org: targets.orgId },
      settings: {
        minutes: options.minutes,
        load: options.load,
        fixedRate: options.rate,
        windowSeconds: options.windowSeconds,
        capacitySeconds: options.capacitySeconds,
        capacityConcurrency: options.capacityConcurrency,
        batchSize: options.batchSize,
        mix: MIX_DESCRIPTION,
        readRoutes: mix.readNames(),
        rateLimiter: 'off (TALLY_RATE_LIMIT_RPS=0)',
      },
      capacity: {
        requestsPerSecond: capacity,
        seconds: round2(probeSeconds),
        read: figures(probe.latencies.read),
        ingest: figures(probe.latencies.ingest),
        errors: probe.errors,
      },
      targetRate,
      windows,
      routes: [...mix.readNames(), 'ingest'].map((name) => ({
        name,
        ...figures(soak.byRoute.get(name) ?? []),
      })),
      memory,
      events,
      errors: { total: all.errors, failures: all.failures, statuses: all.statuses, first: all.firstError },
      phases: { warmup: warmup.statuses, capacity: probe.statuses, soak: soak.statuses },
      serviceExit: server.exited(),
      outcome: { pass: true, problems: [], warnings: [] },
    };
    report.outcome = judge(report);

    mkdirSync(options.resultsDir, { recursive: true });
    const stem = join(options.resultsDir, `soak-${now.toISOString().slice(0, 16).replace(':', '')}`);
    const markdown = toMarkdown(report);
    writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${stem}.md`, markdown);
    process.stdout.write(`\n${markdown}\nsoak: wrote ${stem}.json and ${stem}.md\n`);
    return report.outcome.pass ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
