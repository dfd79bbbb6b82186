// What the recorder puts on the wire, byte for byte: the envelope it writes as text (a fast path
// taken on every recorded request) must be exactly the JSON of the CloudEvent object, and a batch
// exactly the JSON array of its events, whatever characters the events hold.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TallyEvent } from '../src/events.js';
import { TallyRecorder } from '../src/recorder.js';

/** A recorder whose fetch keeps the decompressed bodies and answers 200 at once. */
function capturing(source = 'sdk-test/serialization') {
  const bodies: string[] = [];
  const recorder = new TallyRecorder({
    baseUrl: 'http://tally.invalid',
    token: 't',
    source,
    fetch: async (_url, init) => {
      bodies.push(gunzipSync(init!.body as Uint8Array).toString('utf8'));
      return new Response('{"accepted":0}', { status: 200 });
    },
  });
  return { recorder, bodies };
}

const ODD = 'quote " backslash \\ newline \n tab \t nul \u0000 é 😀 lone \ud800 </script>';

describe('the recorder’s JSON', () => {
  it('is the JSON of each CloudEvent, in a JSON array, for every shape of envelope', async () => {
    const source = `src/${ODD}`;
    const { recorder, bodies } = capturing(source);
    const events: TallyEvent[] = [
      { type: 'activity.recorded', data: { method: 'GET', status_code: 200, path: ODD } },
      {
        type: 'activity.recorded',
        id: `id-${ODD}`,
        subject: ODD,
        time: '2026-12-05T10:00:00.5+01:00',
        data: { success: true, metadata: { nested: [ODD, 1, null, { deep: true }] } },
      },
      {
        type: 'execution.archived',
        time: new Date('2026-12-05T10:00:00Z'),
        data: { id: 'e-1', workspace_id: 'w-1' },
      },
    ];
    for (const event of events) expect(await recorder.record(event)).toBe(true);
    await recorder.close();
    expect(bodies).toHaveLength(1);
    const sent = JSON.parse(bodies[0]!) as Record<string, unknown>[];
    expect(sent).toHaveLength(3);
    // Byte for byte what JSON.stringify makes of the objects the service reads back.
    expect(bodies[0]).toBe(JSON.stringify(sent));
    expect(sent[0]).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      source,
      type: 'activity.recorded',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      datacontenttype: 'application/json',
      data: events[0]!.data,
    });
    expect(Object.keys(sent[1]!)).toEqual([
      'specversion',
      'id',
      'source',
      'type',
      'time',
      'subject',
      'datacontenttype',
      'data',
    ]);
    expect(sent[1]).toMatchObject({ id: `id-${ODD}`, subject: ODD, time: '2026-12-05T10:00:00.5+01:00' });
    expect(sent[2]).toMatchObject({ type: 'execution.archived', time: '2026-12-05T10:00:00.000Z' });
  });

  it('counts the bytes of multi-byte text exactly (the batch is sized from them)', async () => {
    const { recorder, bodies } = capturing();
    for (let i = 0; i < 50; i += 1) {
      await recorder.record({
        type: 'activity.recorded',
        data: { success: true, path: `${'😀é'.repeat(i)}/${i}` },
      });
    }
    await recorder.close();
    const sent = bodies.flatMap((body) => JSON.parse(body) as { data: { path: string } }[]);
    expect(sent.map((e) => e.data.path)).toEqual(
      Array.from({ length: 50 }, (_, i) => `${'😀é'.repeat(i)}/${i}`),
    );
  });

  it('refuses an event that is not JSON without sending a broken batch', async () => {
    const { recorder, bodies } = capturing();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      await recorder.record({ type: 'activity.recorded', data: { success: true, metadata: cyclic } }),
    ).toBe(false);
    expect(await recorder.record({ type: 'activity.recorded', data: { success: true, method: 'GET' } })).toBe(
      true,
    );
    await recorder.close();
    expect(recorder.stats).toMatchObject({ dropped: 1 });
    expect((JSON.parse(bodies.join('')) as unknown[]).length).toBe(1);
  });
});

describe('the default transport (node:http)', () => {
  it.each([
    ['an address node:http cannot send to', 'ftp://127.0.0.1:1'],
    ['an address that is not a URL', 'not a url'],
  ])('fails each attempt on %s, reported and retried until close(), never thrown', async (_name, baseUrl) => {
    const kinds: string[] = [];
    const recorder = new TallyRecorder({
      baseUrl,
      token: 't',
      source: 'sdk-test/transport',
      retry: { initialDelayMs: 10, maxDelayMs: 20 },
      onError: (error) => kinds.push(error.kind),
    });
    expect(await recorder.record({ type: 'activity.recorded', data: { success: true } })).toBe(true);
    await recorder.close({ timeoutMs: 200 });
    expect(recorder.stats).toMatchObject({ accepted: 0, failed: 1, queued: 0 });
    expect(kinds.at(-1)).toBe('gave_up');
    expect(kinds.slice(0, -1).every((kind) => kind === 'network')).toBe(true);
    expect(kinds.length).toBeGreaterThan(2);
  });
});
