// Internal failures answer each surface's generic 500 or 503 body, exactly: no stack frame, file
// path, SQL, table name or driver wording reaches the client. The server log keeps the error for
// operators, without the request's secrets. Failures are real database errors: a table the route
// needs renamed away (42P01), or replaced by a view whose one-time filter raises a statement
// timeout (57014) or a connection shutdown (57P01) — or, on PostgreSQL, kills its own connection.

import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId, uuid } from '../helpers/factories.js';
import { readRunLog } from '../helpers/run-log.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let w: Awaited<ReturnType<Factory['world']>>;
let usageWorkspaceId: string;
let tables: string[];
beforeAll(async () => {
  t = await buildTestApp();
  const f = new Factory(t);
  w = await f.world({ workspaceId: uuid() });
  usageWorkspaceId = (await f.workspace(w.org.id, { id: numericId(), ownerId: w.owner.id })).id;
  await sql`CREATE FUNCTION tally_fail(code text, message text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message; END $$`.execute(t.db);
  const rows = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(
    t.db,
  );
  tables = rows.rows.map((row) => row.name);
  t.clock.pinned = new Date();
});
afterAll(() => t.close());

type Failure = 'internal' | 'timeout' | 'unavailable' | 'terminated';
const RAISED = {
  timeout: ['57014', 'canceling statement due to statement timeout'],
  unavailable: ['57P01', 'terminating connection due to administrator command'],
} as const;

/** Breaks `table` in the way `failure` names, runs `during`, and repairs the table whatever happens. */
async function withBroken<T>(table: string, failure: Failure, during: () => Promise<T>): Promise<T> {
  const real = `${table}__real`;
  await sql`ALTER TABLE ${sql.table(table)} RENAME TO ${sql.id(real)}`.execute(t.db);
  try {
    if (failure !== 'internal') {
      const fail =
        failure === 'terminated'
          ? sql`pg_terminate_backend(pg_backend_pid())`
          : sql`tally_fail(${sql.lit(RAISED[failure][0])}, ${sql.lit(RAISED[failure][1])})`;
      // An uncorrelated sub-select is a one-time filter: it runs first, whatever rows match.
      await sql`CREATE VIEW ${sql.table(table)} AS SELECT * FROM ${sql.table(real)} WHERE (SELECT ${fail})`.execute(
        t.db,
      );
    }
    return await during();
  } finally {
    await repair(sql`DROP VIEW IF EXISTS ${sql.table(table)}`);
    await repair(sql`ALTER TABLE ${sql.table(real)} RENAME TO ${sql.id(table)}`);
  }
}

/**
 * Runs a repair statement, again if the pool hands out a connection whose backend the
 * 'terminated' case killed (the pool learns it is dead only when it is used).
 */
async function repair(statement: ReturnType<typeof sql>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await statement.execute(t.db);
      return;
    } catch (error) {
      if (attempt >= 3 || !/terminated|not queryable/i.test((error as Error).message)) throw error;
    }
  }
}

const INTEGRATION_SECRET = 'sk_live_error-answers-0123456789abcdefghijkl';
const MESSAGE_503 = {
  timeout: 'The query took too long; retry shortly',
  unavailable: 'The database is unavailable; retry shortly',
} as const;

interface Surface {
  name: string;
  /** The table the route's own handler reads or writes. */
  table: string;
  request(): InjectOptions;
  body(status: 500 | 503, message: string): unknown;
}

const problem = (status: number, message: string) =>
  status === 500
    ? { type: 'about:blank', title: 'Internal Server Error', status, detail: 'An unexpected error occurred' }
    : { type: 'about:blank', title: 'Service Unavailable', status, detail: message };

