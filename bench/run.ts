// `npm run bench`: the read-latency benchmark (issues #3 and #4). Loads the dataset once per
// database, starts the compiled service, measures every read scenario at each concurrency level,
// and writes a JSON record and a markdown table under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildBefore } from './lib/before.js';
import { CpuMeter, type CpuSnapshot } from './lib/cpu.js';
import { databaseName, datasetSpec, ensureDataset } from './lib/dataset.js';
import { measure } from './lib/http-load.js';
import { runIngest } from './lib/ingest.js';
import { parseOptions, USAGE } from './lib/options.js';
import { runOtlpIngest } from './lib/otlp-ingest.js';
import { ensurePgliteDataset, pgliteDataDir, withPglite } from './lib/pglite-dataset.js';
import {
  type BenchReport,
  describeDatabase,
  machine,
  mb,
  revision,
  type ScenarioResult,
  toMarkdown,
} from './lib/report.js';
import { buildScenarios, findTargets, type Query, type Scenario, withPg } from './lib/scenarios.js';
import { type RunningServer, startServer } from './lib/server.js';
import { ServiceFloor } from './lib/service-floor.js';
import { SqlFloor } from './lib/sql-floor.js';

const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;

const round2 = (value: number) => Math.round(value * 100) / 100;

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Read at start, right after `npm run bench` compiled src/ (edits made later are not measured).
  const code = revision();
  const spec = datasetSpec(options.scale, options.seed);
  const dataDir = options.pglite ? pgliteDataDir(options.scale) : null;
  const dataset = dataDir
    ? await ensurePgliteDataset(dataDir, options.secretKey, spec, options.reload)
    : await ensureDataset(options.databaseUrl, options.secretKey, spec, options.reload);
  const now = new Date();
  // PGlite's directory is read before the service opens it (one process at a time).
  const inspect = async (query: Query) => ({
    targets: await findTargets(query, dataset),
    described: await describeDatabase(
      query,
      dataset.demo.orgs[0]!.org_id,
      new Date(now.getTime() - 7 * 86_400_000),
    ),
  });
  const { targets, described } = dataDir
    ? await withPglite(dataDir, inspect)
    : await withPg(options.databaseUrl, inspect);
  const databaseUrl = dataDir ? null : options.databaseUrl;

  const serverOptions = {
    databaseUrl: databaseUrl ?? '',
    secretKey: options.secretKey,
    adminToken: options.adminToken,
    ...(dataDir ? { env: { TALLY_DATA_DIR: dataDir } } : {}),
  };
  // The revision to compare with runs beside this one, on the same database (not on PGlite: one
  // process per data folder).
  const beforeBuild = options.before && !dataDir ? buildBefore(options.before) : null;
  // The earlier revision starts first: this checkout may add migrations, which the earlier one's
  // migrator would refuse to find already applied (it keeps running once started).
  const beforeServer: RunningServer | null = beforeBuild
    ? await startServer({ ...serverOptions, port: options.port + 1, cwd: beforeBuild.dir })
    : null;
  const server = await startServer({
    ...serverOptions,
    port: options.port,
    profileDir: options.profileDir,
  }).catch(async (error: unknown) => {
    await beforeServer?.stop();
    throw error;
  });
  // Started with the first row, stopped however the run ends.
  const serviceFloors: ServiceFloor[] = [];
  try {
    const selected = (baseUrl: string) =>
      buildScenarios(baseUrl, targets, now, Math.min(options.requests, 1000)).filter(
        (s) => options.only.length === 0 || options.only.some((part) => s.name.includes(part)),
      );
    const scenarios = selected(server.baseUrl);
    const beforeScenarios = beforeServer ? selected(beforeServer.baseUrl) : [];
    const loadAtStart = loadavg()[0]!;
    const results: ScenarioResult[] = [];
    const meter = (pid: number) =>
      CpuMeter.open(databaseUrl, databaseUrl ? databaseName(databaseUrl) : '', pid);
    const cpu = await meter(server.pid);
    const beforeCpu = beforeServer ? await meter(beforeServer.pid) : null;
    // No floor on PGlite: its one process is the service's own.
    const floor = databaseUrl
      ? await SqlFloor.open(databaseUrl, options.secretKey, options.adminToken)
      : null;
    if (databaseUrl) {
      for (const [index, framework] of options.serviceFloors.entries()) {
        serviceFloors.push(
          await ServiceFloor.start(
            framework,
            databaseUrl,
            databaseName(databaseUrl),
            options.port + 2 + index,
            options.profileDir,
          ),
        );
      }
    }
    /** One row: the measured requests of a scenario at one concurrency, against one service. */
    const measureRow = async (
      target: RunningServer,
      targetCpu: CpuMeter,
      scenario: Scenario,
      concurrency: number,
    ) => {
      target.resetPeak();
      let before: CpuSnapshot | undefined;
      let after: CpuSnapshot | undefined;
      const stats = await measure({
        baseUrl: target.baseUrl,
        concurrency,
        warmup: options.warmup,
        requests: options.requests,
        next: scenario.next,
        beforeMeasured: async () => {
          before = await targetCpu.snapshot();
        },
        afterMeasured: async () => {
          after = await targetCpu.snapshot();
        },
      });
      return {
        ...stats,
        peakRssMb: mb(target.sampledPeak()),
        cpuPerRequest: CpuMeter.perRequest(before!, after!, stats.requests),
      };
    };
    for (const [index, scenario] of scenarios.entries()) {
      await scenario.prepare?.();
      const beforeScenario = beforeScenarios[index];
      await beforeScenario?.prepare?.();
      // The statements behind ten requests spread over the scenario's first hundred, replayed
      // after the HTTP rows (a cached read runs none: its floor is not measured).
      const captured = floor ? await floor.captureRequests(scenario, 10) : [];
      const hasSql = captured.some((statements) => statements.length > 0);
      const result: ScenarioResult = {
        name: scenario.name,
        issue: scenario.issue,
        route: scenario.route,
        ...(scenario.note ? { note: scenario.note } : {}),
        runs: [],
      };
      for (const concurrency of options.concurrency) {
        // The revision before first: a row's later half never inherits caches the earlier warmed
        // for it alone (both read the same database).
        const beforeRun =
          beforeServer && beforeCpu && beforeScenario
            ? await measureRow(beforeServer, beforeCpu, beforeScenario, concurrency)
            : null;
        const stats = await measureRow(server, cpu, scenario, concurrency);
        const floorStats =
          floor && hasSql
            ? await floor.replay(captured, concurrency, options.requests, options.warmup)
            : null;
        const serviceFloorStats = [];
        if (hasSql) {
          const headers = captured.length > 0 ? scenario.next().headers : {};
          for (const serviceFloor of serviceFloors) {
            serviceFloorStats.push(
              await serviceFloor.measure(captured, headers, concurrency, options.requests, options.warmup),
            );
          }
        }
        const run = {
          ...stats,
          floor: floorStats,
          ...(serviceFloorStats.length > 0 ? { serviceFloors: serviceFloorStats } : {}),
          ...(beforeRun ? { before: beforeRun } : {}),
        };
        result.runs.push(run);
        process.stderr.write(
          `bench: ${scenario.name} @${concurrency}: p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
            `${run.requestsPerSecond} req/s, RSS ${run.peakRssMb} MB, CPU ms/req service ${run.cpuPerRequest.serviceMs} ` +
            `postgres ${run.cpuPerRequest.postgresMs} client ${run.cpuPerRequest.clientMs}, other busy cores ${run.cpuPerRequest.otherBusyCores}` +
            `${floorStats ? `; SQL floor p50 ${floorStats.p50Ms} ms, p99 ${floorStats.p99Ms} ms, ${floorStats.requestsPerSecond} req/s` : ''}${run.sampleError ? `, NON-200: ${run.sampleError}` : ''}` +
            serviceFloorStats
              .map(
                (f) =>
                  `; ${f.framework} floor p50 ${f.p50Ms} ms, ${f.requestsPerSecond} req/s, CPU service ${f.cpuPerRequest.serviceMs}`,
              )
              .join('') +
            `${beforeRun ? `; before: p50 ${beforeRun.p50Ms} ms, ${beforeRun.requestsPerSecond} req/s, CPU service ${beforeRun.cpuPerRequest.serviceMs} postgres ${beforeRun.cpuPerRequest.postgresMs}` : ''}\n`,
        );
      }
      results.push(result);
    }
    await cpu.close();
    await beforeCpu?.close();
    await floor?.close();

    // After the reads, so that they measure the settled tables the marker describes.
    const measureIngestion = (target: RunningServer) =>
      runIngest({
        server: target,
        databaseUrl: options.databaseUrl,
        databaseName: databaseName(options.databaseUrl),
        adminToken: options.adminToken,
        events: options.ingestEvents,
        batchSize: 1000,
        clients: options.ingestClients,
        floor:
          target === server ? (serviceFloors.find((f) => f.framework === 'fastify')?.process ?? null) : null,
      });
    const ingests =
      databaseUrl &&
      options.ingestEvents > 0 &&
      (options.only.length === 0 || options.only.some((part) => 'ingestion'.includes(part)));
    const ingestionBefore = ingests && beforeServer ? await measureIngestion(beforeServer) : null;
    const ingestion = ingests ? await measureIngestion(server) : null;
    if (ingestion) {
      process.stderr.write(
        `bench: ingestion ${ingestion.http.eventsPerSecond} events/s over HTTP, COPY ${ingestion.copy.eventsPerSecond} rows/s ` +
          `(ratio ${ingestion.ratio}); duplicates only ${ingestion.duplicatesOnly.eventsPerSecond} events/s\n`,
      );
    }

    // Issue #13: OTLP traces beside CloudEvents of the same records (`--only otlp` runs it alone).
    const otlp =
      databaseUrl &&
      options.otlpRuns > 0 &&
      (options.only.length === 0 ||
        options.only.some((part) => 'ingestion'.includes(part) || 'otlp'.includes(part)))
        ? await runOtlpIngest({
            server,
            databaseUrl: options.databaseUrl,
            databaseName: databaseName(options.databaseUrl),
            adminToken: options.adminToken,
            runs: options.otlpRuns,
            clients: options.ingestClients,
          })
        : null;
    if (otlp) {
      const ratios = otlp.protobufOverCloudEvents;
      process.stderr.write(
        `bench: OTLP protobuf / CloudEvents JSON service CPU: ${ratios.serviceCpuPerRecord} per record on the wire, ` +
          `${ratios.serviceCpuPerLedgerRecord} per ledger record (target ≤ 1: ${otlp.targetMet ? 'met' : 'MISSED'}); ` +
          `service + PostgreSQL per ledger record ${ratios.totalCpuPerLedgerRecord}\n`,
      );
    }

    const { serviceToken: _s, ownerToken: _o, ...publicTargets } = targets;
    const report: BenchReport = {
      benchmark: 'reads',
      date: now.toISOString(),
      command: `npm run bench${argv.length ? ` -- ${argv.map(shellQuote).join(' ')}` : ''}`,
      revision: code,
      ...(beforeBuild ? { before: { ref: beforeBuild.ref, commit: beforeBuild.commit } } : {}),
      machine: machine(),
      loadAverage: { start: round2(loadAtStart), end: round2(loadavg()[0]!) },
      versions: { node: process.version, postgres: described.postgres },
      database: dataDir
        ? { kind: 'pglite', name: dataDir, settings: described.settings }
        : { kind: 'postgres', name: databaseName(options.databaseUrl), settings: described.settings },
      data: {
        ...dataset.spec,
        loadedAt: dataset.loadedAt,
        loadSeconds: dataset.loadSeconds,
        largestOrg: targets.orgId,
        largestOrgRecords: dataset.demo.orgs[0]?.records ?? null,
        activityInLast7DaysOfLargestOrg: described.week,
        targets: publicTargets,
      },
      settings: { requests: options.requests, warmup: options.warmup, concurrency: options.concurrency },
      server: { peakRssMb: mb(server.lifetimePeak()) },
      scenarios: results,
      ingestion,
      ...(ingestionBefore ? { ingestionBefore } : {}),
      otlp,
    };
    mkdirSync(options.resultsDir, { recursive: true });
    const stem = join(
      options.resultsDir,
      `${dataDir ? 'pglite-' : ''}reads-${now.toISOString().slice(0, 16).replace(':', '')}-scale-${String(options.scale).replace('.', '_')}`,
    );
    const markdown = toMarkdown(report);
    writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${stem}.md`, markdown);
    process.stdout.write(`${markdown}\nbench: wrote ${stem}.json and ${stem}.md\n`);
    return 0;
  } finally {
    for (const serviceFloor of serviceFloors) await serviceFloor.stop();
    await server.stop();
    await beforeServer?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
