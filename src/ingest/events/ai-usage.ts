// `ai_usage.recorded`: seed 000's usage object, camel-case as on the read surface.

import type { AiUsageWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { Fields, NOT_NEGATIVE, REQUIRED } from '../fields.js';
import { writeKey } from './types.js';

export const TOOL_TYPES = ['product-marketing-post', 'image-generation', 'session-summary', 'other'] as const;
export const USAGE_STATUSES = ['pending', 'completed', 'failed'] as const;

export function readAiUsage(envelope: Envelope): { write?: AiUsageWrite; errors: string[] } {
  const f = new Fields(envelope.data, 'data.');
  const id = f.id('id', REQUIRED);
  const workspaceId = f.id('workspaceId', REQUIRED);
  const toolType = f.oneOf('toolType', TOOL_TYPES, REQUIRED);
  const status = f.oneOf('status', USAGE_STATUSES, REQUIRED);
  const cost = f.number('cost', NOT_NEGATIVE) ?? 0;
  const inputData = f.object('inputData') ?? {};
  const responseData = f.object('responseData') ?? {};
  const createdAt = f.timestamp('createdAt') ?? envelope.time;
  const completedAt = f.timestamp('completedAt') ?? null;
  if (f.errors.length > 0 || !id || !workspaceId || !toolType || !status) return { errors: f.errors };
  return {
    write: {
      kind: 'ai_usage',
      key: writeKey(envelope),
      time: envelope.time,
      record: {
        id,
        workspace_id: workspaceId,
        tool_type: toolType,
        status,
        cost,
        input_data: inputData,
        response_data: responseData,
        created_at: createdAt,
        completed_at: completedAt,
      },
    },
    errors: [],
  };
}
