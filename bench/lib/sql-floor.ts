// The SQL floor of each read: the very statements the service runs for a request, captured from
// an in-process instance of the same app over the same database, then replayed straight through
// `pg` at the same concurrency. What the service adds on top of the floor (HTTP, authentication,
// validation, serialization, self-recording) is the part that is ours to make small.
import { Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { pgTypes } from '../../src/db/open.js';
import type { Database } from '../../src/db/schema.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { percentile } from './http-load.js';
import type { Scenario } from './scenarios.js';

export interface FloorStats {
  concurrency: number;
  requests: number;
  statementsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
}

interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

/** Statements that are not the read itself: authentication and the self-recording flush. */
const NOT_THE_READ = /api_tokens|INSERT INTO activit|INSERT INTO "activit|UPDATE workspaces SET last_active/i;

const types = pgTypes;

export class SqlFloor {
  private constructor(
    private readonly app: Awaited<ReturnType<typeof buildApp>>,
    private readonly capture: { current: Statement[] | null },
    private readonly databaseUrl: string,
  ) {}

  static async open(databaseUrl: string, secretKey: string, adminToken: string): Promise<SqlFloor> {
    const capture: { current: Statement[] | null } = { current: null };
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, types });
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event: LogEvent) => {
        if (event.level === 'query' && capture.current && !NOT_THE_READ.test(event.query.sql)) {
          capture.current.push({ sql: event.query.sql, parameters: event.query.parameters });
        }
      },
    });
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      TALLY_SECRET_KEY: secretKey,
      LOG_LEVEL: 'silent',
      TALLY_RATE_LIMIT_RPS: '0',
    });
    const app = await buildApp({
      config,
      database: { db, kind: 'postgres', pglite: null, close: () => db.destroy() },
      keyring: buildKeyring(secretKey, []),
      adminTokenHash: hashToken(adminToken),
    });
    await app.ready();
    return new SqlFloor(app, capture, databaseUrl);
  }

  /**
   * The statements of `samples` requests of the scenario (each a list, in order), taken every
   * `spread`-th of `samples × spread` successive ones: a scenario whose requests vary (usage
   * history cycles its page size 1..100) is sampled over its cycle, not only its first requests.
   */
  async captureRequests(scenario: Scenario, samples: number, spread = 10): Promise<Statement[][]> {
    // One request first, not captured, as the service's rows start with warm-up requests: what a
    // first request does once (the workspace route recomputing metrics older than 60 s and
    // storing them, usage history filling its page cache) is not the read's steady state, and a
    // captured sample of it was replayed once per round of the samples (the workspace (uuid)
    // floor answered 27 requests/s, 411 ms at p99, replaying that recomputation).
    const warm = scenario.next();
    await this.app.inject({ method: 'GET', url: warm.path, headers: warm.headers });
    const requests: Statement[][] = [];
    for (let i = 0; i < samples * spread; i += 1) {
      const spec = scenario.next();
      if (i % spread !== 0) continue;
      this.capture.current = [];
      const response = await this.app.inject({ method: 'GET', url: spec.path, headers: spec.headers });
      const statements = this.capture.current;
      this.capture.current = null;
      if (response.statusCode !== 200) {
        throw new Error(`capturing ${scenario.name}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
      requests.push(statements);
    }
    return requests;
  }

  /** Replays the captured requests round-robin, closed loop, `concurrency` at a time. */
  async replay(
    requests: Statement[][],
    concurrency: number,
    count: number,
    warmup: number,
  ): Promise<FloorStats> {
    const pool = new pg.Pool({ connectionString: this.databaseUrl, max: concurrency, types });
    // Prepared, as the service's driver prepares them (src/db/prepared-statements.ts): the floor
    // pays neither parsing nor planning that the service does not pay.
    const names = new Map<string, string>();
    const named = requests.map((statements) =>
      statements.map((statement) => {
        let name = names.get(statement.sql);
        if (name === undefined) {
          name = `floor_${names.size}`;
          names.set(statement.sql, name);
        }
        return { name, text: statement.sql, values: statement.parameters as unknown[] };
      }),
    );
    const run = async (total: number, latencies: number[] | null) => {
      let issued = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: Math.min(concurrency, total) }, async () => {
          while (issued < total) {
            const statements = named[issued % named.length]!;
            issued += 1;
            const client = await pool.connect();
            const begun = process.hrtime.bigint();
            try {
              for (const statement of statements) await client.query(statement);
            } finally {
              client.release();
            }
            latencies?.push(Number(process.hrtime.bigint() - begun) / 1e6);
          }
        }),
      );
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    try {
      await run(warmup, null);
      const latencies: number[] = [];
      const seconds = await run(count, latencies);
      latencies.sort((a, b) => a - b);
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        concurrency,
        requests: latencies.length,
        statementsPerRequest: round(requests.reduce((sum, r) => sum + r.length, 0) / requests.length),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        requestsPerSecond: Math.round(latencies.length / seconds),
      };
    } finally {
      await pool.end();
    }
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
