// A batch that group commit answers in parts (group-commit.ts): a write resending a key that a
// group in the database is claiming is held back until that group is done, while the rest of its
// batch goes in at once. Held writes are answered from the group's own outcomes where the next
// group would answer them the same (a duplicate), and written as any other where not.

import { ClaimKeyMap } from './claim-key-map.js';
import type { RecordOptions } from './record-batch.js';
import { workspaceOf } from './records.js';
import { DUPLICATE, type OrgWrite, type WriteOutcome } from './types.js';

/** A batch, or part of one, waiting for a group. */
export interface Member {
  writes: readonly OrgWrite[];
  /** No write reads what another batch writes (see splittable). */
  splittable: boolean;
  options: RecordOptions;
  resolve: (outcomes: WriteOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes whose outcome does not depend on what other batches wrote before them: records whose
 * newest write wins whichever commits first. A source change (archive, edit) looks up the
 * execution it changes, and spans and model calls look up each other, so a batch of those is
 * never answered as if part of it came after a group and part before: it waits whole.
 */
export const splittable = (writes: readonly OrgWrite[]): boolean =>
  writes.every(
    ({ write }) => write.kind === 'activity' || write.kind === 'execution' || write.kind === 'ai_usage',
  );

/**
 * A batch answered in parts: the writes that went into a group at once, and those held back until
 * the group claiming their key is done. Each part fills in its writes' outcomes; the batch is
 * answered once every one is in (and fails if any part fails).
 */
export class SplitBatch {
  private readonly outcomes: WriteOutcome[];
  private pending: number;
  private failed = false;

  constructor(private readonly member: Member) {
    this.outcomes = new Array(member.writes.length);
    this.pending = member.writes.length;
  }

  /** A member of its own for the writes at `indexes` (in the batch's order). */
  part(indexes: readonly number[]): Member {
    const { onTouchFailed } = this.member.options;
    return {
      writes: indexes.map((index) => this.member.writes[index]!),
      splittable: true,
      options: onTouchFailed ? { onTouchFailed } : {},
      resolve: (outcomes) => {
        for (let at = 0; at < outcomes.length; at += 1) this.settle(indexes[at]!, outcomes[at]!);
      },
      reject: (error) => this.fail(error),
    };
  }

  settle(index: number, outcome: WriteOutcome): void {
    this.outcomes[index] = outcome;
    this.pending -= 1;
    if (this.pending === 0 && !this.failed) {
      this.member.options.onCommitted?.();
      this.member.resolve(this.outcomes);
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.member.reject(error);
  }
}

/** A write held back while the group claiming its key is in the database. */
export interface HeldWrite {
  batch: SplitBatch;
  index: number;
  write: OrgWrite;
}

/**
 * Answers the writes held back on a group once it is done: a duplicate where the group's
 * transaction committed the key, exactly as the next group would answer it (its key found
 * claimed), unless that answer could differ: the group's write of the key was rejected (its claim
 * given back), or named another workspace (whether this one exists is not known), or the group
 * failed (`outcomes` null). Returns those others, as members to write, in arrival order.
 */
export function settleHeld(
  held: readonly HeldWrite[],
  members: readonly Member[],
  outcomes: readonly WriteOutcome[] | null,
): Member[] {
  // Per held claim key the group committed: the workspaces its writes of it named (each one
  // exists). Only the held keys are looked at: a group holds thousands of writes, and a few
  // held back on it.
  const heldKeys = new ClaimKeyMap<true>();
  for (const { write } of held) heldKeys.set(write.orgId, write.write.key, true);
  const committed = new ClaimKeyMap<Set<string | null>>();
  const givenBack = new ClaimKeyMap<true>();
  if (outcomes !== null) {
    let at = 0;
    for (const { writes } of members) {
      for (let index = 0; index < writes.length; index += 1, at += 1) {
        const { orgId, write } = writes[index]!;
        if (!heldKeys.has(orgId, write.key)) continue;
        if (outcomes[at]!.status === 'rejected') givenBack.set(orgId, write.key, true);
        else {
          const named = committed.get(orgId, write.key);
          const workspace = workspaceOf(write);
          if (named) named.add(workspace);
          else committed.set(orgId, write.key, new Set([workspace]));
        }
      }
    }
  }
  const again = new Map<SplitBatch, number[]>();
  for (const { batch, index, write } of held) {
    const { orgId, write: held } = write;
    if (!givenBack.has(orgId, held.key) && committed.get(orgId, held.key)?.has(workspaceOf(held))) {
      batch.settle(index, DUPLICATE);
    } else {
      const indexes = again.get(batch);
      if (indexes) indexes.push(index);
      else again.set(batch, [index]);
    }
  }
  return [...again].map(([batch, indexes]) => batch.part(indexes));
}
