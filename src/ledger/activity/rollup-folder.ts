// When a process folds the activity rollups' queue (rollup-queue.ts). Every transaction that
// queued rollups tells the folder once it has committed, and the folder folds at the first of:
//   - `every` commits since the last fold (TALLY_ROLLUP_FOLD_EVERY, 10): under steady ingestion,
//     ten consecutive groups share their hour and day cells, so a fold writes a third of the
//     rows one group's would (bench/rollup-fold-cost.ts);
//   - `afterMs` after an ingestion group's commit (TALLY_ROLLUP_FOLD_MS, 1,000), a fifth of it
//     after a self-recording flush's: self-recording writes about once a second whatever the
//     load, and readers of the org its rows belong to unnest them while they wait, so they are
//     folded soon;
// and once more on close. Reads are exact either way (they add the queue). A row another process
// queued, or one left by a process that stopped, is folded by whichever folder runs next: at the
// latest `afterMs` after a server starts.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { foldQueue } from './rollup-queue.js';

export interface FoldPace {
  /** Commits between folds. */
  every: number;
  /** The longest an ingestion group's cells wait in the queue (a self-recording flush's: a fifth). */
  afterMs: number;
}

export class RollupFolder {
  private unfolded = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (ms since the epoch). */
  private dueAt = Number.POSITIVE_INFINITY;
  /** The fold running now, and the one callers arriving meanwhile share (at most one). */
  private current: Promise<void> = Promise.resolve();
  private next: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pace: FoldPace,
    private readonly onError: (error: unknown) => void,
  ) {
    // Whatever an earlier process left in the queue.
    this.arm(this.pace.afterMs);
  }

  /** An ingestion group that queued rollups has committed. */
  committed(): void {
    this.count(this.pace.afterMs);
  }

  /** A self-recording flush that queued rollups has committed. */
  recorded(): void {
    this.count(Math.max(1, Math.round(this.pace.afterMs / 5)));
  }

  /**
   * Folds the queue now (resolves when done; never rejects: a failure is reported and retried).
   * One fold runs at a time; callers arriving meanwhile share the next one, which folds the rows
   * committed since the running one began.
   */
  fold(): Promise<void> {
    this.disarm();
    if (!this.next) {
      const next = this.current.then(() => {
        this.next = null;
        return this.foldOnce();
      });
      this.next = next;
      this.current = next;
    }
    return this.next;
  }

  /** Stops the timer and folds what is left. */
  async close(): Promise<void> {
    this.closed = true;
    await this.fold();
  }

  private async foldOnce(): Promise<void> {
    this.unfolded = 0;
    try {
      await foldQueue(this.db);
    } catch (error) {
      this.onError(error);
      this.unfolded += 1;
      this.arm(this.pace.afterMs);
    }
  }

  private count(withinMs: number): void {
    if (this.closed) return;
    this.unfolded += 1;
    if (this.unfolded >= this.pace.every) void this.fold();
    else this.arm(withinMs);
  }

  /** Folds within `ms` at the latest (an earlier time already set stands). */
  private arm(ms: number): void {
    if (this.closed || Date.now() + ms >= this.dueAt) return;
    this.disarm();
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = Number.POSITIVE_INFINITY;
      void this.fold();
    }, ms).unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = Number.POSITIVE_INFINITY;
  }
}
