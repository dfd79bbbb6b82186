// Updates to one execution or usage: the event with the newest time wins, whatever the order of
// arrival; archiving and editing drop the content and keep the billing facts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, uid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

function event(type: string, time: string, data: object) {
  return { specversion: '1.0', id: uid('evt'), source: 'platform', type, time, data };
}

function execution(workspaceId: string, id: string, extra: object = {}) {
  return {
    id,
    workspace_id: workspaceId,
    user_id: 'u-1',
    user_email: 'u1@example.test',
    agent: { id: 'agent-chat', slug: 'helper', name: 'Helper', type: 'chat' },
    status: 'running',
    credits: 0,
    output: 'Hello!',
    root_id: 'root-1',
    used_model: 'gpt-x',
    tokens: { input: 10, output: 20, total: 30 },
    created_at: '2025-01-15T10:00:00Z',
    ...extra,
  };
}

async function storedExecution(orgId: string, id: string) {
  return t.db
    .selectFrom('executions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function storedUsage(orgId: string, id: string) {
  return t.db
    .selectFrom('ai_usages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('execution events', () => {
  it('keeps the newer state when an older event arrives after a newer one', async () => {
    const w = await f.world();
    const token = w.serviceToken.token;
    await f.ingest(token, [
      event(
        'execution.recorded',
        '2025-01-15T10:05:00Z',
        execution(w.workspace.id, 'x-1', { status: 'succeeded', credits: 4 }),
      ),
    ]);
    await f.ingest(token, [
      event(
        'execution.recorded',
        '2025-01-15T10:00:00Z',
        execution(w.workspace.id, 'x-1', { status: 'running' }),
      ),
    ]);
    expect(await storedExecution(w.org.id, 'x-1')).toMatchObject({ status: 'succeeded', credits: 4 });
    await f.ingest(token, [
      event(
        'execution.recorded',
        '2025-01-15T10:09:00Z',
        execution(w.workspace.id, 'x-1', { status: 'failed', credits: 0 }),
      ),
    ]);
    expect(await storedExecution(w.org.id, 'x-1')).toMatchObject({ status: 'failed', credits: 0 });
  });

  it('applies only the newest of several events for one execution in the same batch', async () => {
    const w = await f.world();
    await f.ingest(w.serviceToken.token, [
      event(
        'execution.recorded',
        '2025-01-15T10:09:00Z',
        execution(w.workspace.id, 'x-2', { status: 'succeeded', credits: 9 }),
      ),
      event(
        'execution.recorded',
        '2025-01-15T10:01:00Z',
        execution(w.workspace.id, 'x-2', { status: 'running' }),
      ),
    ]);
    expect(await storedExecution(w.org.id, 'x-2')).toMatchObject({ status: 'succeeded', credits: 9 });
  });

  it('updates a known agent and user only where a later event changes them', async () => {
    const w = await f.world();
    const named = (id: string, email: string | null, agent: object) =>
      event(
        'execution.recorded',
        '2025-01-15T10:00:00Z',
        execution(w.workspace.id, id, { user_id: 'u-7', user_email: email, agent }),
      );
    const stored = async () => ({
      agent: await t.db
        .selectFrom('agents')
        .select(['slug', 'name', 'type'])
        .where('org_id', '=', w.org.id)
        .where('id', '=', 'ag-7')
        .executeTakeFirstOrThrow(),
      email: (
        await t.db
          .selectFrom('users')
          .select('email')
          .where('org_id', '=', w.org.id)
          .where('id', '=', 'u-7')
          .executeTakeFirstOrThrow()
      ).email,
    });
    await f.ingest(w.serviceToken.token, [
      named('y-1', 'seven@example.test', { id: 'ag-7', slug: 'writer', name: 'Writer', type: 'text' }),
    ]);
    expect(await stored()).toEqual({
      agent: { slug: 'writer', name: 'Writer', type: 'text' },
      email: 'seven@example.test',
    });
    // Renamed agent, new email: both follow.
    await f.ingest(w.serviceToken.token, [
      named('y-2', 'seven@new.example.test', { id: 'ag-7', slug: 'scribe', name: 'Scribe', type: 'text' }),
    ]);
    expect(await stored()).toEqual({
      agent: { slug: 'scribe', name: 'Scribe', type: 'text' },
      email: 'seven@new.example.test',
    });
    // No email given: the known one stays.
    await f.ingest(w.serviceToken.token, [
      named('y-3', null, { id: 'ag-7', slug: 'scribe', name: 'Scribe', type: 'text' }),
    ]);
    expect((await stored()).email).toBe('seven@new.example.test');
  });

  it('upserts the agent and the user named by an execution', async () => {
    const w = await f.world();
    await f.ingest(w.serviceToken.token, [
      event(
        'execution.recorded',
        '2025-01-15T10:00:00Z',
        execution(w.workspace.id, 'x-3', {
          user_id: 'u-9',
          user_email: 'nine@example.test',
          agent: { id: 'img', slug: 'painter', name: 'Painter', type: 'image' },
        }),
      ),
    ]);
    const agent = await t.db
      .selectFrom('agents')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('id', '=', 'img')
      .executeTakeFirstOrThrow();
    expect(agent).toMatchObject({ slug: 'painter', name: 'Painter', type: 'image' });
    const user = await t.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('id', '=', 'u-9')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ email: 'nine@example.test', role: 'member' });
    expect(await storedExecution(w.org.id, 'x-3')).toMatchObject({
      agent_type: 'image',
      tokens_input: 10,
      tokens_output: 20,
      tokens_total: 30,
    });
  });

  it('archives: drops the content, keeps the billing facts, and a late older record does not bring it back', async () => {
    const w = await f.world();
    const token = w.serviceToken.token;
    await f.ingest(token, [
      event(
        'execution.recorded',
        '2025-01-15T10:05:00Z',
        execution(w.workspace.id, 'x-4', {
          status: 'succeeded',
          credits: 3,
          output_url: 'https://cdn.test/a.png',
        }),
      ),
      event('execution.archived', '2025-01-16T00:00:00Z', { id: 'x-4', workspace_id: w.workspace.id }),
    ]);
    const archived = await storedExecution(w.org.id, 'x-4');
    expect(archived).toMatchObject({
      source: 'archived',
      output: null,
      output_url: null,
      credits: 3,
      status: 'succeeded',
      used_model: 'gpt-x',
      tokens_total: 30,
    });
    await f.ingest(token, [
      event(
        'execution.recorded',
        '2025-01-15T10:00:00Z',
        execution(w.workspace.id, 'x-4', { status: 'running' }),
      ),
    ]);
    expect(await storedExecution(w.org.id, 'x-4')).toMatchObject({
      source: 'archived',
      status: 'succeeded',
      output: null,
    });
  });

  it('edits chats only, and an older edit does not override a newer archive', async () => {
    const w = await f.world();
    const token = w.serviceToken.token;
    await f.ingest(token, [
      event('execution.recorded', '2025-01-15T10:00:00Z', execution(w.workspace.id, 'chat-1')),
      event(
        'execution.recorded',
        '2025-01-15T10:00:00Z',
        execution(w.workspace.id, 'img-1', { agent: { id: 'img', slug: 'p', name: 'P', type: 'image' } }),
      ),
    ]);
    await f.ingest(token, [
      event('execution.archived', '2025-01-17T00:00:00Z', { id: 'chat-1', workspace_id: w.workspace.id }),
    ]);
    await f.ingest(token, [
      event('execution.edited', '2025-01-16T00:00:00Z', { id: 'chat-1', workspace_id: w.workspace.id }),
    ]);
    expect(await storedExecution(w.org.id, 'chat-1')).toMatchObject({ source: 'archived' });

    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify([
        {
          ...event('execution.edited', '2025-01-16T00:00:00Z', { id: 'img-1', workspace_id: w.workspace.id }),
          id: 'edit-img',
        },
        {
          ...event('execution.archived', '2025-01-16T00:00:00Z', {
            id: 'ghost',
            workspace_id: w.workspace.id,
          }),
          id: 'arch-ghost',
        },
      ]),
    });
    expect(response.statusCode).toBe(207);
    expect(response.json()).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [
        {
          index: 0,
          id: 'edit-img',
          errors: ['data.id: only chat executions can be edited (this one is image)'],
        },
        {
          index: 1,
          id: 'arch-ghost',
          errors: [`data.id: no execution "ghost" in workspace "${w.workspace.id}"`],
        },
      ],
    });
  });

  it('marks a chat edited', async () => {
    const w = await f.world();
    await f.ingest(w.serviceToken.token, [
      event('execution.recorded', '2025-01-15T10:00:00Z', execution(w.workspace.id, 'chat-2')),
      event('execution.edited', '2025-01-15T11:00:00Z', { id: 'chat-2', workspace_id: w.workspace.id }),
    ]);
    expect(await storedExecution(w.org.id, 'chat-2')).toMatchObject({
      source: 'edited',
      output: null,
      used_model: 'gpt-x',
    });
  });
});

