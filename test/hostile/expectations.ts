// What every answer to hostile input must look like: a status the surface documents (never a
// 5xx), the surface's own error body, and nothing of the server's insides (stack traces, SQL).
import type { Response as InjectResponse } from 'light-my-request';
import type { Surface } from './route-catalogue.js';

/**
 * Answers the request limits give on every surface (docs/limits.md): 400 malformed URL or too many
 * query parameters, 414 URL too long, 431 headers too large, 429 rate limited.
 */
const LIMIT_STATUSES = [400, 414, 429, 431];

export const DOCUMENTED_STATUSES: Record<Surface, number[]> = {
  activity: [200, 401, 403, 404, 422],
  'usage-history': [200, 401, 403, 422],
  'ai-usages': [200, 400, 401, 403, 404],
  workspace: [200, 401, 403, 404, 422],
  ingestion: [200, 207, 400, 401, 403, 413, 415],
  otlp: [200, 400, 401, 403, 413, 415],
  admin: [200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 422],
  infra: [200],
  schemas: [200, 404, 422],
  console: [200, 404, 422],
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const keysAre = (value: Record<string, unknown>, keys: string[]) =>
  Object.keys(value).sort().join(',') === [...keys].sort().join(',');

function isPydanticList(detail: unknown): boolean {
  return (
    Array.isArray(detail) &&
    detail.length > 0 &&
    detail.every(
      (item) =>
        isObject(item) &&
        typeof item.type === 'string' &&
        typeof item.msg === 'string' &&
        Array.isArray(item.loc) &&
        ['query', 'path', 'header', 'body'].includes(item.loc[0] as string) &&
        'input' in item &&
        isObject(item.ctx),
    )
  );
}

/** Whether `body` is `surface`'s error body for `status`. */
function isErrorShape(surface: Surface, status: number, body: unknown, contentType: string): boolean {
  if (!isObject(body)) return false;
  switch (surface) {
    case 'activity':
      if (status === 422) return keysAre(body, ['detail']) && isPydanticList(body.detail);
      return (
        keysAre(body, ['error', 'message', 'details', 'timestamp', 'status_code']) &&
        typeof body.error === 'string' &&
        /^[A-Z_]+$/.test(body.error) &&
        body.error !== 'INTERNAL_SERVER_ERROR' &&
        typeof body.message === 'string' &&
        isObject(body.details) &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(String(body.timestamp)) &&
        body.status_code === status
      );
    case 'usage-history':
      if (typeof body.message !== 'string') return false;
      if (status !== 422) return keysAre(body, ['message']);
      return (
        keysAre(body, ['message', 'errors']) &&
        isObject(body.errors) &&
        Object.values(body.errors).every(
          (list) => Array.isArray(list) && list.every((m) => typeof m === 'string'),
        )
      );
    case 'ai-usages':
    case 'infra':
      return (
        keysAre(body, ['statusCode', 'error', 'message']) &&
        body.statusCode === status &&
        typeof body.error === 'string' &&
        body.error !== 'Error' &&
        typeof body.message === 'string'
      );
    case 'otlp':
      return (
        contentType.startsWith('application/json') &&
        keysAre(body, ['code', 'message']) &&
        Number.isInteger(body.code) &&
        typeof body.message === 'string' &&
        body.message !== ''
      );
    case 'workspace':
      if (!keysAre(body, ['detail'])) return false;
      return status === 422 ? isPydanticList(body.detail) : typeof body.detail === 'string';
    case 'ingestion':
    case 'admin':
    case 'schemas':
    case 'console': {
      const base = ['type', 'title', 'status', 'detail'];
      const errors = body.errors;
      // A 422 lists its invalid fields; so does ingestion's 400 for the event of a one-event request.
      const listsErrors = status === 422 || (surface === 'ingestion' && status === 400 && 'errors' in body);
      return (
        contentType.startsWith('application/problem+json') &&
        keysAre(body, listsErrors ? [...base, 'errors'] : base) &&
        body.type === 'about:blank' &&
        typeof body.title === 'string' &&
        body.title !== 'Error' &&
        body.status === status &&
        typeof body.detail === 'string' &&
        (!listsErrors ||
          (Array.isArray(errors) &&
            errors.length > 0 &&
            errors.every((e) => isObject(e) && /^#/.test(String(e.pointer)) && typeof e.detail === 'string')))
      );
    }
  }
}

/** Signs of the server's insides: each only counts when the request did not carry it itself. */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\bat [^\n"]*\(?[^\s"()]+:\d+:\d+\)?/],
  ['node_modules path', /node_modules/],
  ['source location', /\.(ts|js|mjs):\d+/],
  ['SQL SELECT', /\bSELECT\b/i],
  ['SQL INSERT', /\bINSERT\b/i],
  ['SQL syntax error', /syntax error/i],
  ['SQL relation', /relation "/i],
  ['SQL column', /column "/i],
  ['SQL constraint', /violates|duplicate key/i],
  ['SQL input syntax', /invalid input syntax/i],
];

/** Decodes every run of valid percent-escapes, leaving malformed ones as they are. */
function lenientDecode(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Everything wrong with `response` as an answer of `surface` to `request`; empty when it is right. */
export function problemsWith(surface: Surface, request: SentRequest, response: InjectResponse): string[] {
  const problems: string[] = [];
  const status = response.statusCode;
  if (status >= 500) problems.push(`status ${status} is a server error`);
  if (!DOCUMENTED_STATUSES[surface].includes(status) && !LIMIT_STATUSES.includes(status)) {
    problems.push(`status ${status} is not one the ${surface} surface documents`);
  }
  const contentType = String(response.headers['content-type'] ?? '');
  // OTLP answers a protobuf request in protobuf (otlp.test.ts decodes those itself).
  if (surface === 'otlp' && contentType === 'application/x-protobuf') return problems;
  if (request.method !== 'HEAD' && status >= 400) {
    let body: unknown;
    try {
      body = response.json();
    } catch {
      problems.push('error body is not JSON');
    }
    if (body !== undefined && !isErrorShape(surface, status, body, contentType)) {
      problems.push(`error body is not the ${surface} surface's ${status} shape`);
    }
  }
  // The console's files are HTML, scripts and styles; every other success is JSON.
  const successIsJson = surface !== 'console';
  if (
    successIsJson &&
    request.method !== 'HEAD' &&
    status < 300 &&
    status !== 204 &&
    !contentType.includes('json')
  ) {
    problems.push(`success body is ${contentType || 'untyped'}, not JSON`);
  }
  // Success bodies show stored data, which earlier hostile requests may have filled; only an
  // error answer is the server speaking for itself.
  if (status < 400) return problems;
  const payload =
    typeof request.payload === 'string' ? request.payload : (request.payload?.toString('latin1') ?? '');
  const sent = [request.url, lenientDecode(request.url), JSON.stringify(request.headers), payload].join('\n');
  for (const [name, pattern] of LEAKS) {
    if (pattern.test(response.body) && !pattern.test(sent)) problems.push(`response shows a ${name}`);
  }
  return problems;
}
