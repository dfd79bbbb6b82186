// A small, fully known world for the insights routes: two workspaces, two users, two agents, and
// activity, executions and AI tool usages at chosen instants of 2026-03-01 (far from "now", so the
// routes' own self-recorded requests never fall into the windows the tests read).
import { type Factory, uid, uuid } from '../helpers/factories.js';
import { executionEvent } from '../usage-history/helpers.js';

function activity(data: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/insights',
    type: 'activity.recorded',
    time: data.timestamp,
    data: { id: uid('act'), ...data },
  };
}

function usage(data: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/insights',
    type: 'ai_usage.recorded',
    time: data.createdAt,
    data: { id: uid('use'), cost: 0.5, inputData: {}, ...data },
  };
}

export async function insightsWorld(f: Factory) {
  const w = await f.world();
  const org = w.org.id;
  const u1 = await f.user(org, { id: uid('u1') });
  const u2 = await f.user(org, { id: uid('u2') });
  // Acme Support has a UUID alias (seed 002's address for it), Beta Labs none.
  const w1Uuid = uuid();
  const w1 = {
    ...(await f.workspace(org, { ownerId: w.owner.id, name: 'Acme Support', uuid: w1Uuid })),
    uuid: w1Uuid,
  };
  const w2 = await f.workspace(org, { ownerId: w.owner.id, name: 'Beta Labs' });
  const chat = await f.agent(org, { type: 'chat', name: 'Chat Bot' });
  const image = await f.agent(org, { type: 'image', name: 'Painter' });
  const ok = { success: true, status_code: 200 };
  const failed = { success: false, status_code: 500 };
  await f.ingest(w.serviceToken.token, [
    activity({
      timestamp: '2026-03-01T10:05:00Z',
      workspace_id: w1.id,
      user_id: u1.id,
      action: 'read',
      resource_type: 'endpoint',
      resource_id: 'ep-1',
      duration_ms: 100,
      token_usage: { total_tokens: 10 },
      ...ok,
    }),
    activity({
      timestamp: '2026-03-01T10:30:00Z',
      workspace_id: w1.id,
      user_id: u1.id,
      action: 'read',
      resource_type: 'endpoint',
      resource_id: 'ep-1',
      duration_ms: 300,
      ...failed,
    }),
    activity({
      timestamp: '2026-03-01T10:59:59.999Z',
      workspace_id: w2.id,
      user_id: u2.id,
      action: 'create',
      resource_type: 'app',
      resource_id: 'app-1',
      duration_ms: 50,
      ...ok,
    }),
    activity({
      timestamp: '2026-03-01T11:00:00Z',
      workspace_id: w1.id,
      user_id: u2.id,
      action: 'execute',
      resource_type: 'endpoint',
      resource_id: 'ep-2',
      token_usage: { total_tokens: 30 },
      ...ok,
    }),
    activity({ timestamp: '2026-03-01T13:20:00Z', duration_ms: 20, ...failed }),
    activity({
      timestamp: '2026-03-02T00:00:00Z',
      workspace_id: w1.id,
      user_id: u1.id,
      action: 'delete',
      resource_type: 'workspace',
      resource_id: w1.id,
      duration_ms: 10,
      ...ok,
    }),
    executionEvent({
      workspaceId: w1.id,
      userId: u1.id,
      agent: chat,
      credits: 2.5,
      createdAt: '2026-03-01T10:15:00Z',
      tokens: { input: 10, output: 5, total: 15 },
    }),
    executionEvent({
      workspaceId: w1.id,
      userId: u1.id,
      agent: chat,
      status: 'failed',
      credits: 1.25,
      createdAt: '2026-03-01T10:45:00Z',
    }),
    executionEvent({
      workspaceId: w2.id,
      userId: u2.id,
      agent: image,
      credits: 4,
      createdAt: '2026-03-01T12:00:00Z',
    }),
    usage({
      workspaceId: w1.id,
      toolType: 'image-generation',
      status: 'completed',
      createdAt: '2026-03-01T10:20:00Z',
    }),
    usage({
      workspaceId: w1.id,
      toolType: 'image-generation',
      status: 'failed',
      createdAt: '2026-03-01T10:40:00Z',
    }),
    usage({ workspaceId: w2.id, toolType: 'other', status: 'completed', createdAt: '2026-03-01T13:00:00Z' }),
  ]);
  return { ...w, u1, u2, w1, w2, chat, image };
}

/** The hour buckets of the window the tests mostly read: 2026-03-01 10:00–14:00. */
export const HOURS = [
  '2026-03-01T10:00:00.000Z',
  '2026-03-01T11:00:00.000Z',
  '2026-03-01T12:00:00.000Z',
  '2026-03-01T13:00:00.000Z',
];
export const WINDOW = 'start_time=2026-03-01T10:00:00Z&end_time=2026-03-01T14:00:00Z';
