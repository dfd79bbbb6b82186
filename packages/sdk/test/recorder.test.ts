// TallyRecorder against a running Tally, under the faults it exists for: the service stopped
// mid-stream and restarted, 429 and 503 with Retry-After, a batch partly rejected, the memory
// bound reached under both policies, and close() with everything still queued. What is stored is
// read back from seed 004's activity listing: an event's activity record id is its event id, so
// a retry that minted new ids would show up as doubled records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityData } from '../src/events.js';
import { type RejectedEvent, TallyRecorder, type TallyRecorderError } from '../src/recorder.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { readActivity, startTally, type Tally } from './helpers/tally.js';

let tally: Tally;

beforeAll(async () => {
  tally = await startTally();
}, 120_000);

afterAll(async () => {
  await tally?.close();
});

let appCounter = 0;
/** An app id of its own per test, so each test reads back only its records. */
const newApp = () => `recorder-${++appCounter}-${Date.now()}`;

function activity(appId: string, i: number, extra: Partial<ActivityData> = {}) {
  return {
    type: 'activity.recorded' as const,
    data: {
      app_id: appId,
      workspace_id: tally.world.workspaceId,
      user_id: tally.world.userId,
      method: 'GET',
      path: '/v1/things/:id',
      resource_type: 'things',
      resource_id: `t-${i}`,
      status_code: 200,
      duration_ms: 1.5,
      ...extra,
    },
  };
}

async function stored(appId: string) {
  return (await readActivity(tally)).filter((r) => r.app_id === appId);
}

