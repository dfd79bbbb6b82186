// Shared pieces of the usage history tests: a world with integer-form ids, execution events and
// the request itself.
import { type Factory, numericId, uid } from '../helpers/factories.js';
import { bearer, type TestApp } from '../helpers/test-app.js';

export interface ExecutionInput {
  id?: string;
  workspaceId: string;
  userId: string;
  userEmail?: string;
  agent: { id: string; slug: string; name: string; type: string };
  status?: string;
  credits?: number;
  output?: string | null;
  outputUrl?: string | null;
  outputPrivate?: boolean;
  rootId?: string | null;
  origin?: string | null;
  usedModel?: string | null;
  tokens?: { input: number; output: number; total: number } | null;
  createdAt: string;
}

export function executionEvent(input: ExecutionInput) {
  const id = input.id ?? numericId();
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/usage-history',
    type: 'execution.recorded',
    time: input.createdAt,
    data: {
      id,
      workspace_id: input.workspaceId,
      user_id: input.userId,
      ...(input.userEmail ? { user_email: input.userEmail } : {}),
      agent: input.agent,
      status: input.status ?? 'succeeded',
      credits: input.credits ?? 1,
      output: input.output ?? null,
      output_url: input.outputUrl ?? null,
      output_private: input.outputPrivate ?? false,
      root_id: input.rootId ?? null,
      execution_origin: input.origin ?? null,
      used_model: input.usedModel ?? null,
      tokens: input.tokens ?? null,
      created_at: input.createdAt,
    },
  };
}

/** `execution.archived` or `execution.edited`, a second after `after`. */
export function sourceEvent(kind: 'archived' | 'edited', id: string, workspaceId: string, after: string) {
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/usage-history',
    type: `execution.${kind}`,
    time: new Date(Date.parse(after) + 1000).toISOString(),
    data: { id, workspace_id: workspaceId },
  };
}

/** An org whose owner, workspace and users all have integer-form ids, as surface 001 expects. */
export async function numericWorld(f: Factory) {
  const world = await f.world({ workspaceId: numericId(), ownerId: numericId() });
  const chat = await f.agent(world.org.id, { type: 'chat' });
  return { ...world, chat };
}

export function usage(
  t: TestApp,
  token: string,
  workspaceId: string | null,
  query: Record<string, string | number> = {},
) {
  const search = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return t.app.inject({
    method: 'GET',
    url: `/workspaces/usage${search ? `?${search}` : ''}`,
    headers: { ...bearer(token), ...(workspaceId !== null ? { 'x-workspace-id': workspaceId } : {}) },
  });
}
