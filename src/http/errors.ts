// Everything a handler or hook can throw, turned into the ledger's one error type. Surfaces render
// only TallyErrors; this is where framework and driver failures are classified, never by message.
import type { FastifyError, FastifyRequest } from 'fastify';
import { type FieldIssue, TallyError } from '../errors.js';
import { issuesFromValidation } from './validation-issues.js';

// Connection-level failures: the database is down or restarting, so the client should retry.
// SQLSTATE class 08 (connection exception) and 57P (operator intervention: shutdown, crash,
// starting up); Node's socket errors; and the few errors node-postgres and pg-pool raise
// without any code, which can only be told by their fixed wording.
const UNAVAILABLE_SQLSTATE_PREFIXES = ['08', '57P'];
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const UNAVAILABLE_DRIVER_MESSAGES = new Set([
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  // A transaction whose connection died: the ROLLBACK that follows fails with this, and it is
  // the error the caller sees.
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
]);

/** Whether `error` means the database cannot be reached right now (a retry may succeed). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (UNAVAILABLE_SQLSTATE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  if (typeof message === 'string' && UNAVAILABLE_DRIVER_MESSAGES.has(message)) return true;
  // pg-pool wraps a failed connection attempt; Node wraps socket errors in AggregateError.
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))
  ) {
    return true;
  }
  return isDatabaseUnavailable(cause, depth + 1);
}

export function toTallyError(error: unknown, request: FastifyRequest): TallyError {
  if (error instanceof TallyError) return error;
  const fastifyError = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const issues: FieldIssue[] = issuesFromValidation(
      fastifyError.validation as never,
      fastifyError.validationContext,
      request,
    );
    return new TallyError('invalid', 'Invalid request', { issues });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TallyError('unsupported_media_type', 'Unsupported content type');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TallyError('payload_too_large', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TallyError('bad_request', 'The request body is not valid JSON');
  }
  if (isDatabaseUnavailable(fastifyError)) {
    return new TallyError('unavailable', 'The database is unavailable; retry shortly', {
      retryAfterSeconds: 2,
    });
  }
  if (fastifyError.code === '57014') {
    return new TallyError('unavailable', 'The query took too long; retry shortly', { retryAfterSeconds: 1 });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new TallyError('payload_too_large', 'Request body is too large');
    if (status === 415) return new TallyError('unsupported_media_type', 'Unsupported content type');
    return new TallyError('bad_request', 'Bad request');
  }
  return new TallyError('internal', 'An unexpected error occurred');
}

/** The HTTP status the ledger's codes mean in every dialect; `invalid` is decided per surface. */
export const STATUS_BY_CODE = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid: 422,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  headers_too_large: 431,
  unsupported_media_type: 415,
  bad_request: 400,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;
