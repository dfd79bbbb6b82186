// The CloudEvents the reliability clients send: unique ids, the three record kinds in turn, each
// record's id equal to its event's id so the database can be checked event by event.
export const EVENT_SOURCE = 'reliability/clients';

export type RecordKind = 'activity' | 'execution' | 'ai_usage';

export interface SentEvent {
  id: string;
  kind: RecordKind;
  body: Record<string, unknown>;
}

export interface World {
  orgId: string;
  workspaceId: string;
  userId: string;
}

const KINDS: RecordKind[] = ['activity', 'execution', 'ai_usage'];

function dataOf(kind: RecordKind, id: string, n: number, world: World): [string, Record<string, unknown>] {
  switch (kind) {
    case 'activity':
      return [
        'activity.recorded',
        {
          workspace_id: world.workspaceId,
          user_id: world.userId,
          method: 'POST',
          path: '/v1/reports',
          action: 'create',
          resource_type: 'report',
          status_code: 201,
          duration_ms: n % 400,
        },
      ];
    case 'execution':
      return [
        'execution.recorded',
        {
          id,
          workspace_id: world.workspaceId,
          user_id: world.userId,
          agent: { id: 'agent-writer', slug: 'blog-writer', name: 'Blog Writer', type: 'text' },
          status: n % 5 === 0 ? 'failed' : 'succeeded',
          credits: 1.5,
          tokens: { input: 900, output: 300, total: 1200 },
        },
      ];
    case 'ai_usage':
      return [
        'ai_usage.recorded',
        { id, workspaceId: world.workspaceId, toolType: 'session-summary', status: 'completed', cost: 0.02 },
      ];
  }
}

/** Batch `batch` of `size` events; ids are `<prefix>-<batch>-<i>`, so every batch is distinct. */
export function makeBatch(prefix: string, batch: number, size: number, world: World): SentEvent[] {
  const time = new Date().toISOString();
  return Array.from({ length: size }, (_, i) => {
    const n = batch * size + i;
    const kind = KINDS[n % KINDS.length]!;
    const id = `${prefix}-${batch}-${i}`;
    const [type, data] = dataOf(kind, id, n, world);
    return { id, kind, body: { specversion: '1.0', id, source: EVENT_SOURCE, type, time, data } };
  });
}
