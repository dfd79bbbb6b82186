// The CloudEvents a soak sends: activity, executions, AI usages and archivals of executions sent
// earlier, addressed to the largest org's real workspaces, users and agents. Every id carries the
// run's id, so the events of one run can be counted in the database afterwards.
import pg from 'pg';

export type EventKind = 'activity' | 'execution' | 'ai_usage' | 'archive';
export const EVENT_KINDS: EventKind[] = ['activity', 'execution', 'ai_usage', 'archive'];

export interface IngestWorld {
  orgId: string;
  workspaces: { id: string; ownerUserId: string }[];
  users: string[];
  agents: { id: string; slug: string; name: string; type: string }[];
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

/** Workspaces, users and agents of the org, so that no event is rejected for naming an unknown one. */
export async function loadIngestWorld(databaseUrl: string, orgId: string): Promise<IngestWorld> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const workspaces = await client.query<{ id: string; owner_user_id: string }>(
      'SELECT id, owner_user_id FROM workspaces WHERE org_id = $1 ORDER BY id LIMIT 50',
      [orgId],
    );
    const users = await client.query<{ id: string }>(
      'SELECT id FROM users WHERE org_id = $1 ORDER BY id LIMIT 200',
      [orgId],
    );
    const agents = await client.query<IngestWorld['agents'][number]>(
      'SELECT id, slug, name, type FROM agents WHERE org_id = $1 ORDER BY id LIMIT 20',
      [orgId],
    );
    if (workspaces.rows.length === 0) throw new Error(`org ${orgId} has no workspaces to ingest into`);
    return {
      orgId,
      workspaces: workspaces.rows.map((w) => ({ id: w.id, ownerUserId: w.owner_user_id })),
      users:
        users.rows.length > 0 ? users.rows.map((u) => u.id) : workspaces.rows.map((w) => w.owner_user_id),
      agents:
        agents.rows.length > 0
          ? agents.rows
          : [{ id: 'soak-writer', slug: 'soak-writer', name: 'Soak Writer', type: 'text' }],
    };
  } finally {
    await client.end();
  }
}

const ACTIONS = [
  ['GET', 'read'],
  ['POST', 'create'],
  ['PUT', 'update'],
  ['DELETE', 'delete'],
  ['POST', 'execute'],
] as const;
const RESOURCES = ['report', 'agent', 'document', 'campaign', 'endpoint'];
const TOOL_TYPES = ['product-marketing-post', 'image-generation', 'session-summary', 'other'];
const PREFIX = { activity: 'a', execution: 'x', ai_usage: 'u', archive: 'r' } as const;

/** Builds one run's events; the n-th event of a kind always has the same id and workspace. */
export class EventFactory {
  readonly sources: Record<EventKind, string>;

  constructor(
    readonly runId: string,
    private readonly world: IngestWorld,
    private readonly random: () => number,
  ) {
    this.sources = {
      activity: `${runId}/api`,
      execution: `${runId}/agents`,
      ai_usage: `${runId}/tools`,
      archive: `${runId}/agents`,
    };
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** Event id of the n-th event of a kind; for records it is also the record's id. */
  id(kind: EventKind, n: number): string {
    return `${this.runId}-${PREFIX[kind]}-${n}`;
  }

  workspaceOfExecution(n: number) {
    return this.world.workspaces[n % this.world.workspaces.length]!;
  }

  /** Platforms send what just happened: event times are within the last few seconds. */
  private recentTime(): string {
    return new Date(Date.now() - Math.floor(this.random() * 5000)).toISOString();
  }

  activity(n: number): CloudEvent {
    const workspace = this.pick(this.world.workspaces);
    const [method, action] = this.pick(ACTIONS);
    const resource = this.pick(RESOURCES);
    const failed = this.random() < 0.05;
    return {
      specversion: '1.0',
      id: this.id('activity', n),
      source: this.sources.activity,
      type: 'activity.recorded',
      time: this.recentTime(),
      data: {
        workspace_id: workspace.id,
        user_id: this.pick(this.world.users),
        method,
        path: `/v1/${resource}s/${n % 1000}`,
        action,
        resource_type: resource,
        resource_id: String(n % 1000),
        status_code: failed ? this.pick([400, 404, 422, 500]) : method === 'POST' ? 201 : 200,
        duration_ms: Math.round(5 + this.random() * 400),
        ...(this.random() < 0.3
          ? { token_usage: { input_tokens: Math.round(this.random() * 2000), output_tokens: 150 } }
          : {}),
      },
    };
  }

  execution(n: number): CloudEvent {
    const workspace = this.workspaceOfExecution(n);
    const agent = this.pick(this.world.agents);
    const succeeded = this.random() < 0.9;
    const input = Math.round(100 + this.random() * 3000);
    return {
      specversion: '1.0',
      id: this.id('execution', n),
      source: this.sources.execution,
      type: 'execution.recorded',
      time: this.recentTime(),
      data: {
        id: this.id('execution', n),
        workspace_id: workspace.id,
        user_id: workspace.ownerUserId,
        agent,
        status: succeeded ? 'succeeded' : 'failed',
        credits: succeeded ? Math.round(this.random() * 500) / 100 : 0,
        used_model: 'gpt-soak',
        tokens: { input, output: 300, total: input + 300 },
      },
    };
  }

  aiUsage(n: number): CloudEvent {
    const time = this.recentTime();
    return {
      specversion: '1.0',
      id: this.id('ai_usage', n),
      source: this.sources.ai_usage,
      type: 'ai_usage.recorded',
      time,
      data: {
        id: this.id('ai_usage', n),
        workspaceId: this.pick(this.world.workspaces).id,
        toolType: this.pick(TOOL_TYPES),
        status: 'completed',
        cost: Math.round(this.random() * 100) / 1000,
        inputData: { prompt: `soak prompt ${n}` },
        responseData: { words: Math.round(this.random() * 800) },
        createdAt: time,
        completedAt: time,
      },
    };
  }

  /** Archives execution `execution`, recorded at `recordedAt`: the newer event must win. */
  archive(n: number, execution: number, recordedAt: number): CloudEvent {
    return {
      specversion: '1.0',
      id: this.id('archive', n),
      source: this.sources.archive,
      type: 'execution.archived',
      time: new Date(Math.max(Date.now(), recordedAt + 1)).toISOString(),
      data: { id: this.id('execution', execution), workspace_id: this.workspaceOfExecution(execution).id },
    };
  }
}
