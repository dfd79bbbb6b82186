// `activity.recorded`: seed 004's activity object. `id` defaults to the event's id, `timestamp` to
// the event's time (then to now), `success` to `status_code < 400`.
import { tokensTotal } from '../../ledger/activity/tokens-total.js';
import type { ActivityRecord, ActivityWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { Fields } from '../fields.js';
import { eventWrite } from './types.js';

/** The stage counts are PostgreSQL `integer` columns: a larger count would fail the whole batch. */
export const MAX_STAGES = 2_147_483_647;

function tokenUsage(fields: Fields): Record<string, number> | null {
  const usage = fields.object('token_usage');
  if (!usage) return null;
  const clean: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fields.errors.push(`data.token_usage.${key}: must be a number`);
    } else {
      clean[key] = value;
    }
  }
  return clean;
}

export function readActivity(envelope: Envelope): { write?: ActivityWrite; errors: string[] } {
  const data = envelope.data;
  const f = new Fields(data, 'data.');
  const id = f.string('id', { max: 256 }) ?? envelope.id;
  const timestamp = f.timestamp('timestamp') ?? envelope.time;
  const statusCode = f.number('status_code', { integer: true, min: 100, max: 599 }) ?? null;
  const explicitSuccess = f.boolean('success');
  if (explicitSuccess === undefined && statusCode === null && f.errors.length === 0 && !f.has('success')) {
    f.errors.push('data.success: is required when data.status_code is absent');
  }
  const success = explicitSuccess ?? (statusCode !== null ? statusCode < 400 : true);
  const usage = tokenUsage(f);
  const metadata = f.object('metadata') ?? null;
  const text = (name: string, max = 1024) => f.string(name, { max }) ?? null;
  const row: ActivityRecord = {
    id,
    timestamp,
    trace_id: text('trace_id', 256),
    user_id: f.id('user_id') ?? null,
    workspace_id: f.id('workspace_id') ?? null,
    app_id: text('app_id', 256),
    principal_type: text('principal_type', 64),
    principal_id: text('principal_id', 256),
    token_id: text('token_id', 256),
    token_type: text('token_type', 64),
    method: text('method', 16),
    path: text('path', 2048),
    resource_type: text('resource_type', 128),
    resource_id: text('resource_id', 256),
    action: text('action', 64),
    status_code: statusCode,
    success,
    error_code: text('error_code', 128),
    duration_ms: f.number('duration_ms', { min: 0 }) ?? null,
    execution_id: text('execution_id', 256),
    augmentation_id: text('augmentation_id', 256),
    stages_completed: f.number('stages_completed', { integer: true, min: 0, max: MAX_STAGES }) ?? null,
    total_stages: f.number('total_stages', { integer: true, min: 0, max: MAX_STAGES }) ?? null,
    token_usage: usage,
    metadata,
    tokens_total: tokensTotal(usage),
  };
  if (f.errors.length > 0) return { errors: f.errors };
  return { write: { kind: 'activity', ...eventWrite(envelope), record: row }, errors: [] };
}
