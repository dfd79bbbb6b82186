// Ledger rows → seed 000's camel-case usage objects, and the ledger's errors → its error body
// `{statusCode, error, message}` (the reason phrase in `error`; invalid parameters are a 400).
import type { FieldIssue } from '../../errors.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';
import { schemaNumber } from '../../http/json-body.js';
import type { AiUsagePage, AiUsageQuery, ListedAiUsage } from '../../ledger/ai-usages/list.js';
import { iso } from '../shared/time.js';

/** A usage as seed 000 shows it: one object shape, keys in the schema's order. */
function renderUsage(usage: ListedAiUsage, workspaceId: string) {
  // Numeric holds NaN, which the schema serializer refused; it wrote the infinities as null, and
  // so does JSON.stringify.
  schemaNumber(usage.cost, Number.isNaN);
  return {
    id: usage.id,
    workspaceId,
    toolType: usage.tool_type,
    status: usage.status,
    cost: usage.cost,
    inputData: usage.input_data,
    responseData: usage.response_data,
    createdAt: iso(usage.created_at),
    completedAt: iso(usage.completed_at),
  };
}

/**
 * The page's body (UsagesResponse) as JSON text, written by the native serializer over objects of
 * one shape instead of by the response schema's (issue #16, like the activity page:
 * src/surfaces/activity/page-json.ts). test/ai-usages/page-json.test.ts holds the two side by
 * side over hostile values.
 */
export function usagesPageJson(page: AiUsagePage, query: AiUsageQuery, workspaceId: string): string {
  return JSON.stringify({
    usages: page.usages.map((usage) => renderUsage(usage, workspaceId)),
    pagination: {
      total: page.total,
      limit: query.limit,
      offset: query.offset,
      hasMore: query.offset + page.usages.length < page.total,
    },
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const PREFIX: Record<FieldIssue['location'], string> = {
  query: 'querystring',
  path: 'params',
  header: 'headers',
  body: 'body',
};

/** Fastify's own wording for schema failures: `querystring/limit must be <= 100`. */
function issueText(issue: FieldIssue): string {
  return `${[PREFIX[issue.location], ...issue.field].join('/')} ${issue.message}`;
}

export const usagesDialect: Dialect = (error) => {
  const status = error.code === 'invalid' ? 400 : STATUS_BY_CODE[error.code];
  let message: string;
  switch (error.code) {
    case 'invalid':
      message = (error.details.issues ?? []).map(issueText).join(', ') || 'Invalid query parameters';
      break;
    case 'unauthenticated':
      message = 'Missing or invalid authentication token';
      break;
    case 'forbidden':
      message = 'You do not have permission to list the AI tool usages of this workspace';
      break;
    case 'not_found':
      message = 'Workspace not found';
      break;
    case 'internal':
      message = 'An unexpected error occurred while processing the request';
      break;
    default:
      message = error.message;
  }
  return { status, body: { statusCode: status, error: REASONS[status] ?? 'Error', message } };
};
