// When a process folds the activity rollups' queue (rollup-queue.ts). Every transaction that
// queued rollups tells the folder once it has committed; the folder folds when `every` of them
// have (TALLY_ROLLUP_FOLD_EVERY, 10), or `afterMs` after the first one (TALLY_ROLLUP_FOLD_MS,
// 1,000), whichever comes first, and once more on close. Reads
// are exact either way (they add the queue), so the bounds weigh a writer's cost (folding more
// batches at a time writes fewer rollup rows) against a reader's (each queued row is unnested by
// the reads of its org). A row another process queued, or one left by a process that stopped, is
// folded by whichever folder runs next: at the latest `afterMs` after a server starts. Ten
// consecutive batches of live traffic write a third of one batch's rollup rows
// (bench/rollup-fold-cost.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { foldQueue } from './rollup-queue.js';

export interface FoldPace {
  /** Commits between folds. */
  every: number;
  /** The longest a committed batch's cells wait in the queue while nothing else is written. */
  afterMs: number;
}

export class RollupFolder {
  private unfolded = 0;
  private timer: NodeJS.Timeout | null = null;
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
    this.arm();
  }

  /** A transaction that queued rollups has committed. */
  committed(): void {
    if (this.closed) return;
    this.unfolded += 1;
    if (this.unfolded >= this.pace.every) void this.fold();
    else this.arm();
  }

  /**
   * Folds the queue now (resolves when done; never rejects: a failure is reported and retried).
   * One fold runs at a time; callers arriving meanwhile share the next one, which folds the rows
   * committed since the running one began.
   */
  fold(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
      if (!this.closed) this.arm();
    }
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fold();
    }, this.pace.afterMs);
    this.timer.unref();
  }
}
