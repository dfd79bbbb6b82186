// CloudEvents for the ingestion property: a valid event of each type, then hostile variants with
// one fault at a time, so most reach validation of their data and many reach the database.
import fc from 'fast-check';
import type { HostileWorld } from './harness.js';
import { hostileDates } from './hostile-text.js';
import { hostileJson, mutated } from './json-arbitraries.js';
import { DATE_BODY_FIELDS } from './route-catalogue.js';

let sequence = 0;

/** A valid `data` for each event type, the starting point of its hostile variants. */
function validData(world: HostileWorld, type: string): Record<string, unknown> {
  sequence += 1;
  const time = new Date(Date.now() - 60_000).toISOString();
  switch (type) {
    case 'activity.recorded':
      return {
        workspace_id: world.uuidWorkspaceId,
        user_id: world.ownerId,
        app_id: 'app-1',
        action: 'create',
        method: 'POST',
        path: '/x',
        timestamp: time,
        status_code: 201,
        duration_ms: 3.5,
        resource_type: 'endpoint',
        resource_id: 'ep-1',
        token_usage: { total_tokens: 3 },
        metadata: { note: 'x' },
      };
    case 'execution.recorded':
      return {
        id: `x-${sequence}`,
        workspace_id: world.numericWorkspaceId,
        user_id: world.ownerId,
        user_email: 'owner@example.test',
        agent: { id: 'writer', slug: 'blog-writer', name: 'Writer', type: 'image' },
        status: 'succeeded',
        credits: 1.5,
        output: 'out',
        output_url: 'https://cdn.example.test/x.png',
        output_private: true,
        root_id: 'root-1',
        execution_origin: 'api',
        used_model: 'model-1',
        tokens: { input: 1, output: 2, total: 3 },
        created_at: time,
      };
    case 'execution.archived':
    case 'execution.edited':
      return { id: '9001', workspace_id: world.numericWorkspaceId };
    default:
      return {
        id: `u-${sequence}`,
        workspaceId: world.uuidWorkspaceId,
        toolType: 'other',
        status: 'completed',
        cost: 0.25,
        inputData: { prompt: 'x' },
        responseData: { text: 'y' },
        createdAt: time,
        completedAt: time,
      };
  }
}

const TYPES = [
  'activity.recorded',
  'execution.recorded',
  'execution.archived',
  'execution.edited',
  'ai_usage.recorded',
];

/** Date and time fields meet hostile dates most of the time, other fields any hostile JSON. */
function hostileFor(field: string): fc.Arbitrary<unknown> {
  if (!DATE_BODY_FIELDS.has(field)) return hostileJson;
  return fc.oneof({ arbitrary: hostileDates, weight: 3 }, { arbitrary: hostileJson, weight: 1 });
}

/** One CloudEvent: valid, or with one or two faults in its envelope or data. */
export function hostileEvent(world: HostileWorld) {
  return fc.constantFrom(...TYPES).chain((type) => {
    sequence += 1;
    const envelope = {
      specversion: '1.0',
      id: `hostile-${sequence}`,
      source: 'hostile',
      type,
      time: new Date().toISOString(),
    };
    return fc
      .record({
        envelope: fc.oneof(
          { arbitrary: fc.constant(envelope), weight: 6 },
          { arbitrary: mutated(envelope, hostileFor), weight: 1 },
        ),
        data: fc.oneof(
          { arbitrary: mutated(validData(world, type), hostileFor), weight: 10 },
          { arbitrary: hostileJson, weight: 1 },
        ),
      })
      .map(({ envelope: head, data }) => ({ ...head, data }));
  });
}
