// The activity surface's error dialect (seed 004): FastAPI's envelope
// `{error, message, details, timestamp, status_code}` and, for 422, pydantic's `{detail: [...]}`.
import type { FastifyRequest } from 'fastify';
import type { FieldIssue, TallyError } from '../../errors.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';
import { pydanticErrors } from '../shared/fastapi-validation.js';

const ENVELOPES: Record<string, { error: string; message: string }> = {
  unauthenticated: { error: 'AUTHENTICATION_FAILED', message: 'Authentication required' },
  forbidden: { error: 'FORBIDDEN', message: "You don't have permission to perform this action" },
  not_found: { error: 'RESOURCE_NOT_FOUND', message: 'The requested resource was not found' },
  conflict: { error: 'CONFLICT', message: 'The request conflicts with the current state' },
  payload_too_large: { error: 'PAYLOAD_TOO_LARGE', message: 'The request is too large' },
  uri_too_long: { error: 'URI_TOO_LONG', message: 'The request URL is too long' },
  headers_too_large: { error: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
  unsupported_media_type: { error: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type' },
  bad_request: { error: 'BAD_REQUEST', message: 'Bad request' },
  rate_limited: { error: 'RATE_LIMITED', message: 'Too many requests' },
  unavailable: { error: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable' },
  internal: { error: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred' },
};

/** The seed's envelope time: UTC with microseconds and no offset, `2025-01-01T00:00:00.000000`. */
export function envelopeTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000`;
}

/** pydantic echoes a query parameter as the string that was sent, before any coercion. */
function rawQuery(request: FastifyRequest): URLSearchParams {
  const question = request.url.indexOf('?');
  return new URLSearchParams(question === -1 ? '' : request.url.slice(question + 1));
}

function withRawInputs(issues: FieldIssue[], request: FastifyRequest): FieldIssue[] {
  const query = rawQuery(request);
  return issues.map((issue) => {
    if (issue.location !== 'query' || issue.field.length !== 1 || issue.kind === 'missing') return issue;
    const values = query.getAll(String(issue.field[0]));
    return values.length === 0 ? issue : { ...issue, input: values.at(-1) };
  });
}

function details(error: TallyError): Record<string, unknown> {
  if (error.code === 'forbidden') return { required_permission: error.details.permission ?? null };
  if (error.code === 'not_found') {
    return {
      resource_type: error.details.resourceType ?? null,
      resource_id: error.details.resourceId ?? null,
    };
  }
  return {};
}

export const activityDialect: Dialect = (error, request) => {
  const status = STATUS_BY_CODE[error.code];
  if (error.code === 'invalid') {
    return { status, body: { detail: pydanticErrors(withRawInputs(error.details.issues ?? [], request)) } };
  }
  const envelope = ENVELOPES[error.code] ?? ENVELOPES.internal!;
  const now = (request.server as { deps?: { now(): Date } }).deps?.now() ?? new Date();
  return {
    status,
    body: {
      error: envelope.error,
      message: envelope.message,
      details: details(error),
      timestamp: envelopeTimestamp(now),
      status_code: status,
    },
  };
};
