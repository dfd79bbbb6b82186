import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const BATCH = 'application/cloudevents-batch+json';
const PROBLEM = 'application/problem+json; charset=utf-8';

function post(token: string, body: string | Buffer, contentType = BATCH, extra: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(token), 'content-type': contentType, ...extra },
    payload: body,
  });
}

function activity(id: string, workspaceId: string, extra: object = {}) {
  return {
    specversion: '1.0',
    id,
    source: 'platform/api',
    type: 'activity.recorded',
    time: '2025-01-15T10:30:00Z',
    data: { workspace_id: workspaceId, method: 'GET', path: '/v1/things', status_code: 200, ...extra },
  };
}

/** The 400 problem document the ingestion route answers for a body it cannot read. */
function expectBadRequest(
  answer: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  detail: string,
  label?: string,
) {
  expect(answer.statusCode, label).toBe(400);
  expect(answer.headers['content-type']).toBe(PROBLEM);
  expect(answer.json()).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail });
}

async function countActivities(orgId: string): Promise<number> {
  const row = await t.db
    .selectFrom('activities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('metadata', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /v1/ingest', () => {
  it('stores a batch sent twice once', async () => {
    const w = await f.world();
    const events = [
      activity('a-1', w.workspace.id),
      activity('a-2', w.workspace.id),
      activity('a-3', w.workspace.id),
    ];
    const first = await post(w.serviceToken.token, JSON.stringify(events));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const second = await post(w.serviceToken.token, JSON.stringify(events));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await countActivities(w.org.id)).toBe(3);
  });

  it('counts an event repeated inside one batch once', async () => {
    const w = await f.world();
    const event = activity('same', w.workspace.id);
    const response = await post(w.serviceToken.token, JSON.stringify([event, event]));
    expect(response.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });

  it('deduplicates by (source, id): the same id from another source is another event', async () => {
    const w = await f.world();
    const a = activity('shared-id', w.workspace.id, { id: 'rec-a' });
    const b = { ...activity('shared-id', w.workspace.id, { id: 'rec-b' }), source: 'platform/worker' };
    const response = await post(w.serviceToken.token, JSON.stringify([a, b]));
    expect(response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
  });

  it('accepts the good events of a mixed batch and rejects each bad one on its own (207)', async () => {
    const w = await f.world();
    const events = [
      activity('ok-1', w.workspace.id),
      { specversion: '0.3', id: 'old', source: 's', type: 'activity.recorded', data: {} },
      activity('ok-2', w.workspace.id),
      { ...activity('unknown-type', w.workspace.id), type: 'invoice.paid' },
      activity('no-ws', 'ghost-workspace'),
      activity('bad-fields', w.workspace.id, { status_code: 'two hundred', duration_ms: -1 }),
      'not an object',
      { specversion: '1.0', source: 's', type: 'activity.recorded', data: {} },
    ];
    const response = await post(w.serviceToken.token, JSON.stringify(events));
    expect(response.statusCode).toBe(207);
    expect(response.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 1, id: 'old', errors: ['specversion: must be "1.0"'] },
        {
          index: 3,
          id: 'unknown-type',
          errors: [
            'type: unknown event type "invoice.paid" (expected one of activity.recorded, execution.recorded, execution.archived, execution.edited, ai_usage.recorded)',
          ],
        },
        {
          index: 4,
          id: 'no-ws',
          errors: [`data.workspace_id: no workspace "ghost-workspace" in org "${w.org.id}"`],
        },
        {
          index: 5,
          id: 'bad-fields',
          errors: ['data.status_code: must be a number', 'data.duration_ms: must be ≥ 0'],
        },
        { index: 6, id: null, errors: ['event: must be a JSON object'] },
        { index: 7, id: null, errors: ['id: is required'] },
      ],
    });
    expect(await countActivities(w.org.id)).toBe(2);
    // A rejected event was not claimed: once corrected it is accepted.
    const retry = await post(w.serviceToken.token, JSON.stringify([activity('bad-fields', w.workspace.id)]));
    expect(retry.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('answers each of several concurrent batches with its own outcomes (group commit)', async () => {
    const w = await f.world();
    const earlier = [activity('early-1', w.workspace.id), activity('early-2', w.workspace.id)];
    expect((await post(w.serviceToken.token, JSON.stringify(earlier))).json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [],
    });
    // Sent at once: the ones that wait for a writer are written together, answered one by one.
    const batches = Array.from({ length: 6 }, (_, b) => [
      activity(`c${b}-1`, w.workspace.id),
      earlier[b % 2]!,
      activity(`c${b}-2`, b === 3 ? 'ghost-workspace' : w.workspace.id),
    ]);
    const answers = await Promise.all(
      batches.map((events) => post(w.serviceToken.token, JSON.stringify(events))),
    );
    expect(answers.map((answer) => [answer.statusCode, answer.json()])).toEqual(
      batches.map((_, b) =>
        b === 3
          ? [
              207,
              {
                accepted: 1,
                duplicates: 1,
                rejected: [
                  {
                    index: 2,
                    id: 'c3-2',
                    errors: [`data.workspace_id: no workspace "ghost-workspace" in org "${w.org.id}"`],
                  },
                ],
              },
            ]
          : [200, { accepted: 2, duplicates: 1, rejected: [] }],
      ),
    );
    expect(await countActivities(w.org.id)).toBe(2 + 11);
  });

  it('takes one event as application/cloudevents+json and arrays as application/json', async () => {
    const w = await f.world();
    const single = await post(
      w.serviceToken.token,
      JSON.stringify(activity('s-1', w.workspace.id)),
      'application/cloudevents+json',
    );
    expect(single.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const plain = await post(
      w.serviceToken.token,
      JSON.stringify([activity('p-1', w.workspace.id)]),
      'application/json; charset=utf-8',
    );
    expect(plain.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const plainSingle = await post(
      w.serviceToken.token,
      JSON.stringify(activity('p-2', w.workspace.id)),
      'application/json',
    );
    expect(plainSingle.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('accepts gzip bodies', async () => {
    const w = await f.world();
    const events = Array.from({ length: 50 }, (_, i) => activity(`gz-${i}`, w.workspace.id));
    const response = await post(w.serviceToken.token, gzipSync(JSON.stringify(events)), BATCH, {
      'content-encoding': 'gzip',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    const broken = await post(w.serviceToken.token, Buffer.from('definitely not gzip'), BATCH, {
      'content-encoding': 'gzip',
    });
    expectBadRequest(broken, 'The body is not valid gzip');
  });

  it('answers 413 for more than 5,000 events, a body over 5 MiB and a gzip bomb', async () => {
    const w = await f.world();
    const many = Array.from({ length: 5001 }, (_, i) => activity(`m-${i}`, w.workspace.id));
    const tooMany = await post(w.serviceToken.token, JSON.stringify(many));
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json()).toEqual({
      type: 'about:blank',
      title: 'Content Too Large',
      status: 413,
      detail: 'A batch holds at most 5000 events (got 5001)',
    });
    const big = JSON.stringify([
      activity('big', w.workspace.id, { metadata: { blob: 'x'.repeat(6 * 1024 * 1024) } }),
    ]);
    const tooBig = await post(w.serviceToken.token, big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.headers['content-type']).toBe(PROBLEM);
    const bomb = gzipSync(Buffer.from(`[${' '.repeat(8 * 1024 * 1024)}]`));
    const bombed = await post(w.serviceToken.token, bomb, BATCH, { 'content-encoding': 'gzip' });
    expect(bombed.statusCode).toBe(413);
    expect(bombed.json().detail).toBe('The decoded body is over 5 MiB');
    expect(await countActivities(w.org.id)).toBe(0);
  });

  it('answers 415 for another content type or encoding, 400 for what is not events', async () => {
    const w = await f.world();
    const events = JSON.stringify([activity('x', w.workspace.id)]);
    const text = await post(w.serviceToken.token, events, 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ title: 'Unsupported Media Type', status: 415 });
    const brotli = await post(w.serviceToken.token, events, BATCH, { 'content-encoding': 'br' });
    expect(brotli.statusCode).toBe(415);
    const notJson = await post(w.serviceToken.token, '{"oops"', BATCH);
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().detail).toBe('The body is not valid JSON');
    const objectAsBatch = await post(
      w.serviceToken.token,
      JSON.stringify(activity('x', w.workspace.id)),
      BATCH,
    );
    expect(objectAsBatch.statusCode).toBe(400);
    const arrayAsSingle = await post(w.serviceToken.token, events, 'application/cloudevents+json');
    expect(arrayAsSingle.statusCode).toBe(400);
    const scalar = await post(w.serviceToken.token, '42', 'application/json');
    expect(scalar.statusCode).toBe(400);
    expect(scalar.json().detail).toBe('The body is not an event or an array of events');
  });

  it('refuses a batch with one event that is not JSON whole (400), before it would refuse the caller (403)', async () => {
    const w = await f.world();
    const good = JSON.stringify(activity('good', w.workspace.id));
    const readOnly = await f.token(w.org.id, { abilities: ['read'] });
    // Framed as an array, each broken in one event: the first, the last, a string left open, an
    // escaped quote taken for a closing one.
    for (const body of [
      `[{"id":,}, ${good}]`,
      `[${good}, {"id": 1 2}]`,
      `[${good}, {"id": "open]`,
      `[${good}, {"id": "a\\"}]`,
    ]) {
      for (const token of [w.serviceToken.token, readOnly.token]) {
        expectBadRequest(await post(token, body), 'The body is not valid JSON', body);
      }
    }
    // Well-formed, the same batch is the caller's to be refused.
    expect((await post(readOnly.token, `[${good}]`)).statusCode).toBe(403);
    expect(await countActivities(w.org.id)).toBe(0);
  });

  it('needs the ingest ability and an admin-level caller (403), and a token (401)', async () => {
    const w = await f.world();
    const events = JSON.stringify([activity('x', w.workspace.id)]);
    const readOnly = await f.token(w.org.id, { abilities: ['read'] });
    const noAbility = await post(readOnly.token, events);
    expect(noAbility.statusCode).toBe(403);
    expect(noAbility.json().detail).toBe('This token may not do this (requires ability:ingest)');
    const member = await f.user(w.org.id, { role: 'member' });
    const memberToken = await f.token(w.org.id, { userId: member.id, abilities: ['ingest'] });
    expect((await post(memberToken.token, events)).statusCode).toBe(403);
    const ownerIngest = await f.token(w.org.id, { userId: w.owner.id, abilities: ['ingest'] });
    expect((await post(ownerIngest.token, events)).statusCode).toBe(200);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { 'content-type': BATCH },
      payload: events,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Authentication required',
    });
    expect(await countActivities(w.org.id)).toBe(1);
  });

  it("never writes into another org: an org token's data.org_id must be its own", async () => {
    const a = await f.world();
    const b = await f.world();
    const response = await post(
      b.serviceToken.token,
      JSON.stringify([activity('cross', a.workspace.id, { org_id: a.org.id })]),
    );
    expect(response.statusCode).toBe(207);
    expect(response.json().rejected).toEqual([
      { index: 0, id: 'cross', errors: [`data.org_id: this token writes only to org "${b.org.id}"`] },
    ]);
    const sneaky = await post(b.serviceToken.token, JSON.stringify([activity('cross-2', a.workspace.id)]));
    expect(sneaky.json().rejected[0].errors).toEqual([
      `data.workspace_id: no workspace "${a.workspace.id}" in org "${b.org.id}"`,
    ]);
    expect(await countActivities(a.org.id)).toBe(0);
  });

  it('lets the deployment admin ingest into any org named by data.org_id', async () => {
    const a = await f.world();
    const b = await f.world();
    const response = await post(
      t.adminToken,
      JSON.stringify([
        activity('adm-1', a.workspace.id, { org_id: a.org.id }),
        activity('adm-2', b.workspace.id, { org_id: b.org.id }),
        activity('adm-3', b.workspace.id),
        activity('adm-4', b.workspace.id, { org_id: 'no-such-org' }),
        // No org can have these: refused before any lookup, with what an id must be.
        activity('adm-5', b.workspace.id, { org_id: 'an org' }),
        activity('adm-6', b.workspace.id, { org_id: 'x'.repeat(129) }),
      ]),
    );
    expect(response.statusCode).toBe(207);
    const notAnId = 'data.org_id: must be an id of 1–128 characters of [A-Za-z0-9._:-]';
    expect(response.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 2, id: 'adm-3', errors: ['data.org_id: required with the deployment admin token'] },
        { index: 3, id: 'adm-4', errors: ['data.org_id: no org "no-such-org"'] },
        { index: 4, id: 'adm-5', errors: [notAnId] },
        { index: 5, id: 'adm-6', errors: [notAnId] },
      ],
    });
    expect(await countActivities(a.org.id)).toBe(1);
    expect(await countActivities(b.org.id)).toBe(1);
  });

  it('applies activity defaults: id from the event, timestamp from time, success from status_code', async () => {
    const w = await f.world();
    await f.ingest(w.serviceToken.token, [
      activity('def-1', w.workspace.id, {
        status_code: 503,
        user_id: 'u-77',
        token_usage: { prompt: 3, completion: 4 },
      }),
      { ...activity('def-2', w.workspace.id, { success: true }), time: undefined },
    ]);
    const rows = await t.db
      .selectFrom('activities')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('id', 'in', ['def-1', 'def-2'])
      .orderBy('id')
      .execute();
    expect(rows[0]).toMatchObject({
      id: 'def-1',
      timestamp: new Date('2025-01-15T10:30:00Z'),
      success: false,
      status_code: 503,
      user_id: 'u-77',
      tokens_total: 7,
    });
    expect(rows[1]).toMatchObject({ id: 'def-2', success: true });
    const user = await t.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('id', '=', 'u-77')
      .executeTakeFirst();
    expect(user).toMatchObject({ role: 'member', email: null });
    const workspace = await t.db
      .selectFrom('workspaces')
      .select('last_active_at')
      .where('id', '=', w.workspace.id)
      .executeTakeFirstOrThrow();
    expect(workspace.last_active_at).not.toBeNull();
  });

  it('stores token usage and metadata keyed `__proto__` or `constructor` as sent, and counts them', async () => {
    const w = await f.world();
    const tokenUsage = '{"__proto__":5,"constructor":3,"input":1}';
    const metadata = '{"__proto__":{"a":1},"constructor":"x","toString":null}';
    const event = JSON.stringify(activity('proto-1', w.workspace.id)).replace(
      '"status_code":200',
      `"status_code":200,"token_usage":${tokenUsage},"metadata":${metadata}`,
    );
    const response = await post(w.serviceToken.token, `[${event}]`);
    expect(response.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const row = await t.db
      .selectFrom('activities')
      .select((eb) => [
        eb.cast<string>('token_usage', 'text').as('token_usage'),
        eb.cast<string>('metadata', 'text').as('metadata'),
        'tokens_total',
      ])
      .where('org_id', '=', w.org.id)
      .where('id', '=', 'proto-1')
      .executeTakeFirstOrThrow();
    // jsonb's own text: its key order (by length) and spacing.
    expect(row).toEqual({
      token_usage: '{"input": 1, "__proto__": 5, "constructor": 3}',
      metadata: '{"toString": null, "__proto__": {"a": 1}, "constructor": "x"}',
      tokens_total: 9,
    });
  });
});
