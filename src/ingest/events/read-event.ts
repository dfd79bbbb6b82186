// Validates one event: the envelope, then its type's data. An unknown type is rejected like any
// invalid event, on its own.
import type { LedgerWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { readActivity } from './activity.js';
import { readAiUsage } from './ai-usage.js';
import { readExecution, readExecutionSource } from './execution.js';

export const EVENT_TYPES = [
  'activity.recorded',
  'execution.recorded',
  'execution.archived',
  'execution.edited',
  'ai_usage.recorded',
] as const;

export function readEventData(envelope: Envelope): { write?: LedgerWrite; errors: string[] } {
  switch (envelope.type) {
    case 'activity.recorded':
      return readActivity(envelope);
    case 'execution.recorded':
      return readExecution(envelope);
    case 'execution.archived':
      return readExecutionSource(envelope, 'archived');
    case 'execution.edited':
      return readExecutionSource(envelope, 'edited');
    case 'ai_usage.recorded':
      return readAiUsage(envelope);
    default:
      return {
        errors: [`type: unknown event type "${envelope.type}" (expected one of ${EVENT_TYPES.join(', ')})`],
      };
  }
}
