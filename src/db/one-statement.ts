// Independent data-modifying statements sent as one: each becomes a WITH of `SELECT 1`, which
// PostgreSQL runs exactly once and to completion whether or not the query reads it. A write path
// then pays one round trip for them instead of one each, and inside a transaction every round
// trip is time its row locks are held while the service is busy with other requests. Only for
// statements that do not depend on each other: they share one snapshot, so none sees another's
// rows. PostgreSQL runs them in an order fixed by the statement's text, so every writer sending
// the same statements takes their locks in the same order.
import { type RawBuilder, sql } from 'kysely';

/** The statements as one (null for none; a single statement as it is). */
export function asOneStatement(statements: readonly RawBuilder<unknown>[]): RawBuilder<unknown> | null {
  if (statements.length === 0) return null;
  if (statements.length === 1) return statements[0]!;
  const parts = statements.map((statement, index) => sql`${sql.raw(`s${index}`)} AS (${statement})`);
  return sql`WITH ${sql.join(parts)} SELECT 1`;
}
