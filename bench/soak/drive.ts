// The two ways the soak sends its mix: closed loop (a fixed number of connections, each sending as
// soon as its previous answer arrived) to find the capacity, and open loop (requests at a fixed
// rate whatever the answers do) for the soak itself, which is how real clients load a service.
import http from 'node:http';
import { send } from './http.js';
import type { Mix } from './mix.js';
import { Tally } from './tally.js';

/**
 * Closed loop for `seconds`; returns the elapsed time, tail included. At most `maxIngestInFlight`
 * ingestion batches are in flight: a connection whose turn is a batch waits for a free slot, so
 * that the probe measures the service's work rather than its ingestion back-pressure (503).
 */
export async function closedLoop(options: {
  baseUrl: string;
  mix: Mix;
  concurrency: number;
  maxIngestInFlight: number;
  seconds: number;
  tally: Tally;
}): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.baseUrl);
  let ingestInFlight = 0;
  const waiting: (() => void)[] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const next = options.mix.next();
      const ingest = next.kind === 'ingest';
      if (ingest) {
        while (ingestInFlight >= options.maxIngestInFlight) await new Promise<void>((r) => waiting.push(r));
        ingestInFlight += 1;
      }
      const sentAt = performance.now();
      const answer = await send(agent, url, next.request);
      if (ingest) {
        ingestInFlight -= 1;
        waiting.shift()?.();
      }
      next.settle?.(answer);
      options.tally.record(
        next.kind,
        next.name,
        answer.status,
        performance.now() - sentAt,
        answer.error ?? answer.body,
      );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
  return (performance.now() - started) / 1000;
}

export interface WindowEnd {
  index: number;
  startSeconds: number;
  endSeconds: number;
  /** Requests whose scheduled time fell in the window. */
  offered: number;
  /** Answers that arrived in the window. */
  tally: Tally;
}

/**
 * Open loop at `rate` requests/s for `seconds`. Latency runs from the request's scheduled time,
 * not from when it was actually sent, so that a stalled service or a late load generator shows in
 * the figures instead of silently lowering the load (coordinated omission).
 */
export async function openLoop(options: {
  baseUrl: string;
  mix: Mix;
  rate: number;
  seconds: number;
  windowSeconds: number;
  /** Beyond this many unanswered requests, new ones are counted as dropped instead of sent. */
  maxInFlight: number;
  total: Tally;
  onWindow: (end: WindowEnd) => void;
}): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const url = new URL(options.baseUrl);
  const interval = 1000 / options.rate;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const windowMs = options.windowSeconds * 1000;
  const windows = Math.ceil(options.seconds / options.windowSeconds);
  let issued = 0;
  let inFlight = 0;
  let window = { index: 0, offered: 0, tally: new Tally() };
  let drained: (() => void) | null = null;

  const closeWindow = (at: number) => {
    const closing = window;
    window = { index: closing.index + 1, offered: 0, tally: new Tally() };
    options.onWindow({
      index: closing.index,
      startSeconds: (closing.index * windowMs) / 1000,
      endSeconds: (at - started) / 1000,
      offered: closing.offered,
      tally: closing.tally,
    });
  };

  const fire = (scheduledAt: number) => {
    const next = options.mix.next();
    window.offered += 1;
    const record = (status: number | 'dropped', detail: string) => {
      const ms = performance.now() - scheduledAt;
      window.tally.record(next.kind, next.name, status, ms, detail);
      options.total.record(next.kind, next.name, status, ms, detail);
    };
    if (inFlight >= options.maxInFlight) {
      next.settle?.({ status: 0, body: '' });
      record('dropped', '');
      return;
    }
    inFlight += 1;
    void send(agent, url, next.request).then((answer) => {
      inFlight -= 1;
      next.settle?.(answer);
      record(answer.status, answer.error ?? answer.body);
      if (inFlight === 0) drained?.();
    });
  };

  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const now = performance.now();
      const due = Math.min(now, end);
      while (started + issued * interval < due) {
        fire(started + issued * interval);
        issued += 1;
      }
      // Every window but the last closes on time; the last one waits for the answers still due.
      if (window.index < windows - 1 && now >= started + (window.index + 1) * windowMs) closeWindow(now);
      if (now >= end) {
        clearInterval(ticker);
        resolve();
      }
    }, 5);
  });
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, 90_000).unref();
    });
  }
  closeWindow(performance.now());
  agent.destroy();
}
