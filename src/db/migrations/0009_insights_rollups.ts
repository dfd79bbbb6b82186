// Rollups behind the insights API (issue #15): executions and AI tool usages per UTC hour and day,
// and activity per user and per endpoint, so a 90-day series or top list reads a few thousand
// small rows instead of millions of records.
//
// execution_rollups and ai_usage_rollups are kept by statement-level triggers with transition
// tables, like ai_usage_counts (0006): a stored execution or usage changes in place (the newest
// event wins: status, credits, tokens, even its workspace or creation time; archive/edit; the
// OTLP work's direct UPDATE of an execution's tokens), and only the database sees both the old
// and the new row on every one of those paths. Each trigger subtracts the old rows and adds the
// new ones, summed per rollup key, in one upsert per statement; keys whose sums do not move are
// not written at all (an archive, a stale event that updates nothing, a duplicate). Rows are
// upserted in key order, so concurrent writers cannot deadlock. A delete only lowers rows that
// exist (a table emptied org by org, rollups first, leaves nothing behind). Rows at zero remain.
//
// Keys: `scope` 'org' (workspace_id '') or 'workspace', `grain` 'hour' or 'day', `bucket` the
// UTC hour or day of the record's created_at. An execution's tokens are tokens_total, or input +
// output when no total is stored (as seed 001's usage history shows them).
//
// activity_totals (one row per org or workspace and bucket, for ungrouped activity charts) and
// activity_key_rollups (requests and failures per user and per endpoint, per workspace) are kept
// by the activity writer itself, next to activity_rollups and in the same transaction
// (src/ledger/insights/activity-rollups.ts): activity records are never changed after insertion,
// and that writer already sums its batches in the process, which costs PostgreSQL less than a
// trigger.
import { type Kysely, sql } from 'kysely';

