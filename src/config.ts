// Every setting Tally reads, parsed and validated once at start. Nothing else reads process.env:
// the rest of the code receives a Config, which keeps tests free to build any configuration.

import { checkCalendarDate } from './instants.js';

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent Tally runs on embedded PGlite in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Deployment admin token given by the operator; when null, one is generated on first start. */
  adminToken: string | null;
  /** Root secret for cursor signing, signed links and integration-secret encryption. */
  secretKey: string | null;
  /** Earlier secret keys, still accepted for decryption until `tally admin rotate-secret-key` has run. */
  previousSecretKeys: string[];
  timezone: string;
  usageHistoryMinDate: string | null;
  outputPlaceholder: string;
  /**
   * Shared state across instances (caches, rate limits, revocations) when set; without it every
   * instance keeps its own and one instance is the supported deployment.
   */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel Tally uses, so deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Size of the PostgreSQL connection pool. */
  dbPoolSize: number;
  /** Server-side cap on any one statement, so a heavy query cannot starve the rest (PostgreSQL only). */
  statementTimeoutMs: number;
  /** Prepare repeated statements on PostgreSQL (src/db/prepared-statements.ts). */
  pgPrepare: boolean;
  /**
   * Sustained requests per second allowed to one API token (and failed authentications to one
   * client address); 0 turns rate limiting off.
   */
  rateLimitRps: number;
  /** How many requests a token may make at once before the sustained rate applies (bucket size). */
  rateLimitBurst: number;
  /** Ingestion requests processed at the same time; more are answered 503 at once. */
  ingestMaxInFlight: number;
  /** MiB of request bodies (received and decoded) that in-flight ingestion requests may hold. */
  ingestMaxBufferedMb: number;
  /**
   * Ingestion transactions this instance runs at once; batches arriving meanwhile are written
   * together in the next one (group commit, src/ledger/write/group-commit.ts).
   */
  ingestWriters: number;
  /**
   * When the activity rollups' queue is folded into the rollup tables: after this many committed
   * writes (ingestion groups, self-recording flushes), or this many milliseconds after an
   * ingestion group's (a fifth of it after a flush's; src/ledger/activity/rollup-folder.ts).
   * Reads are exact either way.
   */
  rollupFoldEvery: number;
  rollupFoldMs: number;
  /**
   * Seconds an OTLP model-call span waits for a missing span above it (an agent span may still
   * come) before it is counted as an execution of its own.
   */
  otlpHoldSeconds: number;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_OUTPUT_PLACEHOLDER = 'This content is only available in the app.';
/**
 * Ingestion transactions at once: two on PostgreSQL (measured at full scale on two cores: a
 * sixth less PostgreSQL CPU per event than one transaction per batch, at the same events per
 * second; one writer cost less still but lost throughput in some runs: docs/decisions.md, "Group
 * commit"); one on PGlite, whose single connection runs one transaction at a time anyway.
 */
const DEFAULT_WRITERS = { postgres: 2, pglite: 1 } as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === null) return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(name, `must be "on" or "off", got "${raw}"`);
}

function timezone(env: Env, name: string): string {
  const zone = text(env, name) ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(name, `unknown IANA time zone "${zone}"`);
  }
  return zone;
}

function calendarDate(env: Env, name: string): string | null {
  const raw = text(env, name);
  if (raw === null) return null;
  if (checkCalendarDate(raw) !== 'ok') {
    throw new ConfigError(name, `must be a calendar date YYYY-MM-DD (0001–9999), got "${raw}"`);
  }
  return raw;
}

function secret(env: Env, name: string): string | null {
  const raw = text(env, name);
  if (raw !== null && raw.length < 32) throw new ConfigError(name, 'must be at least 32 characters long');
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// connection string');
  }
  const secretKey = secret(env, 'TALLY_SECRET_KEY');
  if (databaseUrl !== null && secretKey === null) {
    throw new ConfigError(
      'TALLY_SECRET_KEY',
      'is required with DATABASE_URL (generate one with `openssl rand -base64 48`)',
    );
  }
  const adminToken = text(env, 'TALLY_ADMIN_TOKEN');
  if (adminToken !== null && adminToken.length < 24) {
    throw new ConfigError('TALLY_ADMIN_TOKEN', 'must be at least 24 characters long');
  }
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const redisUrl = text(env, 'TALLY_REDIS_URL');
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('TALLY_REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const redisPrefix = text(env, 'TALLY_REDIS_PREFIX') ?? 'tally:';
  if (!/^[\x21-\x7e]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('TALLY_REDIS_PREFIX', 'must be 1 to 64 printable ASCII characters without spaces');
  }
  const previous = (text(env, 'TALLY_PREVIOUS_SECRET_KEYS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    dataDir: text(env, 'TALLY_DATA_DIR') ?? './data',
    adminToken,
    secretKey,
    previousSecretKeys: previous,
    timezone: timezone(env, 'TALLY_TIMEZONE'),
    usageHistoryMinDate: calendarDate(env, 'TALLY_USAGE_HISTORY_MIN_DATE'),
    outputPlaceholder: text(env, 'TALLY_OUTPUT_PLACEHOLDER') ?? DEFAULT_OUTPUT_PLACEHOLDER,
    redisUrl,
    redisPrefix,
    logLevel: logLevel as Config['logLevel'],
    dbPoolSize: integer(env, 'TALLY_DB_POOL_SIZE', 10, 1, 200),
    statementTimeoutMs: integer(env, 'TALLY_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
    pgPrepare: onOff(env, 'TALLY_PG_PREPARE', true),
    rateLimitRps: integer(env, 'TALLY_RATE_LIMIT_RPS', 100, 0, 1_000_000),
    rateLimitBurst: integer(env, 'TALLY_RATE_LIMIT_BURST', 200, 1, 1_000_000),
    ingestMaxInFlight: integer(env, 'TALLY_INGEST_MAX_IN_FLIGHT', 8, 1, 1000),
    // 11 MiB is one request at its limits: 5 MiB (+64 KiB) received and 5 MiB decoded.
    ingestMaxBufferedMb: integer(env, 'TALLY_INGEST_MAX_BUFFERED_MB', 16, 11, 65536),
    ingestWriters: integer(
      env,
      'TALLY_INGEST_WRITERS',
      databaseUrl === null ? DEFAULT_WRITERS.pglite : DEFAULT_WRITERS.postgres,
      1,
      64,
    ),
    otlpHoldSeconds: integer(env, 'TALLY_OTLP_HOLD_SECONDS', 3600, 1, 604_800),
    rollupFoldEvery: integer(env, 'TALLY_ROLLUP_FOLD_EVERY', 10, 1, 1_000_000),
    rollupFoldMs: integer(env, 'TALLY_ROLLUP_FOLD_MS', 1000, 1, 3_600_000),
  };
}
