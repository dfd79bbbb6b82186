// The run's record: machine, versions, command, data and figures, as JSON and as a markdown table.
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import type { CpuPerRequest } from './cpu.js';
import type { Dataset } from './dataset.js';
import type { Stats } from './http-load.js';
import type { IngestResult } from './ingest.js';
import type { OtlpIngestResult } from './otlp-ingest.js';
import type { Query, Targets } from './scenarios.js';
import type { ServiceFloorStats } from './service-floor.js';
import type { FloorStats } from './sql-floor.js';

export interface ScenarioResult {
  name: string;
  issue: string | null;
  route: string;
  note?: string;
  runs: (Stats & {
    peakRssMb: number;
    cpuPerRequest: CpuPerRequest;
    /** The same SQL straight through pg (null for a read that runs none, a cache hit). */
    floor: FloorStats | null;
    /** The same statements answered over HTTP by the least service (absent in older runs). */
    serviceFloors?: ServiceFloorStats[];
    sampleError?: string;
    /** The same row against the service at `--before REV`, measured just before (absent without). */
    before?: Stats & { peakRssMb: number; cpuPerRequest: CpuPerRequest };
  })[];
}

export interface BenchReport {
  benchmark: 'reads';
  date: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; kernel: string };
  /** The code measured: the commit, and the files under src/ that differ from it. */
  revision: { commit: string; uncommittedSrc: string[] };
  /** The revision measured beside it (`--before REV`). */
  before?: { ref: string; commit: string };
  /** 1-minute load average of the machine when the measurements started and ended. */
  loadAverage: { start: number; end: number };
  versions: { node: string; postgres: string };
  database: { kind: 'postgres' | 'pglite'; name: string; settings: Record<string, string> };
  data: Dataset['spec'] & {
    loadedAt: string;
    loadSeconds: number | null;
    largestOrg: string;
    largestOrgRecords: Record<string, number> | null;
    activityInLast7DaysOfLargestOrg: number;
    targets: Omit<Targets, 'serviceToken' | 'ownerToken'>;
  };
  settings: { requests: number; warmup: number; concurrency: number[] };
  server: { peakRssMb: number };
  scenarios: ScenarioResult[];
  ingestion: IngestResult | null;
  /** The ingestion measure against the `--before` revision, run just before this one's. */
  ingestionBefore?: IngestResult | null;
  /** Issue #13: OTLP trace ingestion beside CloudEvents of the same records (absent in older runs). */
  otlp?: OtlpIngestResult | null;
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function describeDatabase(query: Query, orgId: string, since: Date) {
  const version = await query<{ server_version: string }>('SHOW server_version');
  const settings: Record<string, string> = {};
  for (const name of ['shared_buffers', 'work_mem', 'effective_cache_size', 'max_connections']) {
    const row = await query<Record<string, string>>(`SHOW ${name}`);
    settings[name] = row[0]![name]!;
  }
  const week = await query<{ n: string }>(
    'SELECT count(*) AS n FROM activities WHERE org_id = $1 AND "timestamp" >= $2',
    [orgId, since],
  );
  return { postgres: version[0]!.server_version, settings, week: Number(week[0]!.n) };
}

/** Read-only git queries; 'unknown' outside a git checkout. */
export function revision(): BenchReport['revision'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD').trim(),
      uncommittedSrc: git('status', '--porcelain', '--', 'src')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => line.slice(3)),
    };
  } catch {
    return { commit: 'unknown', uncommittedSrc: [] };
  }
}

export function machine(): BenchReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
  };
}

const num = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '–');

