// The soak's workload: a fixed cycle of nine reads (the bench's scenarios) and one ingestion
// batch, taken in turn by whoever sends next, so that the read:ingest ratio is the same in the
// capacity probe and in the soak whatever the concurrency.
import type { Scenario } from '../lib/scenarios.js';
import type { PlannedRequest } from './http.js';
import type { IngestLedger } from './ingest-ledger.js';

export type RequestKind = 'read' | 'ingest';

export interface MixRequest {
  kind: RequestKind;
  /** The scenario's name, or "ingest". */
  name: string;
  request: PlannedRequest;
  settle?: (answer: { status: number; body: string }) => void;
}

/**
 * The reads of one cycle, as parts of the bench's scenario names. Cursor pages appear twice:
 * paging through a listing is the commonest read after its first page.
 */
const READ_CYCLE = [
  'first page',
  'cursor pages',
  'summary 24',
  'summary 168',
  'usage history uncached',
  'cursor pages',
  'usage history cached',
  'AI usages, offset 0',
  'workspace (uuid)',
];

export const MIX_DESCRIPTION = `${READ_CYCLE.length} reads : 1 ingestion batch`;

export class Mix {
  private slot = 0;

  private constructor(
    readonly reads: Scenario[],
    private readonly ledger: IngestLedger,
  ) {}

  /** Picks the cycle's scenarios out of the bench's list and prepares them (cursor chains). */
  static async create(scenarios: Scenario[], ledger: IngestLedger): Promise<Mix> {
    const reads = READ_CYCLE.map((part) => {
      const scenario = scenarios.find((s) => s.name.includes(part));
      if (!scenario) throw new Error(`the bench has no read scenario named like "${part}"`);
      return scenario;
    });
    for (const scenario of new Set(reads)) await scenario.prepare?.();
    return new Mix(reads, ledger);
  }

  /** Distinct read routes of the cycle, in cycle order. */
  readNames(): string[] {
    return [...new Set(this.reads.map((s) => s.name))];
  }

  next(): MixRequest {
    const slot = this.slot++ % (this.reads.length + 1);
    const read = this.reads[slot];
    if (read === undefined) {
      const batch = this.ledger.nextBatch();
      return { kind: 'ingest', name: 'ingest', request: batch.request, settle: batch.settle };
    }
    const spec = read.next();
    return { kind: 'read', name: read.name, request: { method: 'GET', ...spec } };
  }
}