function recorderFor(baseUrl: string, extra: Partial<ConstructorParameters<typeof TallyRecorder>[0]> = {}) {
  const errors: TallyRecorderError[] = [];
  const rejected: RejectedEvent[][] = [];
  const recorder = new TallyRecorder({
    baseUrl,
    token: tally.token,
    source: 'sdk-test/recorder',
    flushIntervalMs: 20,
    retry: { initialDelayMs: 50, maxDelayMs: 400 },
    onError: (error) => errors.push(error),
    onRejected: (events) => rejected.push(events),
    ...extra,
  });
  return { recorder, errors, rejected };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TallyRecorder', () => {
  it('loses nothing and doubles nothing when Tally is stopped mid-stream and restarted', async () => {
    const appId = newApp();
    const { recorder, errors } = recorderFor(tally.url, { batchSize: 50 });
    const N = 1_000;
    let stopped = false;
    for (let i = 0; i < N; i += 1) {
      expect(await recorder.record(activity(appId, i))).toBe(true);
      if (i % 25 === 0) await sleep(5);
      // A third of the way in, Tally shuts down (SIGTERM) while batches are in flight; the
      // stream goes on while it is down.
      if (i === 330) {
        stopped = true;
        await tally.stop();
      }
    }
    expect(stopped).toBe(true);
    expect(recorder.stats.queued).toBeGreaterThan(0);
    await tally.start();
    await recorder.close();

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.kind === 'network' || (e.kind === 'http' && e.details.status === 503))).toBe(
      true,
    );
    expect(errors.every((e) => e.details.willRetry === true)).toBe(true);
    expect(recorder.stats).toMatchObject({ accepted: N, rejected: 0, dropped: 0, failed: 0, queued: 0 });
    const records = await stored(appId);
    expect(records).toHaveLength(N);
    expect(new Set(records.map((r) => r.resource_id)).size).toBe(N);
  }, 120_000);

  it('retries a batch whose answer was lost with the same ids: a duplicate, never a double count', async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.faults.push('lose-answer', 'lose-answer');
      const { recorder, errors } = recorderFor(proxy.url, { batchSize: 20 });
      for (let i = 0; i < 20; i += 1) await recorder.record(activity(appId, i));
      await recorder.close();
      // Tally stored the batch at the first attempt, and counted the two retries as duplicates.
      expect(proxy.arrivals.map((a) => a.answered)).toEqual([200, 200, 200]);
      expect(errors.map((e) => [e.kind, e.details.willRetry])).toEqual([
        ['network', true],
        ['network', true],
      ]);
      expect(recorder.stats).toMatchObject({ accepted: 0, duplicates: 20, requests: 3, retries: 2 });
      expect(await stored(appId)).toHaveLength(20);
    } finally {
      await proxy.close();
    }
  });

  it('waits as long as a 429 or 503 Retry-After says before retrying the same batch', async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.faults.push({ status: 429, retryAfter: '1' }, { status: 503, retryAfter: '2' });
      const { recorder, errors } = recorderFor(proxy.url);
      for (let i = 0; i < 10; i += 1) await recorder.record(activity(appId, i));
      await recorder.close();

      expect(proxy.arrivals.map((a) => a.answered)).toEqual([429, 503, 200]);
      const [first, second, third] = proxy.arrivals.map((a) => a.at) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(1_000);
      expect(second - first).toBeLessThan(1_600);
      expect(third - second).toBeGreaterThanOrEqual(2_000);
      expect(third - second).toBeLessThan(2_600);
      expect(errors.map((e) => [e.kind, e.details.status, e.details.willRetry])).toEqual([
        ['http', 429, true],
        ['http', 503, true],
      ]);
      expect(errors[0]!.details.body).toEqual({
        error: { code: 'injected', message: 'injected by the test proxy' },
      });
      expect(recorder.stats).toMatchObject({ accepted: 10, duplicates: 0, retries: 2, requests: 3 });
      expect(await stored(appId)).toHaveLength(10);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('close() cuts a long Retry-After short: it tries once more at once, within its deadline', async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.faults.push({ status: 503, retryAfter: '30' });
      const { recorder } = recorderFor(proxy.url);
      for (let i = 0; i < 5; i += 1) await recorder.record(activity(appId, i));
      while (proxy.arrivals[0]?.answered !== 503) await sleep(10);
      await sleep(50);
      // The recorder now waits 30 s; close() with a 5 s deadline retries at once instead.
      const started = Date.now();
      await recorder.close({ timeoutMs: 5_000 });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(proxy.arrivals.map((a) => a.answered)).toEqual([503, 200]);
      expect(recorder.stats).toMatchObject({ accepted: 5, failed: 0, retries: 1 });
      expect(await stored(appId)).toHaveLength(5);
    } finally {
      await proxy.close();
    }
  });

  it('reports the rejected events of a batch once, never retries them, and stores the rest', async () => {
    const appId = newApp();
    const { recorder, errors, rejected } = recorderFor(tally.url, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 8; i += 1) {
      const bad = i === 2 ? { workspace_id: 'no-such-workspace' } : i === 5 ? { status_code: 999 } : {};
      await recorder.record(activity(appId, i, bad));
    }
    await recorder.flush();
    await recorder.close();

    expect(errors).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.map((r) => r.event.data.resource_id)).toEqual(['t-2', 't-5']);
    expect(rejected[0]![0]!.errors.join(' ')).toContain('no-such-workspace');
    expect(rejected[0]![1]!.errors.join(' ')).toContain('status_code');
    expect(recorder.stats).toMatchObject({ accepted: 6, rejected: 2, requests: 1, retries: 0 });
    const records = await stored(appId);
    expect(records.map((r) => r.resource_id).sort()).toEqual(['t-0', 't-1', 't-3', 't-4', 't-6', 't-7']);
  });

  it("drops the newest events past the bound under 'drop', and counts them", async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.holding = true;
      const { recorder, errors } = recorderFor(proxy.url, {
        batchSize: 5,
        maxQueueEvents: 10,
        overflow: 'drop',
      });
      const results: boolean[] = [];
      for (let i = 0; i < 25; i += 1) {
        results.push(await recorder.record(activity(appId, i)));
        await sleep(2);
      }
      // One batch of 5 in flight (held) and 5 queued: memory holds 10; the other 15 were dropped.
      expect(results).toEqual([...Array(10).fill(true), ...Array(15).fill(false)]);
      expect(recorder.stats).toMatchObject({ queued: 10, dropped: 15 });
      expect(errors.filter((e) => e.kind === 'overflow')).toHaveLength(15);
      proxy.release();
      await recorder.close();
      expect(recorder.stats).toMatchObject({ queued: 0, accepted: 10, dropped: 15 });
      const records = await stored(appId);
      expect(records.map((r) => r.resource_id).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `t-${i}`).sort(),
      );
    } finally {
      await proxy.close();
    }
  });

  it('also bounds the bytes held', async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.holding = true;
      // One event as the recorder serializes it (ids and times have fixed lengths).
      const { type, data } = activity(appId, 0, { metadata: { n: 0 } });
      const size = Buffer.byteLength(
        JSON.stringify({
          specversion: '1.0',
          id: '0'.repeat(36),
          source: 'sdk-test/recorder',
          type,
          time: new Date().toISOString(),
          datacontenttype: 'application/json',
          data,
        }),
      );
      const { recorder } = recorderFor(proxy.url, {
        maxQueueBytes: size * 4 + size / 2,
        maxQueueEvents: 1_000,
      });
      for (let i = 0; i < 10; i += 1) await recorder.record(activity(appId, i, { metadata: { n: i } }));
      expect(recorder.stats.queued).toBe(4);
      expect(recorder.stats.dropped).toBe(6);
      expect(recorder.stats.queuedBytes).toBeLessThanOrEqual(size * 4 + size / 2);
      proxy.release();
      await recorder.close();
      expect(await stored(appId)).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });

  it("makes record wait for room under 'block', never holding more than the bound (plus as many waiting)", async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const appId = newApp();
      proxy.holding = true;
      const { recorder, errors } = recorderFor(proxy.url, {
        batchSize: 5,
        maxQueueEvents: 10,
        overflow: 'block',
      });
      let maxQueued = 0;
      const settled: boolean[] = [];
      const pending = Array.from({ length: 20 }, (_, i) =>
        recorder.record(activity(appId, i)).then((queued) => {
          maxQueued = Math.max(maxQueued, recorder.stats.queued);
          settled.push(queued);
          return queued;
        }),
      );
      await sleep(200);
      expect(settled).toHaveLength(10);
      expect(recorder.stats).toMatchObject({ queued: 10, waiting: 10, dropped: 0 });
      // A caller that does not wait (the middleware) finds the waiting list full too: dropped.
      expect(await recorder.record(activity(appId, 99))).toBe(false);
      expect(errors.map((e) => e.kind)).toEqual(['overflow']);
      proxy.release();
      expect(await Promise.all(pending)).toEqual(Array(20).fill(true));
      await recorder.close();
      expect(maxQueued).toBeLessThanOrEqual(10);
      expect(recorder.stats).toMatchObject({ queued: 0, waiting: 0, accepted: 20, dropped: 1 });
      expect(await stored(appId)).toHaveLength(20);
    } finally {
      await proxy.close();
    }
  });

  it('close() sends everything still queued, and later events are refused without throwing', async () => {
    const appId = newApp();
    const { recorder, errors } = recorderFor(tally.url, { flushIntervalMs: 60_000, batchSize: 500 });
    for (let i = 0; i < 1_234; i += 1) void recorder.record(activity(appId, i));
    expect(recorder.stats.queued).toBeGreaterThan(0);
    await recorder.close();
    expect(recorder.stats).toMatchObject({ queued: 0, accepted: 1_234 });
    expect(await recorder.record(activity(appId, 9_999))).toBe(false);
    expect(errors.map((e) => e.kind)).toEqual(['closed']);
    expect(await stored(appId)).toHaveLength(1_234);
  });

  it('sends every event type, gzip-compressed, with the ids it was given', async () => {
    const proxy = await new FaultProxy(tally.url).start();
    try {
      const { recorder, errors, rejected } = recorderFor(proxy.url);
      const ws = tally.world.workspaceId;
      const user = tally.world.userId;
      const agent = { id: 'writer', slug: 'blog-writer', name: 'Blog Writer', type: 'chat' as const };
      await recorder.record({
        type: 'execution.recorded',
        time: new Date(Date.now() - 2_000),
        data: { id: 'exec-1', workspace_id: ws, user_id: user, agent, status: 'succeeded', credits: 3 },
      });
      await recorder.flush();
      await recorder.record({
        type: 'execution.edited',
        id: 'evt-edit-1',
        data: { id: 'exec-1', workspace_id: ws },
      });
      await recorder.record({ type: 'execution.archived', data: { id: 'exec-1', workspace_id: ws } });
      await recorder.record({
        type: 'ai_usage.recorded',
        data: { id: 'u-1', workspaceId: ws, toolType: 'image-generation', status: 'completed', cost: 0.04 },
      });
      await recorder.close();
      expect(errors).toEqual([]);
      expect(rejected).toEqual([]);
      expect(recorder.stats).toMatchObject({ accepted: 4, rejected: 0 });
      expect(proxy.arrivals.map((a) => [a.answered, a.contentType, a.contentEncoding])).toEqual([
        [200, 'application/cloudevents-batch+json', 'gzip'],
        [200, 'application/cloudevents-batch+json', 'gzip'],
      ]);
      // The same event id sent again is a duplicate, not a second state.
      const again = recorderFor(tally.url);
      await again.recorder.record({
        type: 'execution.edited',
        id: 'evt-edit-1',
        data: { id: 'exec-1', workspace_id: ws },
      });
      await again.recorder.close();
      expect(again.recorder.stats).toMatchObject({ accepted: 0, duplicates: 1 });
    } finally {
      await proxy.close();
    }
  });
});
