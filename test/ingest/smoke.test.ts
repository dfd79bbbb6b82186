import { afterAll, beforeAll, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

it('ingests one of each type', async () => {
  const w = await f.world();
  const ws = w.workspace.id;
  const result = await f.ingest(w.serviceToken.token, [
    {
      specversion: '1.0',
      id: 'e1',
      source: 's',
      type: 'activity.recorded',
      time: '2025-01-15T10:30:00Z',
      data: {
        workspace_id: ws,
        user_id: 'u1',
        method: 'GET',
        path: '/x',
        status_code: 200,
        token_usage: { total_tokens: 5 },
      },
    },
    {
      specversion: '1.0',
      id: 'e2',
      source: 's',
      type: 'execution.recorded',
      data: {
        id: 'x1',
        workspace_id: ws,
        user_id: 'u1',
        user_email: 'u1@x.test',
        agent: { id: 'a1', slug: 'a-1', name: 'A1', type: 'chat' },
        status: 'succeeded',
        credits: 2.5,
        tokens: { input: 1, output: 2, total: 3 },
      },
    },
    {
      specversion: '1.0',
      id: 'e3',
      source: 's',
      type: 'ai_usage.recorded',
      data: { id: 'u1', workspaceId: ws, toolType: 'other', status: 'pending', cost: 0.1 },
    },
    {
      specversion: '1.0',
      id: 'e4',
      source: 's',
      type: 'execution.archived',
      data: { id: 'x1', workspace_id: ws },
    },
  ]);
  expect(result).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
  const ex = await t.db.selectFrom('executions').selectAll().execute();
  expect(ex[0]).toMatchObject({ source: 'archived', credits: 2.5, tokens_total: 3, agent_type: 'chat' });
  const again = await f.ingest(w.serviceToken.token, [
    {
      specversion: '1.0',
      id: 'e1',
      source: 's',
      type: 'activity.recorded',
      data: { workspace_id: ws, status_code: 200 },
    },
  ]);
  expect(again).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
});