export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const d = report.data;
  lines.push(`# Tally read benchmark — ${report.date}`);
  lines.push('');
  lines.push(`Command: \`${report.command}\``);
  lines.push('');
  lines.push(
    `Code: commit ${report.revision.commit}` +
      (report.revision.uncommittedSrc.length
        ? ` with uncommitted changes in ${report.revision.uncommittedSrc.map((f) => `\`${f}\``).join(', ')}`
        : ' (src/ clean)'),
  );
  lines.push('');
  lines.push(
    `Machine: ${report.machine.cpus} cores (${report.machine.cpuModel}), ${report.machine.memoryGb} GB, Linux ${report.machine.kernel}; ` +
      `Node ${report.versions.node}; PostgreSQL ${report.versions.postgres} ` +
      `(${Object.entries(report.database.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}). The load generator, the service and PostgreSQL share the machine; ` +
      `1-minute load average ${report.loadAverage.start} at the start, ${report.loadAverage.end} at the end.`,
  );
  lines.push('');
  lines.push(
    `Data (\`tally demo\`, seed ${d.seed}, loaded ${d.loadedAt}${d.loadSeconds === null ? '' : ` in ${d.loadSeconds} s`}): ` +
      `${num(d.activities)} activity records, ${num(d.executions)} executions, ${num(d.usages)} AI usages over ${d.days} days, ` +
      `${d.orgs} orgs, ${d.workspaces} workspaces, ${d.users} users. Largest org \`${d.largestOrg}\`` +
      (d.largestOrgRecords
        ? `: ${num(d.largestOrgRecords.activities ?? 0)} activity records, ${num(d.largestOrgRecords.executions ?? 0)} executions, ${num(d.largestOrgRecords.usages ?? 0)} AI usages`
        : '') +
      `; ${num(d.activityInLast7DaysOfLargestOrg)} of its activity records in the last 7 days at the start of the run. ` +
      `Usage history reads workspace ${d.targets.integerWorkspaceId}; AI usages workspace ${d.targets.aiWorkspaceId} ` +
      `(${num(d.targets.aiUsages)} usages); the workspace route ${d.targets.uuidWorkspaceId}.`,
  );
  lines.push('');
  lines.push(
    `Each row: ${num(report.settings.warmup)} warm-up requests, then the measured requests, closed loop over keep-alive HTTP/1.1 ` +
      'connections; latency from sending to the last byte of the body. Peak RSS: the largest resident set of the service ' +
      'process sampled every 50 ms during the row. CPU ms/req: CPU time (user + system, from /proc) of the service process, ' +
      'of the PostgreSQL client backends of the benchmark database (parallel workers not included) and of the load generator, ' +
      "divided by the measured requests. Other busy cores: the rest of the machine's busy CPU during the row " +
      '(other processes, PostgreSQL parallel workers), in cores; well above 0 means the row was disturbed. ' +
      'SQL floor: the statements the service ran for ten requests of the row, every tenth of a hundred (captured from an in-process ' +
      'instance of the same app on the same database, authentication and self-recording left out), replayed straight ' +
      'through `pg` round-robin at the same concurrency and request count, prepared (as the service prepares them). ' +
      `Service peak resident memory over the whole run (VmHWM): **${report.server.peakRssMb} MB**.`,
  );
  lines.push('');
  lines.push(
    '| scenario | issue | conns | requests | p50 ms | p99 ms | mean ms | max ms | req/s | SQL floor p50 · p99 ms | floor req/s | p50 ÷ floor p50 | peak RSS MB | CPU ms/req service · postgres · client | other busy cores | non-200 |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const scenario of report.scenarios) {
    for (const run of scenario.runs) {
      const bad = Object.entries(run.statuses)
        .filter(([status]) => status !== '200')
        .reduce((sum, [, n]) => sum + n, 0);
      lines.push(
        `| ${scenario.name} | ${scenario.issue ?? ''} | ${run.concurrency} | ${num(run.requests)} | ${run.p50Ms} | ${run.p99Ms} | ` +
          `${run.meanMs} | ${run.maxMs} | ${num(run.requestsPerSecond)} | ` +
          (run.floor
            ? `${run.floor.p50Ms} · ${run.floor.p99Ms} | ${num(run.floor.requestsPerSecond)} | ${Math.round((run.p50Ms / run.floor.p50Ms) * 10) / 10} | `
            : `${report.database.kind === 'pglite' ? 'not measured (PGlite)' : 'no SQL (cache hit)'} | – | – | `) +
          `${run.peakRssMb} | ` +
          `${run.cpuPerRequest.serviceMs} · ${run.cpuPerRequest.postgresMs} · ${run.cpuPerRequest.clientMs} | ${run.cpuPerRequest.otherBusyCores} | ${bad} |`,
      );
    }
  }
  if (report.scenarios.some((s) => s.runs.some((run) => run.serviceFloors)))
    lines.push('', ...serviceFloorMarkdown(report));
  if (report.before) lines.push('', ...beforeAfterMarkdown(report));
  if (report.ingestion) lines.push('', ...ingestionMarkdown(report.ingestion));
  if (report.ingestionBefore) {
    lines.push('', `### Ingestion before (${report.before?.ref ?? 'the earlier revision'})`, '');
    lines.push(...ingestionMarkdown(report.ingestionBefore).slice(2));
  }
  if (report.otlp) lines.push('', ...otlpMarkdown(report.otlp));
  lines.push('');
  lines.push('Routes:');
  lines.push('');
  for (const scenario of report.scenarios) {
    lines.push(`- ${scenario.name}: \`${scenario.route}\`${scenario.note ? ` — ${scenario.note}` : ''}`);
    for (const run of scenario.runs) {
      if (run.sampleError)
        lines.push(`  - at ${run.concurrency} conns, first non-200 answer: \`${run.sampleError}\``);
    }
  }
  lines.push('');
  return lines.join('\n');
}

