// Self-recording (API.md §4.3): every request Tally serves on an org's behalf becomes an activity
// record of that org. Records are buffered and written in batches off the request path; the
// buffer is flushed on an interval, when it fills, and on shutdown.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { type Principal, principalType } from '../auth/principal.js';
import type { Database, NewActivity } from '../db/schema.js';
import { uuidv7 } from '../ids.js';
import { insertActivities } from '../ledger/activity/insert.js';
import { tokensTotal } from '../ledger/activity/tokens-total.js';
import { isDatabaseUnavailable } from './errors.js';
import type { AuditConfig } from './request-context.js';

const FLUSH_INTERVAL_MS = 1_000;
const FLUSH_AT = 500;
/** Past this many unwritten records (database down), the oldest are dropped and counted. */
const BUFFER_LIMIT = 50_000;
/**
 * Attempts at a batch that fails for a reason other than an unreachable database (which is
 * retried for as long as it lasts): past this, the batch cannot be written and is dropped, so
 * it never blocks the records behind it.
 */
const MAX_ATTEMPTS_ON_OTHER_ERRORS = 3;

const ACTION_BY_METHOD: Record<string, string> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

export class ActivityRecorder {
  private buffer: NewActivity[] = [];
  /** The write running now, and the one callers arriving meanwhile share (at most one). */
  private current: Promise<void> = Promise.resolve();
  private next: Promise<void> | null = null;
  /** Consecutive failed writes; while non-zero only the interval retries (no write per request). */
  private failures = 0;
  private otherFailures = 0;
  private readonly timer: NodeJS.Timeout;
  dropped = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (error: unknown) => void,
    /** Told after each committed write (the rollup folder counts them). */
    private readonly onWritten: () => void = () => {},
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  push(record: NewActivity): void {
    this.buffer.push(record);
    if (this.buffer.length > BUFFER_LIMIT) {
      this.dropped += this.buffer.length - BUFFER_LIMIT;
      this.buffer.splice(0, this.buffer.length - BUFFER_LIMIT);
    }
    if (this.buffer.length >= FLUSH_AT && this.failures === 0) void this.flush();
  }

  /** How many records wait to be written (the database may be down). */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Writes everything buffered so far; resolves when it is committed (or the attempt failed and
   * the records are kept for the next one). Never rejects. One write runs at a time and callers
   * arriving meanwhile share the next, so a burst or an outage queues at most one more write.
   */
  flush(): Promise<void> {
    if (!this.next) {
      const next = this.current.then(() => {
        this.next = null;
        return this.write();
      });
      this.next = next;
      this.current = next;
    }
    return this.next;
  }

  private async write(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await insertActivities(this.db, batch);
      this.onWritten();
      this.failures = 0;
      this.otherFailures = 0;
    } catch (error) {
      // Reported once per streak: during an outage every interval fails the same way.
      if (this.failures === 0) this.onError(error);
      this.failures += 1;
      this.otherFailures = isDatabaseUnavailable(error) ? 0 : this.otherFailures + 1;
      if (this.otherFailures >= MAX_ATTEMPTS_ON_OTHER_ERRORS) {
        this.dropped += batch.length;
        this.otherFailures = 0;
        this.onError(error);
        return;
      }
      // Keep the records for the next attempt (the database may be restarting).
      this.buffer = batch.concat(this.buffer);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** Longer path parameters are not ids (the longest platform id is 128 characters). */
const MAX_RECORDED_PARAM_LENGTH = 128;

/**
 * A path parameter worth recording. A refused request's parameter may be anything the router let
 * through (kilobytes, NUL): stored, it would fail the whole batch's insert (NUL in text, an index
 * row over PostgreSQL's btree limit) and, retried, every later batch with it.
 */
function param(request: FastifyRequest, name: string): string | null {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string' || value === '' || value.length > MAX_RECORDED_PARAM_LENGTH) return null;
  return value.includes('\u0000') ? null : value;
}

const metadataByRoute = new Map<string | null, string>();

/** The record's metadata, serialized once per route (the routes are a fixed, small set). */
function routeMetadata(route: string | null): string {
  let metadata = metadataByRoute.get(route);
  if (metadata === undefined) {
    metadata = JSON.stringify({ source: 'tally', route });
    metadataByRoute.set(route, metadata);
  }
  return metadata;
}

/**
 * The record's user_id is the actor (§4.3): the user whose token made the request; for a service
 * token, the user a read route names (the platform reading on that user's behalf); otherwise none
 * (the deployment admin, a service token administering). A user an administration route addresses
 * is the record's resource, never its user_id, so "my activity" lists only what I did.
 */
function actorOf(
  request: FastifyRequest,
  principal: Principal,
  audit: AuditConfig | undefined,
): string | null {
  if (principal.kind === 'user') return principal.userId;
  if (principal.kind === 'service' && audit?.onBehalfOfParam) return param(request, audit.onBehalfOfParam);
  return null;
}

/** The activity record describing one served request, or null when no org is concerned. */
export function recordOfRequest(request: FastifyRequest, reply: FastifyReply): NewActivity | null {
  const principal = request.principal;
  if (!principal) return null;
  const orgId = principal.orgId ?? request.auditOrgId;
  if (!orgId) return null;
  const audit = request.routeOptions.config.audit;
  const status = reply.statusCode;
  const resourceId = audit?.resourceParam ? param(request, audit.resourceParam) : null;
  const path = request.url.split('?')[0] ?? request.url;
  return {
    org_id: orgId,
    id: uuidv7(),
    timestamp: new Date(Date.now() - reply.elapsedTime),
    trace_id: request.id,
    user_id: actorOf(request, principal, audit),
    workspace_id: request.auditWorkspaceId ?? param(request, 'workspace_id') ?? param(request, 'workspaceId'),
    app_id: param(request, 'app_id'),
    principal_type: principalType(principal),
    principal_id: principal.userId ?? principal.tokenId ?? 'deployment-admin',
    token_id: principal.tokenId,
    token_type: principal.kind,
    method: request.method,
    path,
    resource_type: audit?.resourceType ?? null,
    resource_id: resourceId,
    action: ACTION_BY_METHOD[request.method] ?? 'execute',
    status_code: status,
    success: status < 400,
    error_code: status >= 400 ? `HTTP_${status}` : null,
    duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
    execution_id: null,
    augmentation_id: param(request, 'augmentation_id'),
    stages_completed: null,
    total_stages: null,
    token_usage: null,
    metadata: routeMetadata(request.routeOptions.url ?? null),
    tokens_total: tokensTotal(null),
  };
}

export function installSelfRecording(app: FastifyInstance, recorder: ActivityRecorder): void {
  app.addHook('onResponse', (request, reply, done) => {
    const record = recordOfRequest(request, reply);
    if (record) recorder.push(record);
    done();
  });
}

/**
 * On the org-addressed read routes (activity, insights): a deployment-admin request is recorded
 * in the org its path names, once that org is known to exist (a 200, or a 403, which follows the
 * existence checks). The admin belongs to no org of its own.
 */
export function recordAdminReadsInPathOrg(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const orgId = (request.params as { org_id?: unknown } | undefined)?.org_id;
    if (request.principal?.kind === 'deployment_admin' && typeof orgId === 'string') {
      if (reply.statusCode === 200 || reply.statusCode === 403) request.auditOrgId = orgId;
    }
    done(null, payload);
  });
}
