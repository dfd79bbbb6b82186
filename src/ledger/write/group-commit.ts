// Group commit for the ledger's write entry point: batches that arrive while earlier ones are
// still in the database are written together, in one recordBatch (one transaction), and each
// caller is answered with its own outcomes once that transaction has committed. A 2xx still means
// committed: nobody is answered before the commit that holds their writes.
//
// Why: a transaction's fixed costs (the claims statement, the records' statements, three rollup
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
// the database refuses fails only its own request.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ROWS_PER_STATEMENT } from '../activity/insert.js';
import { type RecordOptions, recordBatch } from './record-batch.js';
import type { OrgWrite, WriteOutcome } from './types.js';

/**
 * A group takes no more writes than one activity statement holds: its rollup rows are then locked
 * in key order by one statement, as a single batch's are, so two groups cannot deadlock on them.
 * (A request holds at most INGEST_MAX_EVENTS = 5,000 events, the same bound.)
 */
export const MAX_GROUP_WRITES = ROWS_PER_STATEMENT;

interface Member {
  writes: readonly OrgWrite[];
  options: RecordOptions;
  resolve: (outcomes: WriteOutcome[]) => void;
  reject: (error: unknown) => void;
}

interface Group {
  members: Member[];
  writes: number;
}

export class GroupCommit {
  private inFlight = 0;
  /** Groups waiting for a lane, oldest first; only the newest still takes members. */
  private readonly waiting: Group[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    /** Groups in the database at once (TALLY_INGEST_WRITERS); more batches wait and go in together. */
    private readonly lanes: number,
  ) {}

  /** Records the writes (recordBatch's contract) in the next group to commit. */
  record(writes: readonly OrgWrite[], options: RecordOptions = {}): Promise<WriteOutcome[]> {
    return new Promise((resolve, reject) => {
      const member: Member = { writes, options, resolve, reject };
      if (this.inFlight < this.lanes && this.waiting.length === 0) {
        this.start({ members: [member], writes: writes.length });
        return;
      }
      const newest = this.waiting.at(-1);
      if (newest && newest.writes + writes.length <= MAX_GROUP_WRITES) {
        newest.members.push(member);
        newest.writes += writes.length;
      } else {
        this.waiting.push({ members: [member], writes: writes.length });
      }
    });
  }

  private start(group: Group): void {
    this.inFlight += 1;
    void this.write(group.members).finally(() => {
      this.inFlight -= 1;
      const next = this.waiting.shift();
      if (next) this.start(next);
    });
  }

  private async write(members: Member[]): Promise<void> {
    if (members.length === 1) {
      const [only] = members as [Member];
      await recordBatch(this.db, only.writes, only.options).then(only.resolve, only.reject);
      return;
    }
    let outcomes: WriteOutcome[];
    try {
      outcomes = await recordBatch(
        this.db,
        members.flatMap((member) => member.writes),
        {
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
