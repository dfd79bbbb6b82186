// What the Fastify plugin and the Express middleware share: turning one served request into an
// `activity.recorded` event. The framework adapters only say where the route template, status
// and timings are; the defaults and the redaction live here, once.
import type { ActivityData } from './events.js';
import type { TallyRecorder } from './recorder.js';
import { isoAt } from './time.js';

/** What the adapters know about a finished request, passed to the app's functions. */
export interface RequestFacts {
  method: string;
  /** The route template (`/v1/reports/:id`), never the raw URL; undefined when no route matched. */
  route: string | undefined;
  params: Record<string, string>;
  statusCode: number;
  durationMs: number;
}

export interface ResourceRef {
  type?: string;
  id?: string;
}

export interface RequestRecordingOptions<Req, Res> {
  /** Where the events go (only its `record` is used). */
  recorder: Pick<TallyRecorder, 'record'>;
  /** Requests not to record (health checks…); called when the request starts. */
  exclude?: (request: Req) => boolean;
  userId?: (request: Req, response: Res) => string | null | undefined;
  workspaceId?: (request: Req, response: Res) => string | null | undefined;
  appId?: (request: Req, response: Res) => string | null | undefined;
  traceId?: (request: Req, response: Res) => string | null | undefined;
  /** Default: {@link defaultResource} of the route template. */
  resource?: (request: Req, facts: RequestFacts) => ResourceRef | null | undefined;
  /** Default: {@link defaultAction} of the method. */
  action?: (request: Req, facts: RequestFacts) => string | null | undefined;
  /** Token counts by kind (`{ input, output }`), e.g. from what the handler stored on the response. */
  tokenUsage?: (request: Req, response: Res) => Record<string, number> | null | undefined;
  /** More fields for `metadata`. */
  metadata?: (request: Req, response: Res) => Record<string, unknown> | null | undefined;
  /** Record the request headers in `metadata.request.headers`, secrets redacted. Default false. */
  captureHeaders?: boolean;
  /** Record the parsed request body in `metadata.request.body`, secrets redacted. Default false. */
  captureBody?: boolean;
  /** More field names to redact (case-insensitive substrings), beside {@link SECRET_NAME}. */
  redact?: string[];
  /** Errors thrown by the functions above (the request is still recorded, without that field). */
  onError?: (error: unknown) => void;
}

const ACTIONS = new Map([
  ['GET', 'read'],
  ['HEAD', 'read'],
  ['POST', 'create'],
  ['PUT', 'update'],
  ['PATCH', 'update'],
  ['DELETE', 'delete'],
]);

/** GET/HEAD → read, POST → create, PUT/PATCH → update, DELETE → delete, else the method in lower case. */
export function defaultAction(method: string): string {
  return ACTIONS.get(method) ?? ACTIONS.get(method.toUpperCase()) ?? method.toLowerCase();
}

/** Segments that name an API, not a resource: `/v1`, `/api`. */
const PREFIX = /^(api|v\d+(\.\d+)*)$/i;
const isParam = (segment: string) =>
  segment.startsWith(':') || segment.includes('*') || segment.includes('{');

/**
 * The resource of a route template: its first static segment after any `/api` or `/v<n>` prefix
 * is the type, and the value of the parameter right after it, if any, is the id.
 * `/v1/reports/:id/share` → `{ type: 'reports', id: params.id }`; `/health` → `{ type: 'health' }`.
 */
/**
 * What a route template's default resource is made of, worked out once per template: the
 * template is the same string on every request of a route, and this runs on every request.
 */
interface RouteShape {
  type: string | undefined;
  /** The parameter whose value is the resource id. */
  param: string | undefined;
}
const shapes = new Map<string, RouteShape>();
const MAX_SHAPES = 4_096;