const arrow = (before: number, after: number) => `${before} → **${after}**`;
const ratio = (value: number, floor: number) => Math.round((value / floor) * 100) / 100;

/** Every row's before (the `--before` revision) and after (this checkout), from the same run. */
function beforeAfterMarkdown(report: BenchReport): string[] {
  const before = report.before!;
  const lines = [
    `## Before and after: ${before.ref} (${before.commit.slice(0, 12)}) → ${report.revision.commit.slice(0, 12)}`,
    '',
    'Each row measured against both services in the same run, the earlier revision first, on the same data; ' +
      "the floor is this checkout's statements straight through `pg`.",
    '',
    '| scenario | conns | p50 ms | p99 ms | req/s | CPU ms/req service | CPU ms/req postgres | p50 ÷ floor p50 | req/s ÷ floor req/s |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const scenario of report.scenarios) {
    for (const run of scenario.runs) {
      const b = run.before;
      if (!b) continue;
      const f = run.floor;
      lines.push(
        `| ${scenario.name} | ${run.concurrency} | ${arrow(b.p50Ms, run.p50Ms)} | ${arrow(b.p99Ms, run.p99Ms)} | ` +
          `${arrow(b.requestsPerSecond, run.requestsPerSecond)} | ${arrow(b.cpuPerRequest.serviceMs, run.cpuPerRequest.serviceMs)} | ` +
          `${arrow(b.cpuPerRequest.postgresMs, run.cpuPerRequest.postgresMs)} | ` +
          (f
            ? `${arrow(ratio(b.p50Ms, f.p50Ms), ratio(run.p50Ms, f.p50Ms))} | ${arrow(ratio(b.requestsPerSecond, f.requestsPerSecond), ratio(run.requestsPerSecond, f.requestsPerSecond))} |`
            : '– | – |'),
      );
    }
  }
  return lines;
}

