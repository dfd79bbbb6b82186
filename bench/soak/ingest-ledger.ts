// The client's side of ingestion: builds each batch (new events of mixed types plus ~10% resent
// events that were acknowledged earlier, which must come back as duplicates), and keeps account
// of which events the service acknowledged, so that they can be looked up in the database later.
import { type CloudEvent, EVENT_KINDS, type EventFactory, type EventKind } from './events.js';
import type { Answer, PlannedRequest } from './http.js';

const DUPLICATE_SHARE = 0.1;
/** How many acknowledged events are kept for resending: recent ones, as a retrying client would. */
const POOL_SIZE = 2000;
/** Shares of the new events of a batch; archivals need executions acknowledged in earlier batches. */
const NEW_EVENT_SHARES: [EventKind, number][] = [
  ['activity', 0.6],
  ['execution', 0.25],
  ['ai_usage', 0.12],
  ['archive', 0.03],
];

export interface LedgerCounts {
  /** New (never sent before) events sent, by kind. */
  sent: Record<EventKind, number>;
  /** New events in 2xx answers and not rejected: acknowledged as committed, each id once. */
  acknowledged: Record<EventKind, number>;
  /** Sum of the `accepted` figures of the 2xx answers. */
  acceptedReported: number;
  duplicatesSent: number;
  /** Resent events in batches that got a 2xx answer, and how many of them the answers called duplicates. */
  duplicatesAnswered: number;
  duplicatesReported: number;
  rejected: number;
  /** New events of requests without a 2xx answer: they may or may not have been stored. */
  unanswered: number;
  /** 2xx answers whose accepted/duplicates figures differ from what the batch held. */
  answerMismatches: number;
  firstProblem: string | null;
}

const perKind = () => Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<EventKind, number>;

interface Planned {
  kind: EventKind;
  n: number;
  event: CloudEvent;
  /** For an archival: the number of the execution it archives. */
  execution?: number;
}

export class IngestLedger {
  readonly counts: LedgerCounts = {
    sent: perKind(),
    acknowledged: perKind(),
    acceptedReported: 0,
    duplicatesSent: 0,
    duplicatesAnswered: 0,
    duplicatesReported: 0,
    rejected: 0,
    unanswered: 0,
    answerMismatches: 0,
    firstProblem: null,
  };
  /** The numbers of the acknowledged events of each kind (ids are rebuilt from them). */
  readonly acknowledgedNumbers: Record<EventKind, number[]> = {
    activity: [],
    execution: [],
    ai_usage: [],
    archive: [],
  };
  /** The executions archived by acknowledged archivals (each archived once). */
  readonly archivedExecutionNumbers: number[] = [];
  private readonly next = perKind();
  private readonly pool: CloudEvent[] = [];
  private poolCursor = 0;
  /** Acknowledged executions not yet archived, with their event time. */
  private readonly archivable: { n: number; at: number }[] = [];

  constructor(
    readonly factory: EventFactory,
    private readonly token: string,
    private readonly batchSize: number,
    private readonly random: () => number,
  ) {}

  private newEvent(): Planned {
    let roll = this.random();
    let kind: EventKind = 'activity';
    for (const [candidate, share] of NEW_EVENT_SHARES) {
      if (roll < share) {
        kind = candidate;
        break;
      }
      roll -= share;
    }
    if (kind === 'archive' && this.archivable.length === 0) kind = 'activity';
    const n = this.next[kind]++;
    this.counts.sent[kind] += 1;
    if (kind === 'activity') return { kind, n, event: this.factory.activity(n) };
    if (kind === 'execution') return { kind, n, event: this.factory.execution(n) };
    if (kind === 'ai_usage') return { kind, n, event: this.factory.aiUsage(n) };
    const target = this.archivable.splice(Math.floor(this.random() * this.archivable.length), 1)[0]!;
    return { kind, n, event: this.factory.archive(n, target.n, target.at), execution: target.n };
  }

  private duplicates(count: number): CloudEvent[] {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(count, this.pool.length)) {
      chosen.add(Math.floor(this.random() * this.pool.length));
    }
    return [...chosen].map((i) => this.pool[i]!);
  }

  private remember(event: CloudEvent): void {
    if (this.pool.length < POOL_SIZE) this.pool.push(event);
    else this.pool[this.poolCursor++ % POOL_SIZE] = event;
  }

  private problem(text: string): void {
    this.counts.firstProblem ??= text;
  }

  /** The next batch, and what to do with its answer. */
  nextBatch(): { request: PlannedRequest; settle: (answer: Answer) => void } {
    const duplicates = this.duplicates(Math.round(this.batchSize * DUPLICATE_SHARE));
    const fresh = Array.from({ length: this.batchSize - duplicates.length }, () => this.newEvent());
    // Resent events go at the front; the service must tell them apart by (source, id) alone.
    const events = [...duplicates, ...fresh.map((p) => p.event)];
    this.counts.duplicatesSent += duplicates.length;
    const request: PlannedRequest = {
      method: 'POST',
      path: '/v1/ingest',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/cloudevents-batch+json',
      },
      body: JSON.stringify(events),
    };
    return { request, settle: (answer) => this.settle(answer, duplicates.length, fresh) };
  }

  private settle(answer: Answer, duplicateCount: number, fresh: Planned[]): void {
    if (answer.status !== 200 && answer.status !== 207) {
      this.counts.unanswered += fresh.length;
      return;
    }
    let body: { accepted: number; duplicates: number; rejected: { index: number; errors: string[] }[] };
    try {
      body = JSON.parse(answer.body);
    } catch {
      this.counts.unanswered += fresh.length;
      this.problem(`a ${answer.status} ingestion answer was not JSON: ${answer.body.slice(0, 200)}`);
      return;
    }
    const rejected = new Set(body.rejected.map((r) => r.index));
    this.counts.rejected += rejected.size;
    if (body.rejected[0]) this.problem(`rejected event: ${JSON.stringify(body.rejected[0]).slice(0, 300)}`);
    const duplicatesKept = Array.from({ length: duplicateCount }, (_, i) => i).filter(
      (i) => !rejected.has(i),
    );
    const freshKept = fresh.filter((_, i) => !rejected.has(duplicateCount + i));
    this.counts.acceptedReported += body.accepted;
    this.counts.duplicatesAnswered += duplicatesKept.length;
    this.counts.duplicatesReported += body.duplicates;
    if (body.accepted !== freshKept.length || body.duplicates !== duplicatesKept.length) {
      this.counts.answerMismatches += 1;
      this.problem(
        `batch of ${fresh.length} new and ${duplicateCount} resent events answered ` +
          `accepted ${body.accepted}, duplicates ${body.duplicates}`,
      );
    }
    for (const planned of freshKept) {
      this.counts.acknowledged[planned.kind] += 1;
      this.acknowledgedNumbers[planned.kind].push(planned.n);
      this.remember(planned.event);
      if (planned.execution !== undefined) this.archivedExecutionNumbers.push(planned.execution);
      if (planned.kind === 'execution') {
        this.archivable.push({ n: planned.n, at: Date.parse(planned.event.time) });
        if (this.archivable.length > POOL_SIZE) this.archivable.shift();
      }
    }
  }

  totalAcknowledged(): number {
    return EVENT_KINDS.reduce((sum, kind) => sum + this.counts.acknowledged[kind], 0);
  }
}
