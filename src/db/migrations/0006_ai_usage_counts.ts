// The number of AI tool usages per workspace, tool type and status, kept by triggers on ai_usages.
// Seed 000's listing answers a total with every page; counting it from the index cost ~10 ms of
// PostgreSQL CPU per request for a workspace of 100,000 usages (most of the listing's cost at any
// offset), while the sum of at most 12 rows of this table costs microseconds.
//
// Triggers rather than the writer's own statements because a usage changes its status (pending →
// completed) in place and only the database sees both the old and the new row; statement-level
// triggers with transition tables do it once per statement, not once per row. Rows are upserted
// in key order, so concurrent writers of a workspace cannot deadlock. A delete only lowers counts
// that exist (a table emptied org by org, counts first, leaves nothing behind).
import { type Kysely, sql } from 'kysely';

const statements = [
  sql`CREATE TABLE ai_usage_counts (
    org_id text NOT NULL,
    workspace_id text NOT NULL,
    tool_type text NOT NULL,
    status text NOT NULL,
    usages bigint NOT NULL,
    PRIMARY KEY (org_id, workspace_id, tool_type, status)
  )`,
  sql`CREATE FUNCTION ai_usage_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO ai_usage_counts AS c (org_id, workspace_id, tool_type, status, usages)
        SELECT org_id, workspace_id, tool_type, status, count(*) FROM new_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (org_id, workspace_id, tool_type, status) DO UPDATE SET usages = c.usages + excluded.usages;
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ai_usage_counts AS c (org_id, workspace_id, tool_type, status, usages)
        SELECT org_id, workspace_id, tool_type, status, sum(delta) FROM (
          SELECT org_id, workspace_id, tool_type, status, 1 AS delta FROM new_rows
          UNION ALL
          SELECT org_id, workspace_id, tool_type, status, -1 FROM old_rows
        ) AS d
        GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (org_id, workspace_id, tool_type, status) DO UPDATE SET usages = c.usages + excluded.usages;
      ELSE
        UPDATE ai_usage_counts AS c SET usages = c.usages - d.n
        FROM (SELECT org_id, workspace_id, tool_type, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3, 4) AS d
        WHERE c.org_id = d.org_id AND c.workspace_id = d.workspace_id
          AND c.tool_type = d.tool_type AND c.status = d.status;
      END IF;
      RETURN NULL;
    END
  $$`,
  sql`CREATE TRIGGER ai_usage_counts_insert AFTER INSERT ON ai_usages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_usage_counts_apply()`,
  sql`CREATE TRIGGER ai_usage_counts_update AFTER UPDATE ON ai_usages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_usage_counts_apply()`,
  sql`CREATE TRIGGER ai_usage_counts_delete AFTER DELETE ON ai_usages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_usage_counts_apply()`,
  // Existing usages, counted once; the migration runs in one transaction with the triggers.
  sql`INSERT INTO ai_usage_counts (org_id, workspace_id, tool_type, status, usages)
    SELECT org_id, workspace_id, tool_type, status, count(*) FROM ai_usages GROUP BY 1, 2, 3, 4`,
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
