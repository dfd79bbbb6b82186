// The records of an isolation tenant, as CloudEvents of every type: activity in each workspace and
// at org level (with an app, an endpoint, an augmentation and a resource the 004 routes address),
// executions (chat and image, current, archived and edited) and AI tool usages. Every value that
// can carry the tenant's prefix does; integer ids are returned in `stored` as markers.
import { randomInt } from 'node:crypto';
import type { Person } from './tenant.js';

interface Parts {
  prefix: string;
  people: Record<string, Person>;
  workspaces: { int: string; uuid: string; str: string };
  agents: { chat: string; image: string };
  attributes: { app: string; endpoint: string; augmentation: string; resource: string };
}

/** A minute ago and earlier: inside every default window (24 h summaries, 30-day usage history). */
const minutesAgo = (n: number) => new Date(Date.now() - (n + 1) * 60_000).toISOString();

export function tenantEvents({ prefix, people, workspaces, agents, attributes }: Parts) {
  const events: object[] = [];
  const stored: string[] = [];
  let n = 0;
  const event = (type: string, data: object, time: string) => {
    n += 1;
    events.push({
      specversion: '1.0',
      id: `${prefix}-evt-${n}`,
      source: `${prefix}/source`,
      type,
      time,
      data,
    });
    stored.push(`${prefix}-evt-${n}`);
  };

  const activity = (workspaceId: string | null, user: Person, extra: object) => {
    const i = n + 1;
    event(
      'activity.recorded',
      {
        id: `${prefix}-act-${i}`,
        trace_id: `${prefix}-trace-${i}`,
        user_id: user.id,
        ...(workspaceId ? { workspace_id: workspaceId } : {}),
        principal_type: 'user',
        principal_id: user.id,
        token_type: 'user',
        method: 'POST',
        path: `/v1/${prefix}/things/${i}`,
        status_code: i % 3 === 0 ? 500 : 201,
        error_code: i % 3 === 0 ? `${prefix}_E500` : null,
        duration_ms: 10 + i,
        execution_id: `${prefix}-exec-ref-${i}`,
        token_usage: { total_tokens: 7 },
        metadata: { note: `${prefix}_meta_${i}` },
        ...extra,
      },
      minutesAgo(i),
    );
  };
  const general = {
    app_id: attributes.app,
    resource_type: `${prefix}_type`,
    resource_id: attributes.resource,
    augmentation_id: attributes.augmentation,
    action: 'read',
  };
  const endpoint = {
    app_id: attributes.app,
    resource_type: 'endpoint',
    resource_id: attributes.endpoint,
    action: 'execute',
  };
  for (const ws of Object.values(workspaces)) {
    activity(ws, people.wsOwner!, general);
    activity(ws, people['staff:activity:read']!, endpoint);
    activity(ws, people.owner!, { ...general, action: 'create' });
  }
  activity(null, people.member!, { ...general, action: 'update' });
  activity(null, people.owner!, general);

  const execution = (workspaceId: string, user: Person, kind: 'chat' | 'image') => {
    const id = String(100_000_000_000_000 + randomInt(0, 2 ** 47));
    stored.push(id);
    const i = n + 1;
    event(
      'execution.recorded',
      {
        id,
        workspace_id: workspaceId,
        user_id: user.id,
        user_email: user.email,
        agent: {
          id: agents[kind],
          slug: `${prefix}-${kind}-slug`,
          name: `${prefix}_name_agent_${kind}`,
          type: kind,
        },
        status: 'succeeded',
        credits: 2.5,
        output: `${prefix}_output_${i}`,
        ...(kind === 'image'
          ? { output_url: `https://cdn.${prefix}.test/${i}.png`, output_private: i % 2 === 0 }
          : {}),
        root_id: `${prefix}-root-${i}`,
        execution_origin: `${prefix}_origin`,
        used_model: `${prefix}-model`,
        tokens: { input: 100, output: 50, total: 150 },
      },
      minutesAgo(i),
    );
    return id;
  };
  for (const ws of [workspaces.int, workspaces.uuid]) {
    execution(ws, people.wsOwner!, 'chat');
    execution(ws, people.wsOwner!, 'image');
    execution(ws, people['staff:usage:read_others']!, 'image');
    const archived = execution(ws, people.owner!, 'image');
    event('execution.archived', { id: archived, workspace_id: ws }, minutesAgo(0));
    const edited = execution(ws, people.wsOwner!, 'chat');
    event('execution.edited', { id: edited, workspace_id: ws }, minutesAgo(0));
  }

  for (const ws of Object.values(workspaces)) {
    for (const status of ['pending', 'completed']) {
      const i = n + 1;
      event(
        'ai_usage.recorded',
        {
          id: `${prefix}-usage-${i}`,
          workspaceId: ws,
          toolType: 'session-summary',
          status,
          cost: 0.25,
          inputData: { prompt: `${prefix}_prompt_${i}` },
          responseData: { text: `${prefix}_response_${i}` },
          ...(status === 'completed' ? { completedAt: minutesAgo(0) } : {}),
        },
        minutesAgo(i),
      );
    }
  }
  return { events, stored };
}
