// `activity.recorded`: seed 004's activity object. `id` defaults to the event's id, `timestamp` to
// the event's time (then to now), `success` to `status_code < 400`.
import { tokensTotal } from '../../ledger/activity/tokens-total.js';
import type { ActivityRecord, ActivityWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { Fields, NOT_NEGATIVE, type NumberLimits } from '../fields.js';
import { writeKey } from './types.js';

/** The stage counts are PostgreSQL `integer` columns: a larger count would fail the whole batch. */
export const MAX_STAGES = 2_147_483_647;

/**
 * The token usage as sent, once every value is a number. Checked in place and kept as parsed, not
 * copied: a copy written `clean[key] = value` set the copy's prototype for a key `__proto__`
 * (JSON.parse makes it an own key like any other), so that key was silently not stored.
 */
function tokenUsage(fields: Fields): Record<string, number> | null {
  const usage = fields.object('token_usage');
  if (!usage) return null;
  let valid = true;
  for (const key of Object.keys(usage)) {
    const value = usage[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fields.errors.push(`data.token_usage.${key}: must be a number`);
      valid = false;
    }
  }
  return valid ? (usage as Record<string, number>) : null;
}

const STATUS_CODE: NumberLimits = { integer: true, min: 100, max: 599 };
const STAGES: NumberLimits = { integer: true, min: 0, max: MAX_STAGES };

export function readActivity(envelope: Envelope): { write?: ActivityWrite; errors: string[] } {
  const data = envelope.data;
  const f = new Fields(data, 'data.');
  const id = f.string('id', 256) ?? envelope.id;
  const timestamp = f.timestamp('timestamp') ?? envelope.time;
  const statusCode = f.number('status_code', STATUS_CODE) ?? null;
  const explicitSuccess = f.boolean('success');
  if (explicitSuccess === undefined && statusCode === null && f.errors.length === 0 && !f.has('success')) {
    f.errors.push('data.success: is required when data.status_code is absent');
  }
  const success = explicitSuccess ?? (statusCode !== null ? statusCode < 400 : true);
  const usage = tokenUsage(f);
  const metadata = f.object('metadata') ?? null;
  // Each field read in place (no helper closure per event: ingestion's allocations, fields.ts).
  const row: ActivityRecord = {
    id,
    timestamp,
    trace_id: f.string('trace_id', 256) ?? null,
    user_id: f.id('user_id') ?? null,
    workspace_id: f.id('workspace_id') ?? null,
    app_id: f.string('app_id', 256) ?? null,
    principal_type: f.string('principal_type', 64) ?? null,
    principal_id: f.string('principal_id', 256) ?? null,
    token_id: f.string('token_id', 256) ?? null,
    token_type: f.string('token_type', 64) ?? null,
    method: f.string('method', 16) ?? null,
    path: f.string('path', 2048) ?? null,
    resource_type: f.string('resource_type', 128) ?? null,
    resource_id: f.string('resource_id', 256) ?? null,
    action: f.string('action', 64) ?? null,
    status_code: statusCode,
    success,
    error_code: f.string('error_code', 128) ?? null,
    duration_ms: f.number('duration_ms', NOT_NEGATIVE) ?? null,
    execution_id: f.string('execution_id', 256) ?? null,
    augmentation_id: f.string('augmentation_id', 256) ?? null,
    stages_completed: f.number('stages_completed', STAGES) ?? null,
    total_stages: f.number('total_stages', STAGES) ?? null,
    token_usage: usage,
    metadata,
    tokens_total: tokensTotal(usage),
  };
  if (f.errors.length > 0) return { errors: f.errors };
  return {
    write: { kind: 'activity', key: writeKey(envelope), time: envelope.time, record: row },
    errors: [],
  };
}
