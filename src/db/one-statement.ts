// Independent data-modifying statements sent as one: each becomes a WITH of `SELECT 1`, which
// PostgreSQL runs exactly once and to completion whether or not the query reads it. A write path
// then pays one round trip for them instead of one each, and inside a transaction every round
// trip is time its row locks are held while the service is busy with other requests. Only for
// statements that do not depend on each other: they share one snapshot, so none sees another's
// rows. PostgreSQL runs them in an order fixed by the statement's text, so every writer sending
// the same statements takes their locks in the same order.
import { type RawBuilder, sql } from 'kysely';

/**
 * A data-modifying statement whose result the caller reads: it becomes the WITH named `name`
 * (a WITH holding a data-modifying statement must be at the top level, so it cannot be nested
 * as it is), and `select` (reading `name`) becomes the statement's answer.
 */
export interface AnsweringPart<R> {
  name: string;
  statement: RawBuilder<unknown>;
  select: RawBuilder<R>;
}

/**
 * The statements as one (null for none; a single statement as it is). With `answering`, its
 * select is the answer; without, the answer is one row of `1`. Every part runs, in an order fixed
 * by the text, as above.
 */
export function asOneStatement<R = unknown>(
  statements: readonly RawBuilder<unknown>[],
  answering?: AnsweringPart<R>,
): RawBuilder<R> | null {
  if (!answering) {
    if (statements.length === 0) return null;
    if (statements.length === 1) return statements[0]! as RawBuilder<R>;
  }
  const parts = statements.map((statement, index) => sql`${sql.raw(`s${index}`)} AS (${statement})`);
  if (answering) parts.push(sql`${sql.raw(answering.name)} AS (${answering.statement})`);
  return sql<R>`WITH ${sql.join(parts)} ${answering ? answering.select : sql`SELECT 1`}`;
}
