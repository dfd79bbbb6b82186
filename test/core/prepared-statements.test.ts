// Automatic prepared statements on PostgreSQL (src/db/prepared-statements.ts): a statement with
// parameters is prepared on its third use on a connection, statements without parameters never
// are, TALLY_PG_PREPARE=off prepares nothing, and a statement whose result shape changes under it
// (DDL) fails once and is prepared again. Every call reaches pg in its callback form, prepared or
// not (pg's promise form keeps the rows reachable until the next young-generation collection).
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { arrayParam } from '../../src/db/array-param.js';
import { type LedgerDatabase, openDatabase } from '../../src/db/open.js';
import type { Database } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../helpers/test-database.js';

describe.skipIf(testDatabaseKind() === 'pglite')('prepared statements', () => {
  let testDatabase: TestDatabase;
  const opened: LedgerDatabase[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
  });
  afterAll(async () => {
    for (const database of opened) await database.close();
    await testDatabase.drop();
  });

  async function open(prepare: boolean): Promise<Kysely<Database>> {
    const database = await openDatabase({ kind: 'postgres', url: testDatabase.url!, poolSize: 1, prepare });
    opened.push(database);
    return database.db;
  }

  /** The session's prepared statements (pool size 1: always the same connection). */
  async function prepared(db: Kysely<Database>): Promise<string[]> {
    const result = await sql<{ statement: string }>`
      SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(db);
    return result.rows.map((row) => row.statement);
  }

  const lookup = (db: Kysely<Database>, id: string) =>
    sql<{ id: string }>`SELECT id FROM orgs WHERE id = ${id}`.execute(db);

  it('prepares a statement with parameters on its third use, and only that', async () => {
    const db = await open(true);
    await lookup(db, 'a');
    await lookup(db, 'b');
    expect(await prepared(db)).toEqual([]);
    await lookup(db, 'c');
    await lookup(db, 'd');
    await sql`SELECT 1 AS one`.execute(db);
    await sql`SELECT 1 AS one`.execute(db);
    await sql`SELECT 1 AS one`.execute(db);
    expect(await prepared(db)).toEqual(['SELECT id FROM orgs WHERE id = $1']);
  });

  it('prepares nothing when turned off', async () => {
    const db = await open(false);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await lookup(db, id);
    expect(await prepared(db)).toEqual([]);
  });

  it('keeps a statement usable after an array parameter its element type cannot hold', async () => {
    const db = await open(true);
    const count = (values: number[]) =>
      sql<{ n: number }>`SELECT cardinality(${arrayParam('int4', values)}::int4[])::int AS n`.execute(db);
    await count([1]);
    await count([1, 2]);
    // The third use names the statement; its value fails before pg parses or binds anything.
    await expect(count([2 ** 40])).rejects.toThrow(RangeError);
    expect((await count([1, 2, 3])).rows).toEqual([{ n: 3 }]);
    expect((await count([4])).rows).toEqual([{ n: 1 }]);
  });

  it('prepares again a statement whose result shape changed', async () => {
    const db = await open(true);
    await sql`CREATE TABLE shape_probe (id text PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO shape_probe VALUES ('x')`.execute(db);
    const read = () => sql<Record<string, unknown>>`SELECT * FROM shape_probe WHERE id = ${'x'}`.execute(db);
    for (let i = 0; i < 4; i++) expect((await read()).rows).toEqual([{ id: 'x' }]);
    await sql`ALTER TABLE shape_probe ADD COLUMN note text DEFAULT 'n'`.execute(db);
    await expect(read()).rejects.toMatchObject({ code: '0A000' });
    for (let i = 0; i < 4; i++) expect((await read()).rows).toEqual([{ id: 'x', note: 'n' }]);
    expect((await prepared(db)).filter((text) => text.includes('shape_probe'))).toHaveLength(2);
  });

  it.each([true, false])('calls pg in its callback form (prepare %s), errors included', async (prepare) => {
    const db = await open(prepare);
    const calls: boolean[] = [];
    const original = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      calls.push(args.some((arg) => typeof arg === 'function'));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original);
    try {
      for (const id of ['a', 'b', 'c', 'd']) expect((await lookup(db, id)).rows).toEqual([]);
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
      await expect(sql`SELECT * FROM no_such_table WHERE id = ${'x'}`.execute(db)).rejects.toMatchObject({
        code: '42P01',
      });
    } finally {
      spy.mockRestore();
    }
    expect(calls).toEqual([true, true, true, true, true, true]);
  });
});
