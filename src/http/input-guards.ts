// Guards on what a request may carry, checked for every route and answered in the surface's own
// error format (see limits.ts for the values and docs/limits.md for the table):
// - after authentication, the request's size: URL (414), query parameters (400), headers (431);
// - before validation, inputs that pass schema validation but must never reach the database:
//   - a numeral too large for a double ("1e400"): Ajv coerces it to Infinity and then skips the
//     field's minimum/maximum, so it would reach SQL as Infinity;
//   - a NUL character: PostgreSQL text and jsonb cannot hold one, so it would fail the query;
//   - a lone UTF-16 surrogate (a JSON "\uD800" escape): PostgreSQL's json parser refuses it;
//   - JSON nested deeper than MAX_JSON_DEPTH: serialising it would overflow the stack.
// The router's own refusals (a malformed percent-encoding, an over-long path parameter) happen
// before any route, hence any surface, is known: answerFrameworkError picks the surface by path,
// among the prefixes the installed surfaces registered (dialect.ts).
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldIssue, invalid, TallyError } from '../errors.js';
import { tooDeepPath } from '../json-depth.js';
import { loneSurrogatePath, nulPath } from '../nul.js';
import { type Dialect, type DialectRegistry, sendError } from './dialect.js';
import { STATUS_BY_CODE } from './errors.js';
import {
  MAX_HEADER_BYTES,
  MAX_HEADER_COUNT,
  MAX_JSON_DEPTH,
  MAX_QUERY_PARAMETERS,
  MAX_URL_BYTES,
} from './limits.js';

interface SchemaLike {
  properties?: Record<string, { type?: unknown }>;
}

function overflowIssues(values: unknown, schema: unknown, location: FieldIssue['location']): FieldIssue[] {
  const properties = (schema as SchemaLike | undefined)?.properties;
  if (!properties || values === null || typeof values !== 'object') return [];
  const issues: FieldIssue[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.type !== 'integer' && property.type !== 'number') continue;
    const raw = (values as Record<string, unknown>)[name];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string' || value.trim() === '') continue;
      const number = Number(value);
      if (Number.isNaN(number) || Number.isFinite(number)) continue;
      issues.push({
        location,
        field: [name],
        kind: property.type === 'integer' ? 'int_parsing' : 'float_parsing',
        message: `must be a ${property.type === 'integer' ? 'whole number' : 'number'} within range`,
        input: value,
      });
      break;
    }
  }
  return issues;
}

/** Only what the route reads (declares in its schema) is checked: /healthz ignores its query. */
function unsafeValueIssues(request: FastifyRequest): FieldIssue[] {
  const schema = request.routeOptions.schema;
  const issues: FieldIssue[] = [];
  for (const [location, value] of [
    ['path', schema?.params ? request.params : null],
    ['query', schema?.querystring ? request.query : null],
    ['body', schema?.body && !Buffer.isBuffer(request.body) ? request.body : null],
  ] as const) {
    // Depth first: the NUL check recurses, so it only ever sees values of bounded depth.
    const deep = tooDeepPath(value, MAX_JSON_DEPTH);
    if (deep) {
      issues.push({
        location,
        field: deep,
        kind: 'value_error',
        message: `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
        input: null,
      });
      continue;
    }
    const path = nulPath(value);
    if (path) {
      issues.push({
        location,
        field: path,
        kind: 'value_error',
        message: 'must not contain NUL (\\u0000) characters',
        input: null,
      });
      continue;
    }
    const surrogate = loneSurrogatePath(value);
    if (surrogate) {
      issues.push({
        location,
        field: surrogate,
        kind: 'value_error',
        message: 'must be well-formed Unicode (no lone UTF-16 surrogates)',
        input: null,
      });
    }
  }
  return issues;
}

function queryParameterCount(url: string): number {
  const question = url.indexOf('?');
  if (question === -1) return 0;
  let count = 0;
  for (const pair of url.slice(question + 1).split('&')) if (pair !== '') count += 1;
  return count;
}

/** Header bytes as they came on the wire: `name: value\r\n` per field. */
function headerSize(request: FastifyRequest): { bytes: number; count: number } {
  const raw = request.raw.rawHeaders;
  let bytes = 0;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    bytes += Buffer.byteLength(raw[index]!, 'latin1') + Buffer.byteLength(raw[index + 1]!, 'latin1') + 4;
  }
  return { bytes, count: raw.length / 2 };
}

/** The limit a request's URL or headers break, as the error to answer, or null. */
export function requestSizeError(request: FastifyRequest): TallyError | null {
  if (Buffer.byteLength(request.url) > MAX_URL_BYTES) {
    return new TallyError('uri_too_long', `The request URL is longer than ${MAX_URL_BYTES} bytes`);
  }
  if (queryParameterCount(request.url) > MAX_QUERY_PARAMETERS) {
    return new TallyError('bad_request', `The query string has more than ${MAX_QUERY_PARAMETERS} parameters`);
  }
  const headers = headerSize(request);
  if (headers.bytes > MAX_HEADER_BYTES || headers.count > MAX_HEADER_COUNT) {
    return new TallyError(
      'headers_too_large',
      `The request headers exceed ${MAX_HEADER_COUNT} fields or ${MAX_HEADER_BYTES} bytes`,
    );
  }
  return null;
}

export function installInputGuards(app: FastifyInstance, dialects: DialectRegistry): void {
  app.decorate('dialects', dialects);
  // Errors raised outside every surface plugin (a guard on the health or OpenAPI routes, say) are
  // rendered like the router's: in the format of the surface the path belongs to, if any.
  app.setErrorHandler((error, request, reply) =>
    sendError(error, request, reply, dialects.ofPath(request.url, fastifyDialect)),
  );
  // Request bodies are JSON (ingestion reads its own); Fastify's default text/plain parser would
  // hand a string to schemas expecting an object, a 422 where the honest answer is a 415.
  app.removeContentTypeParser('text/plain');
  // Callback form: neither waits (an async hook costs a promise per request).
  app.addHook('onRequest', (request, _reply, done) => {
    done(requestSizeError(request) ?? undefined);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const schema = request.routeOptions.schema;
    const issues: FieldIssue[] = [
      ...overflowIssues(request.query, schema?.querystring, 'query'),
      ...overflowIssues(request.params, schema?.params, 'path'),
      ...unsafeValueIssues(request),
    ];
    done(issues.length > 0 ? invalid(issues) : undefined);
  });
}

/** Fastify's own body for paths outside every surface (health, OpenAPI, unknown routes). */
const fastifyDialect: Dialect = (error) => {
  const status = STATUS_BY_CODE[error.code];
  return {
    status,
    body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: error.message },
  };
};

/** Fastify's `frameworkErrors`: the router refused the URL before any route was found. */
export function answerFrameworkError(
  dialects: DialectRegistry,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let answer: unknown = error;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    answer = new TallyError('uri_too_long', 'A path segment of the request URL is too long');
  } else if (error.code === 'FST_ERR_BAD_URL') {
    answer = new TallyError('bad_request', 'The request URL is malformed (invalid percent-encoding)');
  }
  void sendError(answer, request, reply, dialects.ofPath(request.url, fastifyDialect));
}
