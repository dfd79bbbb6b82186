// bench:memory's embedded case (issue #16): the service started as `npm start` starts it, on
// PGlite, over a data folder holding the read benchmark's 1,000,000 activity records. It measures
// the resident memory of the idle service after opening the data, while the cursor chain is
// collected, and under 16 concurrent readers of activity cursor pages with 2 clients ingesting
// CloudEvent batches at the same time for 30 s, with the pages/s and events/s it served beside.
// Each run works on a copy of the loaded folder, so the dataset stays as `tally demo` left it and
// every run starts from the same data.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/open.js';
import { loadWorld } from '../../src/demo/world.js';
import { processCpuMs } from './cpu.js';
import { datasetSpec } from './dataset.js';
import { percentile, send } from './http-load.js';
import { ingestToken, post } from './ingest.js';
import { buildIngestWorkload } from './ingest-workload.js';
import type { ProbeLine } from './memory-probe.js';
import { ensurePgliteDataset, pgliteDataDir, withPglite } from './pglite-dataset.js';
import { findTargets } from './scenarios.js';
import { startServer } from './server.js';

/** The read benchmark's PGlite dataset: scale 0.1 is 1,000,000 activity records. */
export const PGLITE_MEMORY_SCALE = 0.1;
const SEED = 1;
/** The read benchmark's secret key: the dataset's tokens were made with it. */
const SECRET_KEY = 'tally-bench-secret-key-not-for-production-0001';
const READERS = 16;
const INGESTERS = 2;
const BATCH_SIZE = 1_000;
/** Cursor pages collected from the first page before the load (the read benchmark's chain). */
const CURSOR_PAGES = 1_000;

/** The memory settings reported beside the figures. */
const SETTINGS = ['shared_buffers', 'work_mem', 'temp_buffers', 'wal_buffers', 'maintenance_work_mem'];

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** The largest value of each memoryUsage() field the probe saw in [from, to], in MB. */
export interface MemorySplit {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  newSpace: number;
  oldSpace: number;
}

export interface PgliteMemoryPhase {
  name: string;
  seconds: number;
  /** Largest VmRSS sampled every 50 ms during the phase, MB. */
  peakRssMb: number;
  /** VmRSS at the end of the phase, MB. */
  endRssMb: number;
  /** process.memoryUsage() maxima inside the service during the phase (null without the probe). */
  split: MemorySplit | null;
  pagesPerSecond?: number;
  eventsPerSecond?: number;
  pageP50Ms?: number;
  pageP99Ms?: number;
  batchP50Ms?: number;
  batchP99Ms?: number;
  /** Service CPU, in cores (user + system over wall time). */
  serviceCores?: number;
  /** Service CPU per request, in a phase of readers alone / of ingesting clients alone. */
  serviceCpuMsPerPage?: number;
  serviceCpuMsPer1000Events?: number;
  answers?: Record<string, number>;
}

export interface PgliteMemoryResult {
  case: 'pglite';
  dataDir: string;
  records: { activities: number; executions: number; usages: number };
  readers: number;
  ingesters: number;
  batchSize: number;
  cursorPages: number;
  phases: PgliteMemoryPhase[];
  /** VmHWM of the service over its whole life (or the largest sample, if larger), MB. */
  peakRssMb: number;
  died: string | null;
  unexpectedAnswers: string[];
  /** The settings the service's database answered with (SHOW …), read after the run. */
  settings: Record<string, string>;
}

function readProbe(file: string): ProbeLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ProbeLine);
}

function splitBetween(lines: ProbeLine[], from: number, to: number): MemorySplit | null {
  // A probe line covers the second before its `at`.
  const inside = lines.filter((line) => line.at > from && line.at - 1000 < to);
  if (inside.length === 0) return null;
  const max = (key: keyof MemorySplit) => mb(Math.max(...inside.map((line) => line[key])));
  return {
    rss: max('rss'),
    heapUsed: max('heapUsed'),
    heapTotal: max('heapTotal'),
    external: max('external'),
    arrayBuffers: max('arrayBuffers'),
    newSpace: max('newSpace'),
    oldSpace: max('oldSpace'),
  };
}