const SURFACES: Surface[] = [
  {
    name: 'activity',
    table: 'activities',
    request: () => ({ method: 'GET', url: `/v1/orgs/${w.org.id}/activity` }),
    body: (status) => ({
      ...(status === 500
        ? { error: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred' }
        : { error: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable' }),
      details: {},
      timestamp: t.clock.now().toISOString().replace('Z', '000'),
      status_code: status,
    }),
  },
  {
    name: 'usage history',
    table: 'executions',
    request: () => ({
      method: 'GET',
      url: '/workspaces/usage',
      headers: { 'x-workspace-id': usageWorkspaceId },
    }),
    body: (status) => ({ message: status === 500 ? 'Server Error' : 'Service Unavailable' }),
  },
  {
    name: 'AI usages',
    table: 'ai_usages',
    request: () => ({ method: 'GET', url: `/api/v1/workspace/${w.workspace.id}/ai/usages` }),
    body: (status, message) =>
      status === 500
        ? {
            statusCode: 500,
            error: 'Internal Server Error',
            message: 'An unexpected error occurred while processing the request',
          }
        : { statusCode: 503, error: 'Service Unavailable', message },
  },
  {
    name: 'workspace',
    table: 'integration_credentials',
    request: () => ({ method: 'GET', url: `/api/v1/workspaces/${w.workspace.id}` }),
    body: (status, message) => ({ detail: status === 500 ? 'Internal Server Error' : message }),
  },
  {
    name: 'ingestion',
    table: 'ingested_events',
    request: () => ({
      method: 'POST',
      url: '/v1/ingest',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify([
        {
          specversion: '1.0',
          id: uuid(),
          source: 'test/errors',
          type: 'activity.recorded',
          data: { workspace_id: w.workspace.id, method: 'GET', path: '/x', status_code: 200 },
        },
      ]),
    }),
    body: problem,
  },
  {
    name: 'administration',
    table: 'integration_credentials',
    request: () => ({
      method: 'PUT',
      url: `/v1/admin/workspaces/${w.workspace.id}/integrations/stripe`,
      payload: { secret: INTEGRATION_SECRET },
    }),
    body: problem,
  },
];

/** What no answer may show: frames, paths, SQL, relation names, driver words, SQLSTATEs. */
function expectNothingInternal(text: string): void {
  expect(text).not.toMatch(/\bat\s+\S+\s+\(|^\s*at\s/m);
  expect(text).not.toMatch(/node_modules|\/work\/|file:\/\/|\.(ts|js|mjs):\d/);
  expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|RETURNING|VIEW|ALTER)\b/);
  expect(text).not.toMatch(/relation "|does not exist|statement timeout|administrator command|plpgsql/i);
  expect(text).not.toMatch(/\b(42P01|57014|57P01)\b|kysely|pglite|postgres|tally_fail|__real/i);
  for (const table of tables) expect(text).not.toContain(table);
}

async function expectGenericAnswer(surface: Surface, failure: Failure): Promise<void> {
  // A new instant each time, so the token is looked up again (verified rows are cached 5 s).
  t.clock.pinned = new Date(t.clock.now().getTime() + 6_000);
  const request = surface.request();
  const response = await t.app.inject({
    ...request,
    headers: { ...bearer(w.ownerToken.token), ...(request.headers as Record<string, string>) },
  });
  const label = `${surface.name}, ${failure}: ${response.body}`;
  const status = failure === 'internal' ? 500 : 503;
  const message = failure === 'timeout' ? MESSAGE_503.timeout : MESSAGE_503.unavailable;
  expect(response.statusCode, label).toBe(status);
  expect(response.json(), label).toEqual(surface.body(status, message));
  if (status === 503) expect(response.headers['retry-after'], label).toBe(failure === 'timeout' ? '1' : '2');
  expectNothingInternal(response.body);
  expectNothingInternal(JSON.stringify(response.headers));

  // The log keeps the error with its cause, and none of the request's secrets.
  const requestId = response.headers['x-request-id'];
  const lines = (await readRunLog()).filter((line) => line.reqId === requestId);
  const logged = lines.find((line) => line.err !== undefined);
  expect(logged, label).toMatchObject({ level: status === 500 ? 50 : 40 });
  const error = logged!.err as { message: string; stack: string };
  expect(error.stack, label).toMatch(/\n\s+at /);
  const cause = {
    internal: /does not exist/,
    timeout: /statement timeout/,
    unavailable: /administrator command/,
  };
  expect(error.message, label).toMatch(
    failure === 'terminated' ? /administrator command|terminated/ : cause[failure],
  );
  const text = JSON.stringify(lines);
  for (const secret of [w.ownerToken.token, w.ownerToken.token.slice(-24), INTEGRATION_SECRET]) {
    expect(text).not.toContain(secret);
  }
}

describe('a failing query in the route itself', () => {
  it.each(
    SURFACES.map((surface) => [surface.name, surface] as const),
  )('%s: generic 500', async (_name, surface) => {
    await withBroken(surface.table, 'internal', () => expectGenericAnswer(surface, 'internal'));
  });
});

describe('authentication failing with the database (every surface)', () => {
  const failures: Failure[] = ['internal', 'timeout', 'unavailable'];
  if (process.env.TALLY_TEST_DB === 'postgres') failures.push('terminated');
  it.each(failures)('%s', async (failure) => {
    await withBroken('api_tokens', failure, async () => {
      for (const surface of SURFACES) await expectGenericAnswer(surface, failure);
    });
  });
});

it('serves again once the database is repaired', async () => {
  t.clock.pinned = null;
  const response = await t.app.inject({
    url: `/v1/orgs/${w.org.id}/activity`,
    headers: bearer(w.ownerToken.token),
  });
  expect(response.statusCode, response.body).toBe(200);
});
