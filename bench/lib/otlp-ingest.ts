// Issue #13's benchmark: OTLP/HTTP trace ingestion (`POST /otlp/v1/traces`, protobuf and JSON)
// beside CloudEvents ingestion (`POST /v1/ingest`) of the same records. Each format sends the
// same number of agent runs (otlp-workload.ts), the same number of runs per request and so the
// same ledger records per transaction, over the same number of clients, each into a fresh org of
// its own (removed afterwards). Per format: records on the wire (spans or events) per second, and
// the CPU of the service and of PostgreSQL per 1,000 of them and per 1,000 ledger records (an
// activity, an execution and an AI usage per run, whichever door they came through).
import http from 'node:http';
import pg from 'pg';
import { openDatabase } from '../../src/db/open.js';
import { loadWorld } from '../../src/demo/world.js';
import { ExportTraceServiceResponse } from '../../src/ingest/otlp/proto.js';
import { CpuMeter } from './cpu.js';
import { percentile } from './http-load.js';
import { checkpoint, ingestToken, pool, post, removeOrgs } from './ingest.js';
import {
  buildFormatWorkload,
  FORMATS,
  type FormatWorkload,
  LEDGER_RECORDS_PER_RUN,
  type OtlpBenchFormat,
  TOKENS_PER_RUN,
} from './otlp-workload.js';
import type { RunningServer } from './server.js';

/**
 * Runs per request: 100 runs are 500 spans, about what the SDK's BatchSpanProcessor exports at
 * once (512 spans at most), and 300 CloudEvents.
 */
export const RUNS_PER_REQUEST = 100;

export interface OtlpFormatFigures {
  format: OtlpBenchFormat;
  label: string;
  path: string;
  contentType: string;
  /** 'spans' or 'events'. */
  unit: string;
  requests: number;
  runs: number;
  /** Spans or events sent. */
  records: number;
  bodyBytesPerRecord: number;
  seconds: number;
  recordsPerSecond: number;
  /** Ledger records (activity + execution + AI usage per run) stored per second. */
  ledgerRecordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  cpuMsPerThousandRecords: { service: number; postgres: number; client: number };
  cpuMsPerThousandLedgerRecords: { service: number; postgres: number };
  otherBusyCores: number;
  /** What the org holds afterwards: one activity, execution and usage per run, 300 tokens each. */
  stored: { activities: number; executions: number; usages: number; executionTokens: number };
  storedAsExpected: boolean;
}

export interface OtlpIngestResult {
  runs: number;
  runsPerRequest: number;
  clients: number;
  shape: string;
  formats: OtlpFormatFigures[];
  /** OTLP protobuf's CPU over CloudEvents JSON's, per record on the wire and per ledger record. */
  protobufOverCloudEvents: {
    serviceCpuPerRecord: number;
    serviceCpuPerLedgerRecord: number;
    totalCpuPerLedgerRecord: number;
  };
  /** Issue #13: OTLP protobuf costs no more service CPU per ledger record than CloudEvents JSON. */
  targetMet: boolean;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** The answer's count of rejected spans or events (0 when everything was recorded or a duplicate). */
function rejectedIn(format: OtlpBenchFormat, body: Buffer): number {
  if (format === 'otlp-protobuf') {
    const answer = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), {
      longs: Number,
    }) as { partialSuccess?: { rejectedSpans?: number } };
    return answer.partialSuccess?.rejectedSpans ?? 0;
  }
  const answer = JSON.parse(body.toString('utf8')) as {
    partialSuccess?: { rejectedSpans?: string };
    rejected?: number;
  };
  return format === 'otlp-json' ? Number(answer.partialSuccess?.rejectedSpans ?? 0) : (answer.rejected ?? 0);
}

