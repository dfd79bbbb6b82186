// Where an ingestion request's time goes inside the service, from the service itself: a preload
// (`--import`) that times every `pg` query of the process and every GroupCommit.record call, and
// writes a summary every 2 s to `<TXN_TIMING_DIR or the temp dir>/txn-timing-<pid>.txt`:
// - transactions (`begin` … `commit`/`rollback` on one client): mean length, the part spent in the
//   database (a statement sent until its answer is handled) and the part waiting for this process
//   between statements (what pg_stat_activity shows as idle in transaction);
// - GroupCommit.record: from a batch handed to the writer until it is answered (the wait for a
//   writer, the group's transaction, the workspaces' last activity after it);
// - statements outside transactions run at least 50 times, with their mean time;
// - the event loop's delay (monitorEventLoopDelay).
// Every process started with it writes its own file; the service's is the one with
// GroupCommit.record calls (the load generator's COPY streams are not timed: ignore its file).
//
//   npm run build && npx tsc -p tsconfig.bench.json
//   NODE_OPTIONS="--import ./dist-bench/bench/txn-timing.js" \
//     node dist-bench/bench/run.js --only ingestion --otlp-runs 0 --service-floors none --results DIR
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type pgTypes from 'pg';

type Callback = (...args: unknown[]) => unknown;
type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

const pg = createRequire(join(process.cwd(), 'package.json'))('pg') as typeof pgTypes;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

const transactions = { count: 0, ms: 0, inDatabase: 0, waiting: 0, statements: 0 };
const gaps: number[] = [];
const outside = new Map<string, { count: number; ms: number }>();
const record = { count: 0, ms: 0 };

interface ClientState {
  open: boolean;
  start: number;
  lastAnswer: number;
  inDatabase: number;
  waiting: number;
}
const states = new WeakMap<object, ClientState>();

const original = pg.Client.prototype.query as unknown as QueryFn;
(pg.Client.prototype as unknown as { query: QueryFn }).query = function (
  this: object,
  config: unknown,
  values?: unknown,
  callback?: unknown,
) {
  const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '');
  const verb = text.trimStart().slice(0, 8).toLowerCase();
  let state = states.get(this);
  if (!state) {
    state = { open: false, start: 0, lastAnswer: 0, inDatabase: 0, waiting: 0 };
    states.set(this, state);
  }
  const sent = performance.now();
  if (verb.startsWith('begin'))
    Object.assign(state, { open: true, start: sent, lastAnswer: sent, inDatabase: 0, waiting: 0 });
  else if (state.open) {
    state.waiting += sent - state.lastAnswer;
    gaps.push(sent - state.lastAnswer);
  }
  const s = state;
  const answered = () => {
    const now = performance.now();
    if (!s.open) {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
      const entry = outside.get(key) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += now - sent;
      outside.set(key, entry);
      return;
    }
    s.inDatabase += now - sent;
    s.lastAnswer = now;
    transactions.statements += 1;
    if (verb.startsWith('commit') || verb.startsWith('rollback')) {
      s.open = false;
      transactions.count += 1;
      transactions.ms += now - s.start;
      transactions.inDatabase += s.inDatabase;
      transactions.waiting += s.waiting;
    }
  };
  const wrap =
    (done: Callback) =>
    (...args: unknown[]) => {
      answered();
      return done(...args);
    };
  if (typeof callback === 'function') return original.call(this, config, values, wrap(callback as Callback));
  if (typeof values === 'function') return original.call(this, config, wrap(values as Callback));
  const result = original.call(this, config, values);
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(answered, answered);
  }
  return result;
};

// The service's group commit, when this process is one (dist/ under the working directory).
try {
  const module = (await import(
    pathToFileURL(join(process.cwd(), 'dist/ledger/write/group-commit.js')).href
  )) as {
    GroupCommit: { prototype: { record: (...args: unknown[]) => Promise<unknown> } };
  };
  const recordOriginal = module.GroupCommit.prototype.record;
  module.GroupCommit.prototype.record = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    const answer = recordOriginal.apply(this, args);
    const count = () => {
      record.count += 1;
      record.ms += performance.now() - start;
    };
    answer.then(count, count);
    return answer;
  };
} catch {
  // Not the service (the load generator): pg's timing alone.
}

const quantile = (sorted: number[], q: number) =>
  (sorted[Math.floor(q * (sorted.length - 1))] ?? 0).toFixed(2);
const file = join(process.env.TXN_TIMING_DIR ?? tmpdir(), `txn-timing-${process.pid}.txt`);
setInterval(() => {
  if (transactions.count === 0 && record.count === 0) return;
  const n = Math.max(1, transactions.count);
  const sorted = gaps.slice().sort((a, b) => a - b);
  const lines = [
    `transactions ${transactions.count}: mean ${(transactions.ms / n).toFixed(1)} ms, in the database ${(transactions.inDatabase / n).toFixed(1)}, waiting for this process ${(transactions.waiting / n).toFixed(1)}; ${(transactions.statements / n).toFixed(1)} statements each; waits between statements p50 ${quantile(sorted, 0.5)} p90 ${quantile(sorted, 0.9)} p99 ${quantile(sorted, 0.99)} ms`,
    `GroupCommit.record ${record.count}: mean ${(record.ms / Math.max(1, record.count)).toFixed(1)} ms`,
    ...[...outside]
      .filter(([, entry]) => entry.count >= 50)
      .map(
        ([text, entry]) =>
          `outside a transaction ${entry.count} × ${(entry.ms / entry.count).toFixed(2)} ms: ${text}`,
      ),
    `event loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}, 2000).unref();