describe('AI usage events', () => {
  const usage = (workspaceId: string, extra: object) => ({
    id: 'use-1',
    workspaceId,
    toolType: 'image-generation',
    status: 'pending',
    cost: 0,
    inputData: { prompt: 'a cat' },
    createdAt: '2025-01-15T10:30:00Z',
    ...extra,
  });

  it('moves pending to completed, and a late pending event changes nothing', async () => {
    const w = await f.world();
    const token = w.serviceToken.token;
    await f.ingest(token, [event('ai_usage.recorded', '2025-01-15T10:30:00Z', usage(w.workspace.id, {}))]);
    expect(await storedUsage(w.org.id, 'use-1')).toMatchObject({ status: 'pending', completed_at: null });
    await f.ingest(token, [
      event(
        'ai_usage.recorded',
        '2025-01-15T10:30:05Z',
        usage(w.workspace.id, {
          status: 'completed',
          cost: 0.1,
          responseData: { url: 'x' },
          completedAt: '2025-01-15T10:30:05Z',
        }),
      ),
    ]);
    await f.ingest(token, [
      event('ai_usage.recorded', '2025-01-15T10:30:01Z', usage(w.workspace.id, { status: 'pending' })),
    ]);
    expect(await storedUsage(w.org.id, 'use-1')).toMatchObject({
      status: 'completed',
      cost: 0.1,
      response_data: { url: 'x' },
      completed_at: new Date('2025-01-15T10:30:05Z'),
    });
  });

  it('validates the usage object', async () => {
    const w = await f.world();
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/cloudevents+json' },
      payload: JSON.stringify({
        ...event(
          'ai_usage.recorded',
          '2025-01-15T10:30:00Z',
          usage(w.workspace.id, { toolType: 'video', status: 'done', cost: -1 }),
        ),
        id: 'bad-usage',
      }),
    });
    // One event, so its rejection is the request's 400 (a batch would answer 207).
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      {
        pointer: '#/data/toolType',
        detail: 'must be one of product-marketing-post, image-generation, session-summary, other',
      },
      { pointer: '#/data/status', detail: 'must be one of pending, completed, failed' },
      { pointer: '#/data/cost', detail: 'must be ≥ 0' },
    ]);
  });
});
