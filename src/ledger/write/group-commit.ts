// Group commit for the ledger's write entry point: batches that arrive while earlier ones are
// still in the database are written together, in one recordBatch (one transaction), and each
// caller is answered with its own outcomes once that transaction has committed. A 2xx still means
// committed: nobody is answered before the commit that holds their writes.
//
// Why: a transaction's fixed costs (the claims statement, the records' statements, the queued
// rollup row, the commit) are paid once per group instead of once per batch, and the rollup cells
// of live traffic overlap from batch to batch, so a group queues fewer of them (the folder then
// adds several groups' cells at once: ../activity/rollup-folder.ts).
//
// What stays as it was: every write's outcome is one it could have had from batches written one
// after the other, as concurrent requests are (the first of two sends of one key is stored, the
// other is a duplicate; of two writes to one record the newest wins, as across transactions; an
// archive in one batch finds an execution another batch of the group creates, as it would had
// that batch committed first).
// When a group's transaction fails, each of its batches is written again alone, so a batch that
// the database refuses fails only its own request. A write that resends a key a running group is
// claiming waits for that group here rather than on PostgreSQL's unique index (schedule()), so
// the writers work side by side, and the rest of its batch goes in at once (docs/decisions.md,
// "Group commit" and "A resent key no longer holds its batch back").
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ROWS_PER_STATEMENT } from '../activity/insert.js';
import { ClaimKeyMap } from './claim-key-map.js';
import { type RecordOptions, recordBatch } from './record-batch.js';
import { type HeldWrite, type Member, SplitBatch, settleHeld, splittable } from './split-batch.js';
import type { OrgWrite, WriteOutcome } from './types.js';

/**
 * A group takes no more writes than one activity statement holds, the bound of a request too
 * (INGEST_MAX_EVENTS = 5,000 events): a group's transaction is no longer than the largest batch's.
 */
export const MAX_GROUP_WRITES = ROWS_PER_STATEMENT;

/** A group in the database: the claim keys it writes, and the writes held back on them. */
interface RunningGroup {
  keys: ClaimKeyMap<true>;
  /** Every member splittable: a batch may be answered as if part of it came after this group. */
  splittable: boolean;
  held: HeldWrite[];
}

/** Tells the group's writer and each of its callers that the group has committed. */
function committed(members: readonly Member[], onCommitted: () => void): void {
  onCommitted();
  for (const member of members) member.options.onCommitted?.();
}

export class GroupCommit {
  /** The groups in the database. */
  private readonly running = new Set<RunningGroup>();
  /** Batches waiting for a lane, in arrival order. */
  private waiting: Member[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    /** Groups in the database at once (TALLY_INGEST_WRITERS); more batches wait and go in together. */
    private readonly lanes: number,
    /**
     * Told after each group is done (the rollup folder counts them); a group whose transaction
     * failed counts too, as its batches were then written again one by one.
     */
    private readonly onWritten: () => void = () => {},
  ) {}

  /** Records the writes (recordBatch's contract) in the next group to commit. */
  record(writes: readonly OrgWrite[], options: RecordOptions = {}): Promise<WriteOutcome[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ writes, splittable: splittable(writes), options, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts groups on the free lanes. A group takes the waiting batches in arrival order, but not
   * a write whose key a group in the database is claiming: its claim would wait in PostgreSQL for
   * that transaction to end (the unique index cannot tell a duplicate from a new key before then),
   * and the writers would take turns instead of working side by side. Retries of a batch whose
   * answer was lost are the usual duplicates, and they arrive while it is still being written.
   * Such a write is held back until that group is done (heldBack) and the rest of its batch goes
   * in now.
   */
  private schedule(): void {
    while (this.running.size < this.lanes && this.waiting.length > 0) {
      const members: Member[] = [];
      const keys = new ClaimKeyMap<true>();
      // With one lane no group starts beside another, so there is no key to keep apart.
      const keepKeys = this.lanes > 1;
      let writes = 0;
      const left: Member[] = [];
      for (const member of this.waiting) {
        const fits = members.length === 0 || writes + member.writes.length <= MAX_GROUP_WRITES;
        if (!fits) {
          left.push(member);
          continue;
        }
        const now = this.withoutRunningKeys(member);
        if (now === 'wait') left.push(member);
        if (now === 'wait' || now === null) continue;
        members.push(now);
        writes += now.writes.length;
        if (keepKeys) for (const { orgId, write } of now.writes) keys.set(orgId, write.key, true);
      }
      this.waiting = left;
      if (members.length === 0) return;
      const group: RunningGroup = {
        keys,
        splittable: members.every((member) => member.splittable),
        held: [],
      };
      this.running.add(group);
      // The lane is free once the group has committed: its keys are then plain duplicates, and
      // what follows the commit (workspaces' last activity) goes beside the next group. Not with
      // one lane (PGlite, one connection): the next group's transaction would hold the
      // connection while this group's answers wait for that last statement.
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        this.running.delete(group);
        this.schedule();
      };
      void this.write(members, this.lanes > 1 ? free : () => {})
        .catch(() => null)
        .then((outcomes) => {
          this.onWritten();
          free();
          this.heldBack(group, members, outcomes);
        });
    }
  }

  /**
   * The member as it can go into a group now: itself when no group in the database claims any of
   * its keys; otherwise its other writes (null if none), the rest held on the groups claiming
   * them; or 'wait', the whole batch, when it or such a group is not splittable. With one lane
   * nothing runs beside a new group, and a group keeps no keys.
   */
  private withoutRunningKeys(member: Member): Member | null | 'wait' {
    if (this.running.size === 0) return member;
    const running = [...this.running];
    let held: { index: number; group: RunningGroup }[] | null = null;
    for (let index = 0; index < member.writes.length; index += 1) {
      const { orgId, write } = member.writes[index]!;
      for (const group of running) {
        if (!group.keys.has(orgId, write.key)) continue;
        if (!member.splittable || !group.splittable) return 'wait';
        held ??= [];
        held.push({ index, group });
        break;
      }
    }
    if (held === null) return member;
    const batch = new SplitBatch(member);
    const isHeld = new Set<number>();
    for (const { index, group } of held) {
      isHeld.add(index);
      group.held.push({ batch, index, write: member.writes[index]! });
    }
    const rest = member.writes.map((_, index) => index).filter((index) => !isHeld.has(index));
    return rest.length === 0 ? null : batch.part(rest);
  }

  /**
   * Once a group is done, the writes held back on it: answered where they can be (settleHeld),
   * the others back at the head of the queue, written as any other.
   */
  private heldBack(group: RunningGroup, members: readonly Member[], outcomes: WriteOutcome[] | null): void {
    if (group.held.length === 0) return;
    const again = settleHeld(group.held, members, outcomes);
    if (again.length === 0) return;
    this.waiting.unshift(...again);
    this.schedule();
  }

  /** Writes the group and answers its members; the group's outcomes, or null if it failed. */
  private async write(members: Member[], onCommitted: () => void): Promise<WriteOutcome[] | null> {
    if (members.length === 1) {
      const [only] = members as [Member];
      const options = { ...only.options, onCommitted: () => committed(members, onCommitted) };
      try {
        const outcomes = await recordBatch(this.db, only.writes, options);
        only.resolve(outcomes);
        return outcomes;
      } catch (error) {
        only.reject(error);
        return null;
      }
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
      return null;
    }
    let offset = 0;
    for (const member of members) {
      member.resolve(outcomes.slice(offset, offset + member.writes.length));
      offset += member.writes.length;
    }
    return outcomes;
  }
}