/** Each row beside the least a Fastify + pg (and a node:http + pg) service does for its statements. */
function serviceFloorMarkdown(report: BenchReport): string[] {
  const frameworks = [
    ...new Set(
      report.scenarios.flatMap((s) => s.runs.flatMap((r) => r.serviceFloors ?? []).map((f) => f.framework)),
    ),
  ];
  const label = { fastify: 'Fastify + pg', http: 'node:http + pg' } as const;
  const lines = [
    '## Service floors',
    '',
    "Each row's captured statements (the SQL floor's) answered over HTTP by the least a service does " +
      "(`bench/service-floor.ts`, started with the service's node flags): the statements run through a `pg` pool, " +
      'prepared, and every row they read sent as `JSON.stringify` text; no authentication, access check, validation, ' +
      'rendering, self-recording or logging. Same load generator, same connections, same request headers. CPU ms/req ' +
      'as above (the floor process and its PostgreSQL backends).',
    '',
    `| scenario | conns | service p50 ms · req/s · CPU ms/req service · postgres | ${frameworks
      .map((f) => `${label[f]}: p50 ms · req/s · CPU ms/req service · postgres · mean body bytes`)
      .join(' | ')} | service CPU ÷ ${label[frameworks[0]!]} | p50 ÷ SQL floor p50: service · ${frameworks
      .map((f) => label[f])
      .join(' · ')} |`,
    `|---|--:|--:|${frameworks.map(() => '--:|').join('')}--:|--:|`,
  ];
  for (const scenario of report.scenarios) {
    for (const run of scenario.runs) {
      if (!run.serviceFloors) continue;
      const cells = frameworks.map((framework) => {
        const f = run.serviceFloors!.find((x) => x.framework === framework);
        return f
          ? `${f.p50Ms} · ${num(f.requestsPerSecond)} · ${f.cpuPerRequest.serviceMs} · ${f.cpuPerRequest.postgresMs} · ${num(f.bodyBytes)}`
          : '–';
      });
      const first = run.serviceFloors.find((x) => x.framework === frameworks[0]);
      // Where a service floor's own p50 is over 2× the SQL floor's, issue #16's read target is
      // below what the least service costs on this machine.
      const overSql = (p50: number | undefined) =>
        p50 === undefined || !run.floor ? '–' : String(Math.round((p50 / run.floor.p50Ms) * 10) / 10);
      const floorRatios = frameworks.map((f) =>
        overSql(run.serviceFloors!.find((x) => x.framework === f)?.p50Ms),
      );
      lines.push(
        `| ${scenario.name} | ${run.concurrency} | ${run.p50Ms} · ${num(run.requestsPerSecond)} · ${run.cpuPerRequest.serviceMs} · ${run.cpuPerRequest.postgresMs} | ` +
          `${cells.join(' | ')} | ${first ? ratio(run.cpuPerRequest.serviceMs, first.cpuPerRequest.serviceMs) : '–'} | ` +
          `${[overSql(run.p50Ms), ...floorRatios].join(' · ')} |`,
      );
    }
  }
  return lines;
}

const ratioOf = (value: number | null, floor: number | null) =>
  value === null || floor === null || floor === 0 ? '–' : `${Math.round((value / floor) * 100) / 100} ×`;