function routeShape(route: string): RouteShape {
  let shape = shapes.get(route);
  if (shape === undefined) {
    const segments = route.split('/').filter((s) => s !== '');
    const at = segments.findIndex((s) => !PREFIX.test(s) && !isParam(s));
    const next = at < 0 ? undefined : segments[at + 1];
    shape = {
      type: at < 0 ? undefined : segments[at]!.slice(0, 128),
      param: next?.startsWith(':') ? next.slice(1).replace(/[?+*].*$|\(.*$/, '') : undefined,
    };
    // Templates are few; the bound only guards against an app whose "templates" are raw URLs.
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(route, shape);
  }
  return shape;
}

export function defaultResource(route: string | undefined, params: Record<string, string>): ResourceRef {
  if (route === undefined) return {};
  const { type, param } = routeShape(route);
  if (type === undefined) return {};
  const id = param === undefined ? undefined : params[param];
  return typeof id === 'string' && id !== '' ? { type, id: id.slice(0, 256) } : { type };
}

/** Field names whose values are never recorded: matched as case-insensitive substrings. */
export const SECRET_NAME =
  /authorization|cookie|token|password|passwd|passphrase|secret|api[-_]?key|session|credential|private[-_]?key|signature|x-csrf|otp/i;

const REDACTED = '[REDACTED]';
const MAX_DEPTH = 16;

/** A copy of `value` with the values of secret-named fields replaced by `[REDACTED]`. */
export function redact(value: unknown, extra: readonly string[] = [], depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.map((v) => redact(v, extra, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const secret = SECRET_NAME.test(key) || extra.some((name) => lower.includes(name.toLowerCase()));
    out[key] = secret ? REDACTED : redact(v, extra, depth + 1);
  }
  return out;
}

/** Hands an error to the app's onError; a throwing onError is swallowed too. */
export function reportError(onError: ((error: unknown) => void) | undefined, error: unknown): void {
  try {
    onError?.(error);
  } catch {
    // nothing more to do: the host's request path must not notice
  }
}

const blank = (v: string | null | undefined): v is null | undefined =>
  v === null || v === undefined || v === '';

/** Calls one of the app's functions; what it throws goes to onError and counts as no answer. */
function ask<Req, Res, T>(
  fn: ((request: Req, response: Res) => T) | undefined,
  request: Req,
  response: Res,
  onError: ((error: unknown) => void) | undefined,
): T | undefined {
  if (fn === undefined) return undefined;
  try {
    return fn(request, response);
  } catch (error) {
    reportError(onError, error);
    return undefined;
  }
}

/** Builds and records the event. Never throws: the host's request path must not notice. */
export function recordRequest<Req, Res>(
  options: RequestRecordingOptions<Req, Res>,
  request: Req,
  response: Res,
  facts: RequestFacts,
  startedAt: number,
  captured: { headers?: unknown; body?: unknown },
): void {
  try {
    const onError = options.onError;
    // No `timestamp`: it defaults to the event's time, the request's start.
    const data: ActivityData = {
      method: facts.method.length > 16 ? facts.method.slice(0, 16) : facts.method,
      status_code: facts.statusCode,
      success: facts.statusCode < 400,
      // Microseconds are plenty; the rest is noise of the clock.
      duration_ms: Math.round(facts.durationMs * 1000) / 1000,
    };
    const route = facts.route;
    if (route !== undefined) data.path = route.length > 2048 ? route.slice(0, 2048) : route;
    const userId = ask(options.userId, request, response, onError);
    if (!blank(userId)) data.user_id = userId;
    const workspaceId = ask(options.workspaceId, request, response, onError);
    if (!blank(workspaceId)) data.workspace_id = workspaceId;
    const appId = ask(options.appId, request, response, onError);
    if (!blank(appId)) data.app_id = appId;
    const traceId = ask(options.traceId, request, response, onError);
    if (!blank(traceId)) data.trace_id = traceId;
    if (options.resource) {
      const resource = ask(options.resource, request, facts, onError);
      if (!blank(resource?.type)) data.resource_type = resource.type;
      if (!blank(resource?.id)) data.resource_id = resource.id;
    } else {
      const resource = defaultResource(route, facts.params);
      if (resource.type !== undefined) data.resource_type = resource.type;
      if (resource.id !== undefined) data.resource_id = resource.id;
    }
    const action = options.action
      ? ask(options.action, request, facts, onError)
      : defaultAction(facts.method);
    if (!blank(action)) data.action = action.length > 64 ? action.slice(0, 64) : action;
    const tokenUsage = ask(options.tokenUsage, request, response, onError);
    if (tokenUsage) data.token_usage = tokenUsage;
    if (options.metadata || options.captureHeaders || options.captureBody) {
      const metadata: Record<string, unknown> = {
        ...(ask(options.metadata, request, response, onError) ?? {}),
      };
      const extra = options.redact ?? [];
      if (options.captureHeaders || options.captureBody) {
        const captures: Record<string, unknown> = {};
        if (options.captureHeaders) captures.headers = redact(captured.headers, extra);
        if (options.captureBody && captured.body !== undefined) captures.body = redact(captured.body, extra);
        metadata.request = captures;
      }
      if (Object.keys(metadata).length > 0) data.metadata = metadata;
    }
    void options.recorder.record({ type: 'activity.recorded', time: isoAt(startedAt), data });
  } catch (error) {
    reportError(options.onError, error);
  }
}
