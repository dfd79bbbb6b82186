// `npm test` runs the whole suite twice: on embedded PGlite and on PostgreSQL, and the SDK's tests
// (packages/sdk) once. The PostgreSQL project fails (never skips) when its server is unreachable;
// TEST_DATABASE_URL points it elsewhere than the local default.
import { defineConfig } from 'vitest/config';

const shared = {
  include: ['test/**/*.test.ts'],
  testTimeout: 30_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
  // Every answer the suite receives is checked against the OpenAPI document (test/helpers).
  setupFiles: ['test/helpers/openapi-setup.ts'],
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'pglite',
          env: { TALLY_TEST_DB: 'pglite' },
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'postgres',
          env: { TALLY_TEST_DB: 'postgres' },
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // The SDK's tests need one running Tally on PGlite, which each file starts: they run
        // once, not per database.
        test: {
          ...shared,
          include: ['packages/sdk/test/**/*.test.ts'],
          name: 'sdk',
          env: { TALLY_TEST_DB: 'pglite' },
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
