// CPU time spent per measured row, by party: the service process, the PostgreSQL backends serving
// the benchmark database, and the load generator itself. On a small machine all three share the
// cores, so these say where a request's cost goes and why throughput tops out where it does.
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux x86-64 and arm64). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process in ms, or null when it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), starting with field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Busy CPU time of the whole machine in ms (all cores; /proc/stat minus idle and iowait). */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return ((total - ticks[3]! - ticks[4]!) * 1000) / TICKS_PER_SECOND;
}

export interface CpuSnapshot {
  service: number;
  postgres: Map<number, number>;
  client: number;
  machine: number;
  at: number;
}

export interface CpuPerRequest {
  serviceMs: number;
  postgresMs: number;
  clientMs: number;
  /**
   * Cores kept busy during the row by everything else on the machine (other processes, and
   * PostgreSQL's parallel workers): 0 on a quiet machine; more means the figures were disturbed.
   */
  otherBusyCores: number;
}

/** Watches the CPU of the service and of the database's client backends (not parallel workers). */
export class CpuMeter {
  private constructor(
    /** Null on PGlite: the database runs inside the service process, whose CPU includes it. */
    private readonly client: pg.Client | null,
    private readonly database: string,
    private readonly servicePid: number,
  ) {}

  static async open(databaseUrl: string | null, database: string, servicePid: number): Promise<CpuMeter> {
    if (databaseUrl === null) return new CpuMeter(null, database, servicePid);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new CpuMeter(client, database, servicePid);
  }

  async snapshot(): Promise<CpuSnapshot> {
    const backends = this.client
      ? await this.client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
          [this.database],
        )
      : { rows: [] };
    const postgres = new Map<number, number>();
    for (const { pid } of backends.rows) {
      const ms = processCpuMs(pid);
      if (ms !== null) postgres.set(pid, ms);
    }
    const usage = process.cpuUsage();
    return {
      service: processCpuMs(this.servicePid) ?? 0,
      postgres,
      client: (usage.user + usage.system) / 1000,
      machine: machineBusyMs(),
      at: performance.now(),
    };
  }

  /** CPU per request between two snapshots; backends that appeared in between count from zero. */
  static perRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuPerRequest {
    let postgres = 0;
    for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
    const round = (ms: number) => Math.round((ms / requests) * 100) / 100;
    const service = after.service - before.service;
    const client = after.client - before.client;
    const other = after.machine - before.machine - service - postgres - client;
    return {
      serviceMs: round(service),
      postgresMs: round(postgres),
      clientMs: round(client),
      otherBusyCores: Math.max(0, Math.round((other / (after.at - before.at)) * 100) / 100),
    };
  }

  async close(): Promise<void> {
    await this.client?.end();
  }
}
