// The soak's record: what ran where, the capacity probe, one row per window, memory, and the
// events acknowledged vs stored; as JSON, as markdown, and one console line per window.
import type { BenchReport } from '../lib/report.js';
import type { EventKind } from './events.js';
import type { LedgerCounts } from './ingest-ledger.js';
import type { MemoryVerdict } from './memory.js';
import type { Figures, StatusCounts } from './tally.js';
import type { StoredCounts } from './verify.js';

export interface WindowRow {
  index: number;
  startSeconds: number;
  endSeconds: number;
  offeredPerSecond: number;
  achievedPerSecond: number;
  read: Figures;
  ingest: Figures;
  errors: number;
  failures: number;
  statuses: StatusCounts;
  /** VmRSS at the end of the window, and the largest sample (every 50 ms) during it. */
  rssMb: number;
  peakRssMb: number;
}

export interface SoakReport {
  benchmark: 'soak';
  date: string;
  command: string;
  revision: BenchReport['revision'];
  machine: BenchReport['machine'];
  loadAverage: { start: number; end: number };
  versions: BenchReport['versions'];
  database: BenchReport['database'];
  data: Record<string, unknown>;
  settings: {
    minutes: number;
    load: number;
    fixedRate: number | null;
    windowSeconds: number;
    capacitySeconds: number;
    capacityConcurrency: number;
    batchSize: number;
    mix: string;
    readRoutes: string[];
    rateLimiter: string;
  };
  capacity: { requestsPerSecond: number; seconds: number; read: Figures; ingest: Figures; errors: number };
  targetRate: number;
  windows: WindowRow[];
  routes: ({ name: string } & Figures)[];
  memory: MemoryVerdict;
  events: LedgerCounts & { acknowledgedTotal: number; stored: StoredCounts; storedTotal: number };
  errors: { total: number; failures: number; statuses: StatusCounts; first: string | null };
  /** Answers by status in each phase: the probes saturate the service on purpose, the soak must not. */
  phases: { warmup: StatusCounts; capacity: StatusCounts; soak: StatusCounts };
  serviceExit: string | null;
  /** Problems fail the soak (exit 1); warnings are reported only. */
  outcome: { pass: boolean; problems: string[]; warnings: string[] };
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

export const WINDOW_HEADER =
  'elapsed s   req/s  read p50  read p99  ingest p50  ingest p99  errors  RSS MB\n' +
  '---------  ------  --------  --------  ----------  ----------  ------  ------';

export function windowLine(row: WindowRow): string {
  return [
    pad(Math.round(row.endSeconds), 9),
    pad(row.achievedPerSecond, 6),
    pad(row.read.p50Ms, 8),
    pad(row.read.p99Ms, 8),
    pad(row.ingest.p50Ms, 10),
    pad(row.ingest.p99Ms, 10),
    pad(row.errors, 6),
    pad(row.rssMb, 6),
  ].join('  ');
}

const num = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '–');
const KINDS: [EventKind, string][] = [
  ['activity', 'activity.recorded'],
  ['execution', 'execution.recorded'],
  ['ai_usage', 'ai_usage.recorded'],
  ['archive', 'execution.archived'],
];

