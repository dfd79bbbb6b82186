// What the Fastify plugin and the Express middleware share: turning one served request into an
// `activity.recorded` event. The framework adapters only say where the route template, status
// and timings are; the defaults and the redaction live here, once.
import type { ActivityData } from './events.js';
import type { TallyRecorder } from './recorder.js';

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

const ACTIONS: Record<string, string> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

/** GET/HEAD → read, POST → create, PUT/PATCH → update, DELETE → delete, else the method in lower case. */
export function defaultAction(method: string): string {
  return ACTIONS[method.toUpperCase()] ?? method.toLowerCase();
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
export function defaultResource(route: string | undefined, params: Record<string, string>): ResourceRef {
  if (route === undefined) return {};
  const segments = route.split('/').filter((s) => s !== '');
  const at = segments.findIndex((s) => !PREFIX.test(s) && !isParam(s));
  if (at < 0) return {};
  const type = segments[at]!.slice(0, 128);
  const next = segments[at + 1];
  if (next?.startsWith(':')) {
    const name = next.slice(1).replace(/[?+*].*$|\(.*$/, '');
    const id = params[name];
    if (typeof id === 'string' && id !== '') return { type, id: id.slice(0, 256) };
  }
  return { type };
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
    const call = <T>(fn: (() => T) | undefined): T | undefined => {
      if (!fn) return undefined;
      try {
        return fn();
      } catch (error) {
        reportError(options.onError, error);
        return undefined;
      }
    };
    const resource = options.resource
      ? call(() => options.resource!(request, facts))
      : defaultResource(facts.route, facts.params);
    const action = options.action ? call(() => options.action!(request, facts)) : defaultAction(facts.method);
    // No `timestamp`: it defaults to the event's time, the request's start.
    const data: ActivityData = {
      method: facts.method.slice(0, 16),
      status_code: facts.statusCode,
      success: facts.statusCode < 400,
      // Microseconds are plenty; the rest is noise of the clock.
      duration_ms: Math.round(facts.durationMs * 1000) / 1000,
    };
    if (facts.route !== undefined) data.path = facts.route.slice(0, 2048);
    const userId = call(() => options.userId?.(request, response));
    if (!blank(userId)) data.user_id = userId;
    const workspaceId = call(() => options.workspaceId?.(request, response));
    if (!blank(workspaceId)) data.workspace_id = workspaceId;
    const appId = call(() => options.appId?.(request, response));
    if (!blank(appId)) data.app_id = appId;
    const traceId = call(() => options.traceId?.(request, response));
    if (!blank(traceId)) data.trace_id = traceId;
    if (!blank(resource?.type)) data.resource_type = resource.type;
    if (!blank(resource?.id)) data.resource_id = resource.id;
    if (!blank(action)) data.action = action.slice(0, 64);
    const tokenUsage = call(() => options.tokenUsage?.(request, response));
    if (tokenUsage) data.token_usage = tokenUsage;
    const metadata: Record<string, unknown> = {
      ...(call(() => options.metadata?.(request, response)) ?? {}),
    };
    const extra = options.redact ?? [];
    if (options.captureHeaders || options.captureBody) {
      const captures: Record<string, unknown> = {};
      if (options.captureHeaders) captures.headers = redact(captured.headers, extra);
      if (options.captureBody && captured.body !== undefined) captures.body = redact(captured.body, extra);
      metadata.request = captures;
    }
    if (Object.keys(metadata).length > 0) data.metadata = metadata;
    void options.recorder.record({ type: 'activity.recorded', time: new Date(startedAt), data });
  } catch (error) {
    reportError(options.onError, error);
  }
}