async function storedIn(databaseUrl: string, orgId: string): Promise<OtlpFormatFigures['stored']> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The ids the runs' records carry: `<trace id>-<span id>` (not the service's self-recorded activity).
    const count = async (table: string) =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${table} WHERE org_id = $1 AND id ~ '^[0-9a-f]{32}-[0-9a-f]{16}$'`,
            [orgId],
          )
        ).rows[0]!.n,
      );
    const tokens = await client.query<{ n: string | null }>(
      'SELECT sum(tokens_total) AS n FROM executions WHERE org_id = $1',
      [orgId],
    );
    return {
      activities: await count('activities'),
      executions: await count('executions'),
      usages: await count('ai_usages'),
      executionTokens: Number(tokens.rows[0]!.n ?? 0),
    };
  } finally {
    await client.end();
  }
}

/** What one format's measured segments add up to. */
interface Tally {
  seconds: number;
  latencies: number[];
  serviceMs: number;
  postgresMs: number;
  clientMs: number;
  /** Other busy cores × seconds, to average over the segments. */
  otherCoreSeconds: number;
  peakRss: number;
}

interface Sender {
  workload: FormatWorkload;
  token: string;
  tally: Tally;
}

async function send(
  sender: Sender,
  bodies: Buffer[],
  options: { server: RunningServer; clients: number },
): Promise<{ seconds: number; latencies: number[] }> {
  const spec = FORMATS[sender.workload.format];
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies: number[] = [];
  try {
    const seconds = await pool(bodies.length, options.clients, async (index) => {
      const answer = await post(
        agent,
        new URL(options.server.baseUrl),
        sender.token,
        bodies[index]!,
        spec.path,
        spec.contentType,
      );
      latencies.push(answer.ms);
      if (answer.status !== 200)
        throw new Error(`${spec.label} answered ${answer.status}: ${answer.body.toString('utf8', 0, 300)}`);
      const rejected = rejectedIn(sender.workload.format, answer.body);
      if (rejected > 0)
        throw new Error(
          `${spec.label}: ${rejected} records rejected: ${answer.body.toString('utf8', 0, 300)}`,
        );
    });
    return { seconds, latencies };
  } finally {
    agent.destroy();
  }
}

/** One measured segment of a format: its share of the bodies, from a fresh checkpoint. */
async function segment(
  sender: Sender,
  bodies: Buffer[],
  cpu: CpuMeter,
  options: { server: RunningServer; databaseUrl: string; clients: number },
): Promise<void> {
  await checkpoint(options.databaseUrl);
  options.server.resetPeak();
  const before = await cpu.snapshot();
  const { seconds, latencies } = await send(sender, bodies, options);
  const after = await cpu.snapshot();
  const spent = CpuMeter.perRequest(before, after, 1);
  const tally = sender.tally;
  tally.seconds += seconds;
  tally.latencies.push(...latencies);
  tally.serviceMs += spent.serviceMs;
  tally.postgresMs += spent.postgresMs;
  tally.clientMs += spent.clientMs;
  tally.otherCoreSeconds += spent.otherBusyCores * seconds;
  tally.peakRss = Math.max(tally.peakRss, options.server.sampledPeak());
}

async function figuresOf(sender: Sender, databaseUrl: string): Promise<OtlpFormatFigures> {
  const { workload, tally } = sender;
  const spec = FORMATS[workload.format];
  const ledgerRecords = workload.runs * LEDGER_RECORDS_PER_RUN;
  const per = (ms: number, count: number) => round(ms / (count / 1000));
  tally.latencies.sort((a, b) => a - b);
  const stored = await storedIn(databaseUrl, workload.world.id);
  const sentRuns = workload.runs + workload.warmupRuns;
  return {
    format: workload.format,
    label: spec.label,
    path: spec.path,
    contentType: spec.contentType,
    unit: spec.unit,
    requests: workload.bodies.length,
    runs: workload.runs,
    records: workload.records,
    bodyBytesPerRecord: Math.round(workload.bytes / workload.records),
    seconds: round(tally.seconds),
    recordsPerSecond: Math.round(workload.records / tally.seconds),
    ledgerRecordsPerSecond: Math.round(ledgerRecords / tally.seconds),
    p50Ms: round(percentile(tally.latencies, 50)),
    p99Ms: round(percentile(tally.latencies, 99)),
    peakRssMb: mb(tally.peakRss),
    cpuMsPerThousandRecords: {
      service: per(tally.serviceMs, workload.records),
      postgres: per(tally.postgresMs, workload.records),
      client: per(tally.clientMs, workload.records),
    },
    cpuMsPerThousandLedgerRecords: {
      service: per(tally.serviceMs, ledgerRecords),
      postgres: per(tally.postgresMs, ledgerRecords),
    },
    otherBusyCores: round(tally.otherCoreSeconds / tally.seconds),
    stored,
    storedAsExpected:
      stored.activities === sentRuns &&
      stored.executions === sentRuns &&
      stored.usages === sentRuns &&
      stored.executionTokens === sentRuns * TOKENS_PER_RUN,
  };
}

/**
 * The three formats measured in turns: each format's requests are split into ROUNDS segments,
 * and each round runs one segment of every format (in a rotated order, so none is always first
 * after another's writes), each from a fresh checkpoint. Drift on a shared machine (other work,
 * autovacuum, the tables' growth) then falls on every format alike.
 */
export const ROUNDS = 3;
/** Unmeasured requests per format first, so that no format pays the service's JIT warm-up alone. */
export const WARMUP_REQUESTS = 4;

export async function runOtlpIngest(options: {
  server: RunningServer;
  databaseUrl: string;
  databaseName: string;
  adminToken: string;
  runs: number;
  clients: number;
}): Promise<OtlpIngestResult> {
  const order: OtlpBenchFormat[] = ['cloudevents', 'otlp-protobuf', 'otlp-json'];
  const orgIds = order.map((_, i) => `demo-${911 + i}-org-001`);
  await removeOrgs(options.databaseUrl, orgIds);
  const senders: Sender[] = [];
  try {
    for (const [i, format] of order.entries()) {
      process.stderr.write(
        `bench: ${FORMATS[format].label}: encoding ${options.runs.toLocaleString('en-US')} agent runs…\n`,
      );
      const workload = await buildFormatWorkload({
        format,
        runs: options.runs,
        warmupRuns: WARMUP_REQUESTS * RUNS_PER_REQUEST,
        runsPerRequest: RUNS_PER_REQUEST,
        seed: 911 + i,
      });
      const database = await openDatabase({ kind: 'postgres', url: options.databaseUrl, poolSize: 1 });
      try {
        await loadWorld(database.db, [workload.world]);
      } finally {
        await database.close();
      }
      const token = await ingestToken(options.server.baseUrl, options.adminToken, workload.world.id);
      senders.push({
        workload,
        token,
        tally: {
          seconds: 0,
          latencies: [],
          serviceMs: 0,
          postgresMs: 0,
          clientMs: 0,
          otherCoreSeconds: 0,
          peakRss: 0,
        },
      });
    }
    process.stderr.write(
      `bench: OTLP comparison: ${WARMUP_REQUESTS} warm-up requests per format, then ${ROUNDS} rounds of ` +
        `${Math.ceil(senders[0]!.workload.bodies.length / ROUNDS)} requests of ${RUNS_PER_REQUEST} runs per format, ${options.clients} clients\n`,
    );
    for (const sender of senders) await send(sender, sender.workload.warmup, options);
    const cpu = await CpuMeter.open(options.databaseUrl, options.databaseName, options.server.pid);
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        for (let k = 0; k < senders.length; k += 1) {
          const sender = senders[(round + k) % senders.length]!;
          const bodies = sender.workload.bodies;
          const size = Math.ceil(bodies.length / ROUNDS);
          const part = bodies.slice(round * size, (round + 1) * size);
          if (part.length > 0) await segment(sender, part, cpu, options);
        }
      }
    } finally {
      await cpu.close();
    }
    const formats: OtlpFormatFigures[] = [];
    for (const sender of senders) {
      const figures = await figuresOf(sender, options.databaseUrl);
      formats.push(figures);
      process.stderr.write(
        `bench: ${figures.label}: ${figures.recordsPerSecond} ${figures.unit}/s (${figures.ledgerRecordsPerSecond} ledger records/s), ` +
          `CPU ms per 1,000 ${figures.unit} service ${figures.cpuMsPerThousandRecords.service} postgres ${figures.cpuMsPerThousandRecords.postgres}, ` +
          `per 1,000 ledger records service ${figures.cpuMsPerThousandLedgerRecords.service} postgres ${figures.cpuMsPerThousandLedgerRecords.postgres}, ` +
          `other busy cores ${figures.otherBusyCores}${figures.storedAsExpected ? '' : `, STORED ${JSON.stringify(figures.stored)}`}\n`,
      );
    }
    return summary(formats, options);
  } finally {
    await removeOrgs(options.databaseUrl, orgIds);
  }
}

function summary(formats: OtlpFormatFigures[], options: { runs: number; clients: number }): OtlpIngestResult {
  const of = (format: OtlpBenchFormat) => formats.find((f) => f.format === format)!;
  const protobuf = of('otlp-protobuf');
  const cloudEvents = of('cloudevents');
  const total = (f: OtlpFormatFigures) =>
    f.cpuMsPerThousandLedgerRecords.service + f.cpuMsPerThousandLedgerRecords.postgres;
  const ratios = {
    serviceCpuPerRecord: round(
      protobuf.cpuMsPerThousandRecords.service / cloudEvents.cpuMsPerThousandRecords.service,
    ),
    serviceCpuPerLedgerRecord: round(
      protobuf.cpuMsPerThousandLedgerRecords.service / cloudEvents.cpuMsPerThousandLedgerRecords.service,
    ),
    totalCpuPerLedgerRecord: round(total(protobuf) / total(cloudEvents)),
  };
  return {
    runs: options.runs,
    runsPerRequest: RUNS_PER_REQUEST,
    clients: options.clients,
    shape: 'server span → invoke_agent → chat, execute_tool, chat (5 spans; 3 CloudEvents; 300 tokens)',
    formats,
    protobufOverCloudEvents: ratios,
    targetMet: ratios.serviceCpuPerLedgerRecord <= 1,
  };
}