export function toMarkdown(r: SoakReport): string {
  const m = r.memory;
  const e = r.events;
  const lines = [
    `# Tally soak — ${r.date}`,
    '',
    `**${r.outcome.pass ? 'PASS' : 'FAIL'}**${r.outcome.problems.length ? `: ${r.outcome.problems.join('; ')}` : ''}`,
    '',
    ...(r.outcome.warnings.length ? [`Warnings: ${r.outcome.warnings.join('; ')}.`, ''] : []),
    `Command: \`${r.command}\``,
    '',
    `Code: commit ${r.revision.commit}${r.revision.uncommittedSrc.length ? ` with uncommitted changes in ${r.revision.uncommittedSrc.map((f) => `\`${f}\``).join(', ')}` : ' (src/ clean)'}`,
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGb} GB, Linux ${r.machine.kernel}; ` +
      `Node ${r.versions.node}; PostgreSQL ${r.versions.postgres}, database \`${r.database.name}\`. The load generator, ` +
      `the service and PostgreSQL share the machine; 1-minute load average ${r.loadAverage.start} at the start, ${r.loadAverage.end} at the end.`,
    '',
    `Data: ${Object.entries(r.data)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v) : String(v)}`)
      .join(', ')}.`,
    '',
    `Workload: ${r.settings.mix} (batches of ${r.settings.batchSize} CloudEvents, ~10% of them resent duplicates); ` +
      `reads: ${r.settings.readRoutes.join(' · ')}. Rate limiter: ${r.settings.rateLimiter}.`,
    '',
    `Capacity (closed loop, ${r.settings.capacityConcurrency} connections, ${r.capacity.seconds} s): ` +
      `**${num(r.capacity.requestsPerSecond)} req/s** (reads p50 ${r.capacity.read.p50Ms} / p99 ${r.capacity.read.p99Ms} ms, ` +
      `ingest p50 ${r.capacity.ingest.p50Ms} / p99 ${r.capacity.ingest.p99Ms} ms, ${r.capacity.errors} errors). ` +
      `Soak: open loop at **${num(r.targetRate)} req/s** ` +
      `(${r.settings.fixedRate === null ? `${r.settings.load} x capacity` : 'fixed by --rate'}) for ${r.settings.minutes} min; ` +
      'latency from the scheduled send time to the last byte of the answer.',
    '',
    '| window end s | offered req/s | achieved req/s | read p50 ms | read p99 ms | ingest p50 ms | ingest p99 ms | errors | 5xx/no answer | RSS MB | peak RSS MB |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...r.windows.map(
      (w) =>
        `| ${Math.round(w.endSeconds)} | ${w.offeredPerSecond} | ${w.achievedPerSecond} | ${w.read.p50Ms} | ${w.read.p99Ms} | ` +
        `${w.ingest.p50Ms} | ${w.ingest.p99Ms} | ${w.errors} | ${w.failures} | ${w.rssMb} | ${w.peakRssMb} |`,
    ),
    '',
    '| route (whole soak) | requests | p50 ms | p99 ms | max ms |',
    '|---|--:|--:|--:|--:|',
    ...r.routes.map((x) => `| ${x.name} | ${num(x.requests)} | ${x.p50Ms} | ${x.p99Ms} | ${x.maxMs} |`),
    '',
    `Memory (service VmRSS): ${m.readyMb} MB when ready, **${m.startMb} MB at the start of the soak, ${m.endMb} MB at the end** ` +
      `(${m.growthMb >= 0 ? '+' : ''}${m.growthMb} MB, ${m.growthPercent}%; tolerance ${m.toleranceMb} MB: ` +
      `${m.grewBeyondNoise === null ? 'too few windows to judge' : m.grewBeyondNoise ? '**grew beyond noise**' : 'within noise'}); second-half slope ${m.secondHalfSlopeMbPerMinute} MB/min; ` +
      `lifetime peak ${m.lifetimePeakMb} MB.`,
    '',
    `Events: **${num(e.acknowledgedTotal)} acknowledged, ${num(e.storedTotal)} stored** ` +
      `(sum of the answers' \`accepted\`: ${num(e.acceptedReported)}; resent duplicates ${num(e.duplicatesSent)}, of which ${num(e.duplicatesAnswered)} in answered batches and reported as duplicates ${num(e.duplicatesReported)}; ` +
      `rejected ${num(e.rejected)}; new events without a 2xx answer ${num(e.unanswered)}; answers not matching their batch ${e.answerMismatches}; ` +
      `claims of the run's sources in ingested_events ${num(e.stored.claimsOfRun)}).`,
    '',
    '| event type | sent | acknowledged | claim stored | record stored |',
    '|---|--:|--:|--:|--:|',
    ...KINDS.map(
      ([k, label]) =>
        `| ${label} | ${num(e.sent[k])} | ${num(e.acknowledged[k])} | ${num(e.stored.claims[k])} | ${num(e.stored.records[k])} |`,
    ),
    '',
    `Errors: ${r.errors.total} (statuses: warm-up ${JSON.stringify(r.phases.warmup)}, capacity ${JSON.stringify(r.phases.capacity)}, soak ${JSON.stringify(r.phases.soak)})${r.errors.first ? `; first: \`${r.errors.first.replaceAll('`', "'")}\`` : ''}.` +
      (e.firstProblem ? ` Ingestion: \`${e.firstProblem.replaceAll('`', "'")}\`.` : ''),
    '',
  ];
  return lines.join('\n');
}
