// Statements the service runs on every request or batch, prepared once per PostgreSQL connection
// instead of parsed and planned on every execution. Planning a three-table access check cost
// PostgreSQL ~0.2 ms each time, five times its execution; a cached read paid it on every request.
// A statement opts in by ending with PREPARE (Kysely: `.modifyEnd(PREPARE)`, or `${PREPARE}` at
// the end of a `sql` template); the pool's clients (open.ts) then send it as a named statement.
// Only fixed-shape statements whose best plan does not depend on their values may opt in: a
// prepared statement may run a generic plan after five executions, which would be wrong for a
// query over skewed data (the largest org holds most records). Point lookups by key and the
// writers' INSERT … SELECT FROM unnest(…) qualify. PGlite reads the marker as a comment.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';

const MARK = '/* prepared */';

export const PREPARE = sql.raw(` ${MARK}`);

const names = new Map<string, string>();

/** The statement's name when its text asks to be prepared, else null. */
export function preparedName(text: string): string | null {
  if (!text.endsWith(MARK)) return null;
  let name = names.get(text);
  if (name === undefined) {
    // The texts that opt in are a fixed set in the code, so this map stays small.
    name = `tally_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
