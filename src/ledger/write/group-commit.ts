// Group commit for the ledger's write entry point: batches that arrive while earlier ones are
// still in the database are written together, in one recordBatch (one transaction), and each
// caller is answered with its own outcomes once that transaction has committed. A 2xx still means
// committed: nobody is answered before the commit that holds their writes.
//
// Why: a transaction's fixed costs (the claims statement, the records' statements, the rollup
// upserts, the commit) are paid once per group instead of once per batch, and the rollup rows of
// live traffic overlap from batch to batch: four batches of the benchmark write 754 rollup rows
// per 1,000 events where one writes 1,567 (bench/rollup-fold-cost.ts). Concurrent batches of one
// org also stop queueing on each other's rollup row locks.
//
// What stays as it was: every write's outcome is one it could have had from batches written one
// after the other, as concurrent requests are (the first of two sends of one key is stored, the
// other is a duplicate; of two writes to one record the newest wins, as across transactions; an
// archive in one batch finds an execution another batch of the group creates, as it would had
// that batch committed first).
// When a group's transaction fails, each of its batches is written again alone, so a batch that
// the database refuses fails only its own request. A batch that resends a key a running group is
// claiming waits for that group here rather than on PostgreSQL's unique index (schedule()), so
// the writers work side by side (docs/decisions.md, "Group commit").
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ROWS_PER_STATEMENT } from '../activity/insert.js';
import { keyString } from './claims.js';
import { type RecordOptions, recordBatch } from './record-batch.js';
import type { OrgWrite, WriteOutcome } from './types.js';

/**
 * A group takes no more writes than one activity statement holds, the bound of a request too
 * (INGEST_MAX_EVENTS = 5,000 events): a group's transaction is no longer than the largest batch's.
 * (Its rollup rows are locked in key order by one statement whatever its size, so two groups
 * cannot deadlock on them.)
 */
export const MAX_GROUP_WRITES = ROWS_PER_STATEMENT;

interface Member {
  writes: readonly OrgWrite[];
  /** The writes' claim keys (org and key), to keep them out of groups that would wait on them. */
  keys: readonly string[];
  options: RecordOptions;
  resolve: (outcomes: WriteOutcome[]) => void;
  reject: (error: unknown) => void;
}

const claimOf = ({ orgId, write }: OrgWrite): string => `${orgId}\u0000${keyString(write.key)}`;

/** Tells the group's writer and each of its callers that the group has committed. */
function committed(members: readonly Member[], onCommitted: () => void): void {
  onCommitted();
  for (const member of members) member.options.onCommitted?.();
}

export class GroupCommit {
  /** The claim keys of each group in the database. */
  private readonly running = new Set<ReadonlySet<string>>();
  /** Batches waiting for a lane, in arrival order. */
  private waiting: Member[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    /** Groups in the database at once (TALLY_INGEST_WRITERS); more batches wait and go in together. */
    private readonly lanes: number,
  ) {}

  /** Records the writes (recordBatch's contract) in the next group to commit. */
  record(writes: readonly OrgWrite[], options: RecordOptions = {}): Promise<WriteOutcome[]> {
    return new Promise((resolve, reject) => {
      // With one lane no group starts beside another, so there is nothing to keep apart.
      const keys = this.lanes > 1 ? writes.map(claimOf) : [];
      this.waiting.push({ writes, keys, options, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts groups on the free lanes. A group takes the waiting batches in arrival order, but not
   * one that sends a key a group in the database is claiming: its claim would wait in PostgreSQL
   * for that transaction to end (the unique index cannot tell a duplicate from a new key before
   * then), and the writers would take turns instead of working side by side. Retries of a batch
   * whose answer was lost are the usual duplicates, and they arrive while it is still being
   * written. Such a batch goes in the first group after that one has committed, where its key is
   * a plain duplicate (or new again, had it rolled back).
   */
  private schedule(): void {
    while (this.running.size < this.lanes && this.waiting.length > 0) {
      const members: Member[] = [];
      const keys = new Set<string>();
      let writes = 0;
      const left: Member[] = [];
      for (const member of this.waiting) {
        const fits = members.length === 0 || writes + member.writes.length <= MAX_GROUP_WRITES;
        if (fits && !this.claimedByRunning(member)) {
          members.push(member);
          writes += member.writes.length;
          for (const key of member.keys) keys.add(key);
        } else {
          left.push(member);
        }
      }
      if (members.length === 0) return;
      this.waiting = left;
      this.running.add(keys);
      // The lane is free once the group has committed: its keys are then plain duplicates, and
      // what follows the commit (workspaces' last activity) goes beside the next group. Not with
      // one lane (PGlite, one connection): the next group's transaction would hold the
      // connection while this group's answers wait for that last statement.
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        this.running.delete(keys);
        this.schedule();
      };
      void this.write(members, this.lanes > 1 ? free : () => {}).finally(free);
    }
  }

  private claimedByRunning(member: Member): boolean {
    for (const keys of this.running) for (const key of member.keys) if (keys.has(key)) return true;
    return false;
  }

  private async write(members: Member[], onCommitted: () => void): Promise<void> {
    if (members.length === 1) {
      const [only] = members as [Member];
      const options = { ...only.options, onCommitted: () => committed(members, onCommitted) };
      await recordBatch(this.db, only.writes, options).then(only.resolve, only.reject);
      return;
    }
    let outcomes: WriteOutcome[];
    try {
      outcomes = await recordBatch(
        this.db,
        members.flatMap((member) => member.writes),
        {
          onCommitted: () => committed(members, onCommitted),
          onTouchFailed: (error) => {
            for (const member of members) member.options.onTouchFailed?.(error);
          },
        },
      );
    } catch {
      // Nothing of the group was committed: each batch again on its own, in arrival order.
      for (const member of members) {
        await recordBatch(this.db, member.writes, member.options).then(member.resolve, member.reject);
      }
      return;
    }
    let offset = 0;
    for (const member of members) {
      member.resolve(outcomes.slice(offset, offset + member.writes.length));
      offset += member.writes.length;
    }
  }
}
