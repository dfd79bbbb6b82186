import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_OUTPUT_PLACEHOLDER, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: null,
      dataDir: './data',
      adminToken: null,
      secretKey: null,
      previousSecretKeys: [],
      timezone: 'UTC',
      usageHistoryMinDate: null,
      outputPlaceholder: DEFAULT_OUTPUT_PLACEHOLDER,
      redisUrl: null,
      redisPrefix: 'tally:',
      logLevel: 'info',
      dbPoolSize: 10,
      statementTimeoutMs: 15000,
      pgPrepare: true,
      rateLimitRps: 100,
      rateLimitBurst: 200,
      ingestMaxInFlight: 8,
      ingestMaxBufferedMb: 16,
      ingestWriters: 1,
      otlpHoldSeconds: 3600,
      rollupFoldEvery: 10,
      rollupFoldMs: 1000,
    });
    expect(DEFAULT_OUTPUT_PLACEHOLDER).toBe('This content is only available in the app.');
  });

  it('runs two ingestion writers on PostgreSQL by default, one on PGlite', () => {
    expect(loadConfig({}).ingestWriters).toBe(1);
    const postgres = { DATABASE_URL: 'postgres://db/tally', TALLY_SECRET_KEY: 'k'.repeat(32) };
    expect(loadConfig(postgres).ingestWriters).toBe(2);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://localhost/tally' }, 'TALLY_SECRET_KEY'],
    [{ TALLY_SECRET_KEY: 'short' }, 'TALLY_SECRET_KEY'],
    [{ TALLY_ADMIN_TOKEN: 'short' }, 'TALLY_ADMIN_TOKEN'],
    [{ TALLY_TIMEZONE: 'Mars/Olympus' }, 'TALLY_TIMEZONE'],
    [{ TALLY_USAGE_HISTORY_MIN_DATE: '2025-02-30' }, 'TALLY_USAGE_HISTORY_MIN_DATE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TALLY_PG_PREPARE: 'yes' }, 'TALLY_PG_PREPARE'],
    [{ TALLY_REDIS_URL: 'localhost:6379' }, 'TALLY_REDIS_URL'],
    [{ TALLY_REDIS_PREFIX: 'two words' }, 'TALLY_REDIS_PREFIX'],
    [{ TALLY_REDIS_PREFIX: 'p'.repeat(65) }, 'TALLY_REDIS_PREFIX'],
    [{ TALLY_RATE_LIMIT_RPS: '-1' }, 'TALLY_RATE_LIMIT_RPS'],
    [{ TALLY_RATE_LIMIT_RPS: '2.5' }, 'TALLY_RATE_LIMIT_RPS'],
    [{ TALLY_RATE_LIMIT_BURST: '0' }, 'TALLY_RATE_LIMIT_BURST'],
    [{ TALLY_INGEST_MAX_IN_FLIGHT: '0' }, 'TALLY_INGEST_MAX_IN_FLIGHT'],
    [{ TALLY_INGEST_WRITERS: '0' }, 'TALLY_INGEST_WRITERS'],
    [{ TALLY_INGEST_WRITERS: '65' }, 'TALLY_INGEST_WRITERS'],
    // Below one request at its limits (5 MiB received + 5 MiB decoded), nothing could be ingested.
    [{ TALLY_INGEST_MAX_BUFFERED_MB: '10' }, 'TALLY_INGEST_MAX_BUFFERED_MB'],
  ])('stops on %j naming %s', (env, setting) => {
    expect(() => loadConfig(env)).toThrowError(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).setting).toBe(setting);
      expect((error as ConfigError).message.startsWith(`${setting}: `)).toBe(true);
    }
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://db/tally',
      TALLY_SECRET_KEY: 'k'.repeat(40),
      TALLY_PREVIOUS_SECRET_KEYS: `${'a'.repeat(40)}, ${'b'.repeat(40)}`,
      TALLY_TIMEZONE: 'Europe/Paris',
      TALLY_USAGE_HISTORY_MIN_DATE: '2024-06-01',
      TALLY_OUTPUT_PLACEHOLDER: 'Open the app to see this.',
      TALLY_REDIS_URL: 'redis://127.0.0.1:6379',
      TALLY_REDIS_PREFIX: 'staging:tally:',
      TALLY_RATE_LIMIT_RPS: '0',
      TALLY_RATE_LIMIT_BURST: '50',
      TALLY_INGEST_MAX_IN_FLIGHT: '4',
      TALLY_INGEST_MAX_BUFFERED_MB: '32',
      TALLY_INGEST_WRITERS: '3',
      TALLY_OTLP_HOLD_SECONDS: '90',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://db/tally',
      previousSecretKeys: ['a'.repeat(40), 'b'.repeat(40)],
      timezone: 'Europe/Paris',
      usageHistoryMinDate: '2024-06-01',
      outputPlaceholder: 'Open the app to see this.',
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'staging:tally:',
      rateLimitRps: 0,
      rateLimitBurst: 50,
      ingestMaxInFlight: 4,
      ingestMaxBufferedMb: 32,
      ingestWriters: 3,
      otlpHoldSeconds: 90,
    });
  });
});
