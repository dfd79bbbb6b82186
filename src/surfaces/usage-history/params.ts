// Laravel's validation of GET /workspaces/usage, rule by rule, with Laravel's English messages.
// Like Laravel's TrimStrings and ConvertEmptyStringsToNull middleware, blank values count as absent.
// Each field reports its first failing rule only; every field is checked, so one 422 lists them all.
import type { AgentType } from '../../db/schema.js';
import { type FieldIssue, invalid } from '../../errors.js';
import { checkCalendarDate } from '../../instants.js';
import type { UsageHistoryRequest } from '../../ledger/executions/usage-history.js';
import {
  inclusiveDays,
  MAX_CUSTOM_RANGE_DAYS,
  type UsageRange,
  type WindowRequest,
} from '../../ledger/executions/usage-window.js';

export const RANGES: readonly UsageRange[] = ['1d', '7d', '30d'];
export const TYPES = ['all', 'chat', 'image', 'text', 'voiceover', 'video', 'code'] as const;
export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
export const WORKSPACE_HEADER = 'x-workspace-id';

/** Marks an issue whose `message` is already Laravel's sentence. */
export const LARAVEL = { laravel: true } as const;

/** Laravel's attribute name: `per_page` → `per page`. */
export const attribute = (field: string) => field.replaceAll('_', ' ');

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** PHP's FILTER_VALIDATE_INT: optional sign, no leading zeros, within the safe integer range. */
function integer(value: string): number | null {
  if (!/^[+-]?(0|[1-9]\d*)$/.test(value)) return null;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : null;
}

export function parseUsageRequest(
  query: Record<string, unknown>,
  headers: Record<string, unknown>,
): UsageHistoryRequest {
  const issues: FieldIssue[] = [];
  const fail = (location: FieldIssue['location'], field: string, message: string, input: unknown) =>
    issues.push({ location, field: [field], kind: 'value_error', message, input, ctx: LARAVEL });

  const header = text(headers[WORKSPACE_HEADER]);
  let workspaceId = '';
  if (header === null) {
    fail('header', WORKSPACE_HEADER, `The ${WORKSPACE_HEADER} header is required.`, null);
  } else if (!/^\d{1,19}$/.test(header) || BigInt(header) < 1n || BigInt(header) > 9223372036854775807n) {
    fail('header', WORKSPACE_HEADER, `The ${WORKSPACE_HEADER} header must be a positive integer.`, header);
  } else {
    workspaceId = BigInt(header).toString();
  }

  const range = text(query.range);
  if (range !== null && !(RANGES as readonly string[]).includes(range)) {
    fail('query', 'range', 'The selected range is invalid.', range);
  }

  const start = text(query.start_date);
  const end = text(query.end_date);
  const startCheck = start === null ? null : checkCalendarDate(start);
  const endCheck = end === null ? null : checkCalendarDate(end);
  const startValid = startCheck === 'ok';
  const endValid = endCheck === 'ok';
  // A well-formed date before 0001-01-01 (year 0000) is outside what Tally holds (src/instants.ts):
  // said as Laravel's after_or_equal rule says it.
  const dateMessage = (field: 'start date' | 'end date', check: 'format' | 'range' | 'ok' | null) =>
    check === 'range'
      ? `The ${field} field must be a date after or equal to 0001-01-01.`
      : `The ${field} field must match the format Y-m-d.`;
  if (start === null && end !== null) {
    fail('query', 'start_date', 'The start date field is required when end date is present.', null);
  } else if (start !== null && !startValid) {
    fail('query', 'start_date', dateMessage('start date', startCheck), start);
  }
  if (end === null && start !== null) {
    fail('query', 'end_date', 'The end date field is required when start date is present.', null);
  } else if (end !== null && !endValid) {
    fail('query', 'end_date', dateMessage('end date', endCheck), end);
  } else if (startValid && endValid && start !== null && end !== null) {
    const days = inclusiveDays(start, end);
    if (days < 1) {
      fail('query', 'end_date', 'The end date field must be a date after or equal to start date.', end);
    } else if (days > MAX_CUSTOM_RANGE_DAYS) {
      fail('query', 'end_date', `The date range may not exceed ${MAX_CUSTOM_RANGE_DAYS} days.`, end);
    }
  }

  const userIdText = text(query.user_id);
  let userId: string | null = null;
  if (userIdText !== null) {
    const parsed = /^[+-]?(0|[1-9]\d*)$/.test(userIdText) && userIdText.replace(/^[+-]/, '').length <= 19;
    if (!parsed) fail('query', 'user_id', 'The user id field must be an integer.', userIdText);
    else userId = BigInt(userIdText).toString();
  }

  const typeText = text(query.type);
  if (typeText !== null && !(TYPES as readonly string[]).includes(typeText)) {
    fail('query', 'type', 'The selected type is invalid.', typeText);
  }

  const pageText = text(query.page);
  let page = 1;
  if (pageText !== null) {
    const parsed = integer(pageText);
    if (parsed === null) fail('query', 'page', 'The page field must be an integer.', pageText);
    else if (parsed < 1) fail('query', 'page', 'The page field must be at least 1.', pageText);
    else page = parsed;
  }

  const perPageText = text(query.per_page);
  let perPage = DEFAULT_PER_PAGE;
  if (perPageText !== null) {
    const parsed = integer(perPageText);
    if (parsed === null) fail('query', 'per_page', 'The per page field must be an integer.', perPageText);
    else if (parsed < 1 || parsed > MAX_PER_PAGE) {
      fail('query', 'per_page', `The per page field must be between 1 and ${MAX_PER_PAGE}.`, perPageText);
    } else perPage = parsed;
  }

  if (issues.length > 0) throw invalid(issues, 'The given data was invalid.');

  const window: WindowRequest =
    start !== null && end !== null
      ? { kind: 'dates', start, end }
      : { kind: 'range', range: (range as UsageRange | null) ?? '30d' };
  return {
    workspaceId,
    userId,
    type: typeText === null || typeText === 'all' ? null : (typeText as AgentType),
    window,
    page,
    perPage,
  };
}
