// The ledger's per-write outcomes as the ingest answer (API.md §4.1): counts of accepted and
// duplicate events, and each rejected event with its errors named by the event field at fault.
import type { LedgerWrite, WriteOutcome, WriteRejection } from '../ledger/write/types.js';

export interface Rejection {
  index: number;
  id: string | null;
  errors: string[];
}

/** A write the ledger was given, with the position of its event in the request. */
export interface SentWrite {
  index: number;
  write: LedgerWrite;
}

/** The ledger's reason as the event's error: the field that named what is missing. */
function rejectionError(write: LedgerWrite, reason: WriteRejection): string {
  switch (reason.code) {
    case 'unknown_workspace': {
      const field = write.kind === 'ai_usage' ? 'data.workspaceId' : 'data.workspace_id';
      return `${field}: no workspace "${reason.workspace}" in org "${reason.orgId}"`;
    }
    case 'unknown_execution':
      return `data.id: no execution "${reason.executionId}" in workspace "${reason.workspaceId}"`;
    case 'not_editable':
      return `data.id: only chat executions can be edited (this one is ${reason.agentType})`;
  }
}

/** Counts the outcomes of `sent` (in the same order) and lists the rejected events. */
export function tallyOutcomes(
  sent: SentWrite[],
  outcomes: WriteOutcome[],
): { accepted: number; duplicates: number; rejected: Rejection[] } {
  let accepted = 0;
  let duplicates = 0;
  const rejected: Rejection[] = [];
  for (let i = 0; i < outcomes.length; i += 1) {
    const outcome = outcomes[i]!;
    const { index, write } = sent[i]!;
    if (outcome.status === 'stored') accepted += 1;
    else if (outcome.status === 'duplicate') duplicates += 1;
    else rejected.push({ index, id: write.key.eventId, errors: [rejectionError(write, outcome.reason)] });
  }
  return { accepted, duplicates, rejected };
}
