// PostgreSQL CPU statement by statement, for the probes that pin their work to one backend
// (a pool of one connection): the backend's CPU is read from /proc/<pid>/schedstat (nanoseconds
// on the CPU, unlike /proc/<pid>/stat's 10 ms ticks) after every statement Kysely reports, and the
// time since the previous reading is charged to that statement.
import { readFileSync } from 'node:fs';
import type { LogEvent } from 'kysely';

export const schedNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

export class StatementCpu {
  /** Nanoseconds and executions per statement (its first characters, whitespace folded). */
  readonly byStatement = new Map<string, { ns: number; count: number }>();
  /** Statements run while false are not charged (set-up, clean-up). */
  measuring = true;
  private last: number;

  constructor(private readonly pid: number) {
    this.last = schedNs(pid);
  }

  /** Reads the backend's CPU now and starts charging from here; returns the reading. */
  mark(): number {
    this.last = schedNs(this.pid);
    return this.last;
  }

  now(): number {
    return schedNs(this.pid);
  }

  /** Kysely's `log` option. */
  readonly log = (event: LogEvent): void => {
    if (!this.measuring) return;
    const now = schedNs(this.pid);
    const name = statementName(event.query.sql);
    const entry = this.byStatement.get(name) ?? { ns: 0, count: 0 };
    entry.ns += now - this.last;
    entry.count += 1;
    this.byStatement.set(name, entry);
    this.last = schedNs(this.pid);
  };

  /** The statements, most expensive first. */
  sorted(): [string, { ns: number; count: number }][] {
    return [...this.byStatement].sort((a, b) => b[1].ns - a[1].ns);
  }
}

/**
 * A statement's name in the report: its first 64 characters, and, when it writes several tables
 * (statements sent as one, src/db/one-statement.ts), the tables it writes, in its text's order.
 */
export function statementName(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  // `DO UPDATE SET`, `FOR UPDATE OF` and `FOR UPDATE SKIP LOCKED` are not tables.
  const tables = [...flat.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM) "?(\w+)"?/gi)]
    .map((match) => match[1]!)
    .filter((name) => !/^(SET|OF|SKIP|NOWAIT)$/i.test(name));
  const written = [...new Set(tables)];
  return written.length > 1 ? `${flat.slice(0, 40)}… writes ${written.join(', ')}` : flat.slice(0, 64);
}
