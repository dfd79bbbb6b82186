// Concurrent platform clients over real HTTP. Each ingest client sends numbered batches and
// retries a batch until it is acknowledged (2xx), as a platform's sender would; every attempt is
// logged so a test can check what callers saw while the service or its database was down.
import { makeBatch, type SentEvent, type World } from './events.js';

export interface Attempt {
  client: string;
  /** Ingest batch number; null for a read. */
  batch: number | null;
  path: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 'network' (connection refused or reset), or 'timeout' (no answer in time). */
  outcome: number | 'network' | 'timeout';
  retryAfter: string | null;
  contentType: string | null;
  body: string;
}

export interface Acknowledgement {
  batch: number;
  accepted: number;
  duplicates: number;
  /** Attempts that failed before this one (connection errors, 503s). */
  failedAttempts: number;
}

export interface ClientOptions {
  /** Where the service is; read at every attempt. */
  target: { url: string };
  token: string;
  world: World;
  prefix: string;
  clients: number;
  batchSize: number;
  /** Never more batches than this, whatever happens (the loops are bounded). */
  maxBatches: number;
  /** Pause between two attempts at an unacknowledged batch. */
  retryDelayMs: number;
  /** Reader loops (GET on two read surfaces) running beside the ingest clients. */
  readers?: number;
  /** Hard stop for everything, acknowledged or not. */
  deadlineMs: number;
}

const REQUEST_TIMEOUT_MS = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class IngestClients {
  readonly attempts: Attempt[] = [];
  readonly acknowledgements = new Map<number, Acknowledgement>();
  readonly batches = new Map<number, SentEvent[]>();
  readonly inFlight = new Set<number>();
  private nextBatch = 0;
  private stopping = false;
  private abandoned = false;
  private readonly deadline: number;
  private running: Promise<void> | null = null;

  constructor(private readonly options: ClientOptions) {
    this.deadline = Date.now() + options.deadlineMs;
  }

  start(): void {
    const workers = Array.from({ length: this.options.clients }, (_, i) => this.ingestLoop(`ingest-${i}`));
    const readers = Array.from({ length: this.options.readers ?? 0 }, (_, i) => this.readLoop(`read-${i}`));
    this.running = Promise.all([...workers, ...readers]).then(() => {});
    // Awaited by finish(); a test that failed before it must not leave an unhandled rejection.
    this.running.catch(() => {});
  }

  /** Ends every loop at its next step, acknowledged or not (cleanup after a failed test). */
  abandon(): void {
    this.stopping = true;
    this.abandoned = true;
  }

  /** Stops taking new batches; resolves when every batch taken so far is acknowledged. */
  async finish(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  get acknowledgedCount(): number {
    return this.acknowledgements.size;
  }

  /** How the attempts started since `since` ended, e.g. `{"200": 4, "503": 12, "network": 1}`. */
  outcomesSince(since: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const attempt of this.attempts) {
      if (attempt.startedAt >= since) counts[attempt.outcome] = (counts[attempt.outcome] ?? 0) + 1;
    }
    return counts;
  }

  async waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    const until = started + timeoutMs;
    while (!condition()) {
      if (Date.now() > until) {
        const seen = JSON.stringify(this.outcomesSince(started));
        const last = JSON.stringify(this.attempts.at(-1));
        throw new Error(`timed out waiting for ${what}; attempts meanwhile: ${seen}; last: ${last}`);
      }
      await sleep(20);
    }
  }

  /** Sends one batch again (after it was acknowledged), to show the retry is a duplicate. */
  async resend(batch: number): Promise<Acknowledgement> {
    const response = await this.post('resend', batch);
    if (response.outcome !== 200) throw new Error(`resend of batch ${batch} answered ${response.outcome}`);
    const body = JSON.parse(response.body) as { accepted: number; duplicates: number };
    return { batch, accepted: body.accepted, duplicates: body.duplicates, failedAttempts: 0 };
  }

  private async ingestLoop(client: string): Promise<void> {
    while (!this.stopping && this.nextBatch < this.options.maxBatches && Date.now() < this.deadline) {
      const batch = this.nextBatch++;
      this.batches.set(
        batch,
        makeBatch(this.options.prefix, batch, this.options.batchSize, this.options.world),
      );
      let failed = 0;
      for (;;) {
        if (this.abandoned) return;
        if (Date.now() > this.deadline) throw new Error(`batch ${batch} was never acknowledged`);
        this.inFlight.add(batch);
        const attempt = await this.post(client, batch);
        this.inFlight.delete(batch);
        if (attempt.outcome === 200) {
          const body = JSON.parse(attempt.body) as { accepted: number; duplicates: number };
          this.acknowledgements.set(batch, { batch, ...body, failedAttempts: failed });
          break;
        }
        failed += 1;
        await sleep(this.options.retryDelayMs);
      }
    }
  }

  private async readLoop(client: string): Promise<void> {
    const { orgId, workspaceId } = this.options.world;
    const paths = [
      `/v1/orgs/${orgId}/activity/summary?hours=1`,
      `/api/v1/workspace/${workspaceId}/ai/usages?limit=5`,
    ];
    let n = 0;
    while (!this.stopping && Date.now() < this.deadline) {
      await this.send(client, null, 'GET', paths[n++ % paths.length]!);
      await sleep(this.options.retryDelayMs);
    }
  }

  private post(client: string, batch: number): Promise<Attempt> {
    const events = this.batches.get(batch)!.map((event) => event.body);
    return this.send(client, batch, 'POST', '/v1/ingest', JSON.stringify(events));
  }

  private async send(
    client: string,
    batch: number | null,
    method: 'GET' | 'POST',
    path: string,
    body?: string,
  ): Promise<Attempt> {
    const startedAt = Date.now();
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/cloudevents-batch+json';
    let attempt: Attempt;
    try {
      const response = await fetch(`${this.options.target.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      attempt = {
        client,
        batch,
        path,
        startedAt,
        endedAt: Date.now(),
        outcome: response.status,
        retryAfter: response.headers.get('retry-after'),
        contentType: response.headers.get('content-type'),
        body: await response.text(),
      };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      attempt = {
        client,
        batch,
        path,
        startedAt,
        endedAt: Date.now(),
        outcome: timedOut ? 'timeout' : 'network',
        retryAfter: null,
        contentType: null,
        body: String((error as Error & { cause?: unknown }).cause ?? error),
      };
    }
    this.attempts.push(attempt);
    return attempt;
  }
}