function ingestionMarkdown(result: IngestResult): string[] {
  const row = (name: string, f: IngestResult['copy'], unit: string) =>
    `| ${name} | ${num(f.events)} ${unit} | ${f.seconds} | **${num(f.eventsPerSecond)}** | ${f.p50Ms} | ${f.p99Ms} | ` +
    `${f.peakRssMb ?? '–'} | ${f.cpuMsPerThousandEvents.service ?? '–'} · ${f.cpuMsPerThousandEvents.postgres} · ${f.cpuMsPerThousandEvents.client} |`;
  const stored = result.stored;
  const expected = result.expected;
  const exact =
    stored.activities === expected.activities &&
    stored.executions === expected.executions &&
    stored.usages === expected.usages;
  return [
    '## Ingestion',
    '',
    `Batches of ${num(result.batchSize)} CloudEvents (${result.mix}; ${result.duplicateShare * 100}% of each batch resent from earlier ` +
      `batches), ${result.clients} concurrent clients, into the loaded database with all its indexes and rollups. COPY loads the ` +
      'same new records (CSV) into the same tables over as many connections, one transaction per batch, as ingestion commits. ' +
      `Per second: events sent (HTTP) and rows loaded (COPY). **Ratio HTTP / COPY: ${result.ratio}.** ` +
      `Stored after the run: ${num(stored.activities)} activity records, ${num(stored.executions)} executions, ` +
      `${num(stored.usages)} AI usages (${exact ? 'exactly the distinct events sent' : `EXPECTED ${num(expected.activities)} / ${num(expected.executions)} / ${num(expected.usages)}`}); ` +
      `answers: ${num(result.http.accepted)} accepted, ${num(result.http.duplicates)} duplicates.`,
    '',
    '| phase | volume | seconds | per second | p50 ms/batch | p99 ms/batch | peak RSS MB | CPU ms per 1,000 service · postgres · client |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    row('POST /v1/ingest (10% duplicates)', result.http, 'events'),
    row('POST /v1/ingest, duplicates only', result.duplicatesOnly, 'events'),
    row('COPY, same records', result.copy, 'rows'),
    ...(result.floor
      ? [
          row("Fastify + pg floor: the same batches, parsed, new records COPY'd", result.floor, 'events'),
          '',
          `The floor (bench/lib/ingest-floor.ts) takes the same batches over HTTP and stores their new records with COPY ` +
            '(duplicates skipped by a Set in its memory), and nothing else: no authentication, validation, claims, rollups, ' +
            `users, agents or self-recording. **Ratio floor / COPY: ${result.floor.ratio}**; the service's CPU ÷ the floor's: ` +
            `${ratioOf(result.http.cpuMsPerThousandEvents.service, result.floor.cpuMsPerThousandEvents.service)} (service), ` +
            `${ratioOf(result.http.cpuMsPerThousandEvents.postgres, result.floor.cpuMsPerThousandEvents.postgres)} (PostgreSQL).`,
        ]
      : []),
  ];
}

function otlpMarkdown(result: OtlpIngestResult): string[] {
  const row = (f: OtlpIngestResult['formats'][number]) =>
    `| ${f.label} | \`${f.path}\` ${f.contentType} | ${num(f.records)} ${f.unit} | ${f.bodyBytesPerRecord} | ${f.seconds} | ` +
    `**${num(f.recordsPerSecond)}** | ${num(f.ledgerRecordsPerSecond)} | ${f.p50Ms} | ${f.p99Ms} | ${f.peakRssMb} | ` +
    `${f.cpuMsPerThousandRecords.service} · ${f.cpuMsPerThousandRecords.postgres} · ${f.cpuMsPerThousandRecords.client} | ` +
    `${f.cpuMsPerThousandLedgerRecords.service} · ${f.cpuMsPerThousandLedgerRecords.postgres} | ${f.otherBusyCores} | ` +
    `${f.storedAsExpected ? 'yes' : `NO: ${f.stored.activities} / ${f.stored.executions} / ${f.stored.usages}, ${num(f.stored.executionTokens)} tokens`} |`;
  const ratios = result.protobufOverCloudEvents;
  return [
    '## OTLP ingestion beside CloudEvents (#13)',
    '',
    `${num(result.runs)} agent runs per format (${result.shape}), traced by the OpenTelemetry JS SDK and encoded ` +
      "by the OTLP exporters' serializers, or as the CloudEvents of the records the same spans become (an activity " +
      `record, an execution, an AI tool usage per run); ${result.runsPerRequest} runs per request, ${result.clients} ` +
      'concurrent clients, each format into a fresh org of its own, no resends. A ledger record is one of the three ' +
      'rows a run leaves, whichever door it came through: the like-for-like unit. ' +
      `**OTLP protobuf / CloudEvents JSON, service CPU: ${ratios.serviceCpuPerRecord} per span vs event, ` +
      `${ratios.serviceCpuPerLedgerRecord} per ledger record (target ≤ 1: ${result.targetMet ? 'met' : 'missed'}); ` +
      `service + PostgreSQL per ledger record: ${ratios.totalCpuPerLedgerRecord}.**`,
    '',
    '| format | request | volume | body bytes per record | seconds | records per second | ledger records per second | p50 ms/request | p99 ms/request | peak RSS MB | CPU ms per 1,000 records service · postgres · client | CPU ms per 1,000 ledger records service · postgres | other busy cores | stored as sent |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...result.formats.map(row),
  ];
}