function rssNow(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A GET with the service token, through the read benchmark's client. */
const get = (agent: http.Agent, url: URL, path: string, token: string) =>
  send(agent, url, { path, headers: { authorization: `Bearer ${token}` } });

export async function runPgliteCase(options: {
  port: number;
  adminToken: string;
  seconds: number;
  reload: boolean;
  /** The read benchmark's scale (0.1 unless a quicker check is wanted). */
  scale: number;
}): Promise<PgliteMemoryResult> {
  const spec = datasetSpec(options.scale, SEED);
  const source = pgliteDataDir(options.scale);
  const dataset = await ensurePgliteDataset(source, SECRET_KEY, spec, options.reload);
  const dataDir = `${source}-memory-run`;
  rmSync(dataDir, { recursive: true, force: true });
  process.stderr.write(`bench:memory: copying ${source} to ${dataDir}\n`);
  cpSync(source, dataDir, { recursive: true });
  const probeFile = resolve(dataDir, 'memory-probe.jsonl');
  try {
    const targets = await withPglite(dataDir, (query) => findTargets(query, dataset));
    // The ingesting clients' org (40 workspaces, 400 users), as the ingestion benchmark makes it.
    // Enough for the mixed phase and the ingesting clients alone at the rates seen so far with
    // room to spare (alone they reached 21,000 events/s on 2026-12-06; running out is a failure).
    const alone = Math.max(5, Math.round(options.seconds / 3));
    const events = Math.max(BATCH_SIZE, options.seconds * 10_000 + alone * 40_000);
    process.stderr.write(`bench:memory: building ${events.toLocaleString('en-US')} events…\n`);
    const workload = buildIngestWorkload({
      events,
      batchSize: BATCH_SIZE,
      seed: 902,
      copyOrgId: 'bench-memory-unused',
      now: Date.now(),
    });
    workload.copy.length = 0;
    {
      const database = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
      try {
        await loadWorld(database.db, [workload.world]);
      } finally {
        await database.close();
      }
    }

    const probe = resolve('dist-bench/bench/lib/memory-probe.js');
    const server = await startServer({
      databaseUrl: '',
      secretKey: SECRET_KEY,
      port: options.port,
      adminToken: options.adminToken,
      env: {
        TALLY_DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
        TALLY_BENCH_MEMORY_PROBE: probeFile,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${probe}`.trim(),
      },
    });
    const phases: PgliteMemoryPhase[] = [];
    const unexpected = new Set<string>();
    const cursorPages: string[] = [];
    let peak = 0;
    let died: string | null = null;
    try {
      const base = new URL(server.baseUrl);
      const phase = async (
        name: string,
        run: () => Promise<Partial<PgliteMemoryPhase>>,
      ): Promise<PgliteMemoryPhase> => {
        server.resetPeak();
        const from = Date.now();
        const figures = await run();
        const to = Date.now();
        // Let the probe write the last second out.
        await new Promise((r) => setTimeout(r, 1100));
        const result: PgliteMemoryPhase = {
          name,
          seconds: Math.round((to - from) / 100) / 10,
          peakRssMb: mb(server.sampledPeak()),
          endRssMb: mb(rssNow(server.pid)),
          split: splitBetween(readProbe(probeFile), from, to),
          ...figures,
        };
        phases.push(result);
        process.stderr.write(`bench:memory: pglite ${name}: ${JSON.stringify(result)}\n`);
        return result;
      };

      await phase('opened, idle 10 s', async () => {
        await new Promise((r) => setTimeout(r, 10_000));
        return {};
      });

      const org = encodeURIComponent(targets.orgId);
      const week = `start_time=${encodeURIComponent(new Date(Date.now() - 7 * 86_400_000).toISOString())}`;
      await phase(`first page + ${CURSOR_PAGES} cursor pages, one client`, async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        let path: string | null = `/v1/orgs/${org}/activity?${week}`;
        while (path !== null && cursorPages.length < CURSOR_PAGES) {
          const answer = await get(agent, base, path, targets.serviceToken);
          if (answer.status !== 200) throw new Error(`collecting cursors: ${answer.status} ${answer.body}`);
          const next = (JSON.parse(answer.body) as { next_cursor: string | null }).next_cursor;
          path = next ? `/v1/orgs/${org}/activity?${week}&cursor=${encodeURIComponent(next)}` : null;
          if (path !== null) cursorPages.push(path);
        }
        agent.destroy();
        if (cursorPages.length === 0) throw new Error('the first activity page has no next_cursor');
        return {};
      });

      const token = await ingestToken(server.baseUrl, options.adminToken, workload.world.id);
      const load = async (
        readers: number,
        ingesters: number,
        seconds: number,
      ): Promise<Partial<PgliteMemoryPhase>> => {
        const deadline = Date.now() + seconds * 1000;
        const readAgent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, readers) });
        const ingestAgent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, ingesters) });
        const pageMs: number[] = [];
        const batchMs: number[] = [];
        const answers: Record<string, number> = {};
        const count = (kind: string, status: number) => {
          const key = `${kind} ${status}`;
          answers[key] = (answers[key] ?? 0) + 1;
          if (status !== 200) unexpected.add(key);
        };
        let nextPage = 0;
        let nextBatch = 0;
        let eventsStored = 0;
        let exhausted = false;
        const cpuBefore = processCpuMs(server.pid) ?? 0;
        const clock = process.hrtime.bigint();
        const reader = async () => {
          while (Date.now() < deadline && !server.exited()) {
            const path = cursorPages[nextPage++ % cursorPages.length]!;
            const answer = await get(readAgent, base, path, targets.serviceToken).catch(() => null);
            count('page', answer?.status ?? 0);
            if (answer?.status === 200) pageMs.push(answer.ms);
          }
        };
        const ingester = async () => {
          while (Date.now() < deadline && !server.exited()) {
            if (nextBatch >= workload.batches.length) {
              exhausted = true;
              return;
            }
            const body = workload.batches[nextBatch++]!;
            const answer = await post(ingestAgent, base, token, body).catch(() => null);
            count('ingest', answer?.status ?? 0);
            if (answer?.status === 200) {
              batchMs.push(answer.ms);
              eventsStored += BATCH_SIZE;
            }
          }
        };
        await Promise.all([
          ...Array.from({ length: readers }, reader),
          ...Array.from({ length: ingesters }, ingester),
        ]);
        const elapsed = Number(process.hrtime.bigint() - clock) / 1e9;
        const cpuAfter = processCpuMs(server.pid) ?? cpuBefore;
        readAgent.destroy();
        ingestAgent.destroy();
        if (exhausted) unexpected.add('the ingesting clients ran out of prepared batches');
        pageMs.sort((a, b) => a - b);
        batchMs.sort((a, b) => a - b);
        const round = (value: number) => Math.round(value * 10) / 10;
        return {
          pagesPerSecond: Math.round(pageMs.length / elapsed),
          eventsPerSecond: Math.round(eventsStored / elapsed),
          ...(pageMs.length > 0
            ? { pageP50Ms: round(percentile(pageMs, 50)), pageP99Ms: round(percentile(pageMs, 99)) }
            : {}),
          ...(batchMs.length > 0
            ? { batchP50Ms: round(percentile(batchMs, 50)), batchP99Ms: round(percentile(batchMs, 99)) }
            : {}),
          serviceCores: Math.round(((cpuAfter - cpuBefore) / 1000 / elapsed) * 100) / 100,
          // Only meaningful for a phase that does one kind of work.
          ...(ingesters === 0 && pageMs.length > 0
            ? { serviceCpuMsPerPage: round((cpuAfter - cpuBefore) / pageMs.length) }
            : {}),
          ...(readers === 0 && eventsStored > 0
            ? { serviceCpuMsPer1000Events: round(((cpuAfter - cpuBefore) / eventsStored) * 1000) }
            : {}),
          answers,
        };
      };
      await phase(
        `${READERS} readers of cursor pages + ${INGESTERS} ingesting clients, ${options.seconds} s`,
        () => load(READERS, INGESTERS, options.seconds),
      );
      // The CPU each kind of request costs the service, each alone: unlike requests per second on
      // a shared machine, these do not depend on what else runs beside the benchmark.
      await phase(`${READERS} readers alone, ${alone} s`, () => load(READERS, 0, alone));
      await phase(`${INGESTERS} ingesting clients alone, ${alone} s`, () => load(0, INGESTERS, alone));
    } finally {
      peak = server.lifetimePeak();
      died = server.exited();
      await server.stop();
    }
    // What the service's database ran with: opened the way the service opens it.
    const settings: Record<string, string> = {};
    {
      const database = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
      try {
        for (const name of SETTINGS) {
          const shown = await sql<Record<string, string>>`SHOW ${sql.raw(name)}`.execute(database.db);
          settings[name] = shown.rows[0]![name]!;
        }
      } finally {
        await database.close();
      }
    }
    return {
      case: 'pglite',
      dataDir: source,
      records: {
        activities: dataset.spec.activities,
        executions: dataset.spec.executions,
        usages: dataset.spec.usages,
      },
      readers: READERS,
      ingesters: INGESTERS,
      batchSize: BATCH_SIZE,
      cursorPages: cursorPages.length,
      phases,
      peakRssMb: mb(peak),
      died,
      unexpectedAnswers: [...unexpected],
      settings,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
