// The service floors beside each read row (bench/service-floor.ts): the same statements answered
// over HTTP by the least a Fastify + pg service does, and by node:http + pg, each its own process
// measured like the service (CPU per request from /proc, PostgreSQL backends included).
import { CpuMeter, type CpuPerRequest, type CpuSnapshot } from './cpu.js';
import { measure, type RequestSpec, type Stats } from './http-load.js';
import { type RunningServer, startServer } from './server.js';

export type Framework = 'fastify' | 'http';

export interface ServiceFloorStats extends Stats {
  framework: Framework;
  cpuPerRequest: CpuPerRequest;
  /** Mean size of the answers' bodies over one round of the captured requests (the rows as JSON). */
  bodyBytes: number;
}

interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

export class ServiceFloor {
  private constructor(
    readonly framework: Framework,
    private readonly server: RunningServer,
    private readonly cpu: CpuMeter,
  ) {}

  static async start(
    framework: Framework,
    databaseUrl: string,
    database: string,
    port: number,
    profileDir: string | null = null,
  ): Promise<ServiceFloor> {
    const server = await startServer({
      databaseUrl,
      secretKey: '',
      port,
      profileDir: profileDir ? `${profileDir}/floor-${framework}` : null,
      entry: [
        'dist-bench/bench/service-floor.js',
        '--database-url',
        databaseUrl,
        '--port',
        String(port),
        '--framework',
        framework,
      ],
    });
    return new ServiceFloor(framework, server, await CpuMeter.open(databaseUrl, database, server.pid));
  }

  /** Measures the captured requests' statements answered over HTTP, like a row of the service. */
  async measure(
    requests: Statement[][],
    headers: Record<string, string>,
    concurrency: number,
    count: number,
    warmup: number,
  ): Promise<ServiceFloorStats> {
    // Parameters as JSON: instants become ISO texts (PostgreSQL reads them alike), big integers texts.
    const body = JSON.stringify(requests, (_key, value) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    const loaded = await fetch(`${this.server.baseUrl}/floor`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (loaded.status !== 204) throw new Error(`service floor: PUT /floor answered ${loaded.status}`);
    // The mean body over one round of the captured requests (the floor answers them in turn).
    let bytes = 0;
    for (let i = 0; i < requests.length; i += 1) {
      const sample = await fetch(`${this.server.baseUrl}/floor`);
      bytes += Buffer.byteLength(await sample.text());
      if (sample.status !== 200) throw new Error(`service floor: GET /floor answered ${sample.status}`);
    }
    const bodyBytes = Math.round(bytes / Math.max(1, requests.length));
    const spec: RequestSpec = { path: '/floor', headers };
    let before: CpuSnapshot | undefined;
    let after: CpuSnapshot | undefined;
    const stats = await measure({
      baseUrl: this.server.baseUrl,
      concurrency,
      warmup,
      requests: count,
      next: () => spec,
      beforeMeasured: async () => {
        before = await this.cpu.snapshot();
      },
      afterMeasured: async () => {
        after = await this.cpu.snapshot();
      },
    });
    return {
      ...stats,
      framework: this.framework,
      cpuPerRequest: CpuMeter.perRequest(before!, after!, stats.requests),
      bodyBytes,
    };
  }

  /** Where the floor listens, and its process (the ingestion floor is measured by lib/ingest.ts). */
  get process(): { baseUrl: string; pid: number } {
    return { baseUrl: this.server.baseUrl, pid: this.server.pid };
  }

  async stop(): Promise<void> {
    await this.cpu.close();
    await this.server.stop();
  }
}