/** The UTC bucket of a timestamptz expression at grain `g.grain`, whatever the session zone. */
const bucketOf = (column: string) => `(date_trunc(g.grain, ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

interface TriggeredRollup {
  table: string;
  source: string;
  /** Dimensions besides org, scope, workspace, grain and bucket. */
  dims: string[];
  /** Measure columns (the first one counts rows, its expression `1`) and what each sums. */
  measures: [string, string][];
}

const EXECUTIONS: TriggeredRollup = {
  table: 'execution_rollups',
  source: 'executions',
  dims: ['agent_id', 'status'],
  measures: [
    ['executions', '1'],
    ['credits', 'credits'],
    ['tokens', 'coalesce(tokens_total, coalesce(tokens_input, 0) + coalesce(tokens_output, 0))'],
  ],
};

const AI_USAGES: TriggeredRollup = {
  table: 'ai_usage_rollups',
  source: 'ai_usages',
  dims: ['tool_type', 'status'],
  measures: [
    ['usages', '1'],
    ['cost', 'cost'],
  ],
};

// The statements below are built as text from the constants above (no input reaches them).
const keysOf = (r: TriggeredRollup) => ['org_id', 'scope', 'workspace_id', 'grain', 'bucket', ...r.dims];
const namesOf = (r: TriggeredRollup) => r.measures.map(([name]) => name);

function table(r: TriggeredRollup): string {
  const measures = r.measures.map(([name], i) => `${name} ${i === 0 ? 'bigint' : 'numeric'} NOT NULL`);
  return `CREATE TABLE ${r.table} (
    org_id text NOT NULL,
    scope text NOT NULL CHECK (scope IN ('org', 'workspace')),
    workspace_id text NOT NULL,
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket timestamptz NOT NULL,
    ${r.dims.map((d) => `${d} text NOT NULL`).join(', ')},
    ${measures.join(', ')},
    PRIMARY KEY (${keysOf(r).join(', ')})
  )`;
}

/** The rows of `from` with their measures, negated for rows taken away. */
function signedRows(r: TriggeredRollup, from: string, sign: '' | '-'): string {
  const measures = r.measures.map(([name, expr]) => `${sign}(${expr}) AS ${name}`).join(', ');
  return `SELECT org_id, workspace_id, created_at, ${r.dims.join(', ')}, ${measures} FROM ${from}`;
}

/** Signed rows expanded to every scope and grain and summed per key; keys that do not move are left out. */
function summed(r: TriggeredRollup, rows: string): string {
  const positions = keysOf(r)
    .map((_, i) => i + 1)
    .join(', ');
  return `SELECT c.org_id, s.scope, CASE WHEN s.scope = 'org' THEN '' ELSE c.workspace_id END,
      g.grain, ${bucketOf('c.created_at')}, ${r.dims.map((d) => `c.${d}`).join(', ')},
      ${namesOf(r)
        .map((name) => `sum(c.${name})`)
        .join(', ')}
    FROM (${rows}) AS c
    CROSS JOIN (VALUES ('org'), ('workspace')) AS s(scope)
    CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
    GROUP BY ${positions}
    HAVING ${namesOf(r)
      .map((name) => `sum(c.${name}) <> 0`)
      .join(' OR ')}
    ORDER BY ${positions}`;
}

function upsert(r: TriggeredRollup, rows: string): string {
  const keys = keysOf(r).join(', ');
  const add = namesOf(r).map((name) => `${name} = r.${name} + excluded.${name}`);
  return `INSERT INTO ${r.table} AS r (${keys}, ${namesOf(r).join(', ')})
    ${summed(r, rows)}
    ON CONFLICT (${keys}) DO UPDATE SET ${add.join(', ')}`;
}

/** A delete lowers the rows that exist and creates none. */
function lower(r: TriggeredRollup): string {
  const names = namesOf(r);
  return `UPDATE ${r.table} AS r SET ${names.map((n) => `${n} = r.${n} + d.${n}`).join(', ')}
    FROM (${summed(r, signedRows(r, 'old_rows', '-'))}) AS d(${[...keysOf(r), ...names].join(', ')})
    WHERE ${keysOf(r)
      .map((k) => `r.${k} = d.${k}`)
      .join(' AND ')}`;
}

function triggers(r: TriggeredRollup): string[] {
  const fn = `${r.table}_apply`;
  const changed = `${signedRows(r, 'new_rows', '')} UNION ALL ${signedRows(r, 'old_rows', '-')}`;
  return [
    table(r),
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${upsert(r, signedRows(r, 'new_rows', ''))};
        ELSIF TG_OP = 'UPDATE' THEN
          ${upsert(r, changed)};
        ELSE
          ${lower(r)};
        END IF;
        RETURN NULL;
      END
    $$`,
    `CREATE TRIGGER ${r.table}_insert AFTER INSERT ON ${r.source}
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    `CREATE TRIGGER ${r.table}_update AFTER UPDATE ON ${r.source}
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    `CREATE TRIGGER ${r.table}_delete AFTER DELETE ON ${r.source}
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    // Records stored before this migration, rolled up once (the migration is one transaction).
    upsert(r, signedRows(r, r.source, '')),
  ];
}

const activityTables = [
  sql`CREATE TABLE activity_totals (
    org_id text NOT NULL,
    scope text NOT NULL,
    scope_id text NOT NULL,
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket timestamptz NOT NULL,
    requests bigint NOT NULL,
    failed bigint NOT NULL,
    duration_sum double precision NOT NULL,
    duration_count bigint NOT NULL,
    tokens_sum double precision NOT NULL,
    PRIMARY KEY (org_id, scope, scope_id, grain, bucket)
  )`,
  // Every workspace of an org over a window (grouping by workspace, the busiest workspaces).
  sql`CREATE INDEX activity_totals_bucket_idx ON activity_totals (org_id, scope, grain, bucket)`,
  sql`CREATE TABLE activity_key_rollups (
    org_id text NOT NULL,
    workspace_id text NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('user', 'endpoint')),
    key text NOT NULL,
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket timestamptz NOT NULL,
    requests bigint NOT NULL,
    failed bigint NOT NULL,
    PRIMARY KEY (org_id, dimension, grain, bucket, workspace_id, key)
  )`,
];

/** Rolls up every stored activity record (totals, users, endpoints); only for empty tables. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function backfillActivity(db: Kysely<any>): Promise<void> {
  // The scope ids as 0002 writes them (json_build_array), the org's as '[]'.
  await sql`INSERT INTO activity_totals (org_id, scope, scope_id, grain, bucket, requests, failed,
      duration_sum, duration_count, tokens_sum)
    SELECT a.org_id, s.scope, CASE WHEN s.scope = 'org' THEN '[]' ELSE json_build_array(a.workspace_id)::text END,
      g.grain, ${sql.raw(bucketOf('a."timestamp"'))}, count(*), count(*) FILTER (WHERE NOT a.success),
      coalesce(sum(a.duration_ms), 0), count(a.duration_ms), coalesce(sum(a.tokens_total), 0)
    FROM activities a
    CROSS JOIN (VALUES ('org'), ('workspace')) AS s(scope)
    CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
    WHERE s.scope = 'org' OR a.workspace_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5`.execute(db);
  await sql`INSERT INTO activity_key_rollups (org_id, workspace_id, dimension, key, grain, bucket, requests, failed)
    SELECT a.org_id, coalesce(a.workspace_id, ''), k.dimension, k.key, g.grain, ${sql.raw(bucketOf('a."timestamp"'))},
      count(*), count(*) FILTER (WHERE NOT a.success)
    FROM activities a
    CROSS JOIN LATERAL (VALUES ('user', a.user_id),
      ('endpoint', CASE WHEN a.resource_type = 'endpoint' THEN a.resource_id END)) AS k(dimension, key)
    CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
    WHERE k.key IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  for (const r of [EXECUTIONS, AI_USAGES]) {
    for (const statement of triggers(r)) await sql.raw(statement).execute(db);
  }
  for (const statement of activityTables) await statement.execute(db);
  await backfillActivity(db);
}
