// `tally export`: streams an org's activity or executions as NDJSON or CSV, in keyset pages, so
// memory stays constant whatever the size; progress goes to stderr, data to stdout or a file.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { INSTANT_RANGE_TEXT, parseRfc3339 } from '../instants.js';
import { SHOWN_ACTIVITY_COLUMNS } from '../ledger/activity/listing.js';
import { type CommandIo, localHost, type OpenHost, processIo } from './command-host.js';
import { Progress } from './progress.js';

const USAGE = `Usage: tally export <activity|executions> --org ORG [options]

Options:
  --org ORG          the org to export (required)
  --workspace ID     only this workspace
  --since TIME       from this RFC 3339 time (inclusive)
  --until TIME       up to this RFC 3339 time (exclusive)
  --format FORMAT    ndjson (default) or csv
  --output FILE      write to FILE instead of standard output
`;

const PAGE = 5_000;

const ACTIVITY_COLUMNS = SHOWN_ACTIVITY_COLUMNS;

const EXECUTION_COLUMNS = [
  'id',
  'created_at',
  'workspace_id',
  'user_id',
  'agent_id',
  'agent_type',
  'status',
  'credits',
  'source',
  'output',
  'output_url',
  'output_private',
  'root_id',
  'execution_origin',
  'used_model',
  'tokens_input',
  'tokens_output',
  'tokens_total',
] as const;

interface ExportSpec {
  table: 'activities' | 'executions';
  timeColumn: 'timestamp' | 'created_at';
  columns: readonly string[];
}

const SPECS: Record<string, ExportSpec> = {
  activity: { table: 'activities', timeColumn: 'timestamp', columns: ACTIVITY_COLUMNS },
  executions: { table: 'executions', timeColumn: 'created_at', columns: EXECUTION_COLUMNS },
};

function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function write(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

interface ExportFilter {
  orgId: string;
  workspaceId: string | null;
  since: Date | null;
  until: Date | null;
}

/** Streams rows oldest first, page by page on (time, id), into `out`; returns the row count. */
export async function exportRows(
  db: Kysely<Database>,
  spec: ExportSpec,
  filter: ExportFilter,
  format: 'ndjson' | 'csv',
  out: NodeJS.WritableStream,
  onPage: (count: number) => void,
): Promise<number> {
  const time = sql.ref(spec.timeColumn);
  const columns = sql.join(spec.columns.map((column) => sql.ref(column)));
  if (format === 'csv') await write(out, `${spec.columns.join(',')}\r\n`);
  let after: { time: Date; id: string } | null = null;
  let total = 0;
  for (;;) {
    const page: { rows: Record<string, unknown>[] } = await sql<Record<string, unknown>>`
      SELECT ${columns} FROM ${sql.table(spec.table)}
      WHERE org_id = ${filter.orgId}
        ${filter.workspaceId !== null ? sql`AND workspace_id = ${filter.workspaceId}` : sql``}
        ${filter.since !== null ? sql`AND ${time} >= ${filter.since}` : sql``}
        ${filter.until !== null ? sql`AND ${time} < ${filter.until}` : sql``}
        ${after !== null ? sql`AND (${time}, id) > (${after.time}, ${after.id})` : sql``}
      ORDER BY ${time}, id
      LIMIT ${PAGE}`.execute(db);
    if (page.rows.length === 0) break;
    let chunk = '';
    for (const row of page.rows) {
      if (format === 'ndjson') {
        chunk += `${JSON.stringify(Object.fromEntries(spec.columns.map((c) => [c, jsonValue(row[c])])))}\n`;
      } else {
        chunk += `${spec.columns.map((c) => csvCell(row[c])).join(',')}\r\n`;
      }
    }
    await write(out, chunk);
    total += page.rows.length;
    onPage(page.rows.length);
    const last = page.rows.at(-1)!;
    after = { time: last[spec.timeColumn] as Date, id: last.id as string };
    if (page.rows.length < PAGE) break;
  }
  return total;
}

function timeOption(value: string | undefined, name: string): Date | null {
  if (value === undefined) return null;
  const parsed = parseRfc3339(value);
  if ('error' in parsed) throw new Error(`--${name} must be an RFC 3339 time ${INSTANT_RANGE_TEXT}`);
  return parsed.date;
}

export async function runExport(
  config: Config,
  argv: string[],
  io: CommandIo = processIo(),
  openHost: OpenHost = localHost(config, io),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      org: { type: 'string' },
      workspace: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string', default: 'ndjson' },
      output: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const spec = SPECS[positionals[0] ?? ''];
  if (values.help || !spec || !values.org || (values.format !== 'ndjson' && values.format !== 'csv')) {
    (values.help ? io.out : io.err).write(USAGE);
    return values.help ? 0 : 1;
  }
  const filter: ExportFilter = {
    orgId: values.org,
    workspaceId: values.workspace ?? null,
    since: timeOption(values.since, 'since'),
    until: timeOption(values.until, 'until'),
  };
  const host = await openHost({ migrate: false });
  const output = values.output;
  const out = output ? createWriteStream(output) : io.out;
  try {
    const progress = new Progress(`export ${positionals[0]}`, null, 'rows', io.err, io.errIsTTY);
    await exportRows(host.database.db, spec, filter, values.format, out, (count) => progress.add(count));
    progress.finish();
    return 0;
  } finally {
    if (output) await new Promise<void>((resolve) => out.end(resolve));
    await host.close();
  }
}

/**
 * `--output FILE` taken out of the arguments, for an export run by a server: the CLI writes the
 * file itself, relative to its own working directory.
 */
export function splitOutputOption(argv: string[]): { args: string[]; output: string | null } {
  const args: string[] = [];
  let output: string | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg === '--output' && i + 1 < argv.length) {
      output = argv[i + 1]!;
      i += 1;
    } else if (arg.startsWith('--output=')) output = arg.slice('--output='.length);
    else args.push(arg);
  }
  return { args, output };
}
