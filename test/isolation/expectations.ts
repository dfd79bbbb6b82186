// What each guard answers, in its surface's dialect: to callers outside the target org (its "not
// yours" answer, API.md §2: 404 as if the resource did not exist, 403 in usage history; 401 without
// a valid token) and to the target org's own callers who lack the ability, role or permission.
import type { Guard, RouteSpec } from './route-table.js';
import type { Credential, Tenant } from './tenant.js';
import { INGEST_PROBE_EVENTS, OTLP_PROBE_SPANS } from './write-routes.js';

export interface Expected {
  status: number;
  /** Exact body (after dropping the volatile 004 envelope `timestamp`). */
  body: unknown;
}

type Surface = 'public' | 'activity' | 'usage-history' | 'ai-usages' | 'workspace' | 'problem' | 'otlp';

function surfaceOf(guard: Guard): Surface {
  if (guard.startsWith('activity-')) return 'activity';
  if (guard === 'admin-org' || guard === 'admin-deployment' || guard === 'ingest') return 'problem';
  if (guard === 'otlp') return 'otlp';
  return guard as Surface;
}

const UNAUTHENTICATED: Record<Exclude<Surface, 'public'>, unknown> = {
  activity: {
    error: 'AUTHENTICATION_FAILED',
    message: 'Authentication required',
    details: {},
    status_code: 401,
  },
  'usage-history': { message: 'Unauthenticated.' },
  'ai-usages': { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid authentication token' },
  workspace: { detail: 'Not authenticated' },
  problem: { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Authentication required' },
  // google.rpc.Status, code 16 UNAUTHENTICATED.
  otlp: { code: 16, message: 'Authentication required' },
};

function forbidden(surface: Surface, permission: string): Expected {
  switch (surface) {
    case 'activity':
      return {
        status: 403,
        body: {
          error: 'FORBIDDEN',
          message: "You don't have permission to perform this action",
          details: { required_permission: permission },
          status_code: 403,
        },
      };
    case 'usage-history':
      return {
        status: 403,
        body: {
          message:
            permission === 'ability:use_agents'
              ? 'Invalid ability provided.'
              : 'This action is unauthorized.',
        },
      };
    case 'ai-usages':
      return {
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          message: 'You do not have permission to list the AI tool usages of this workspace',
        },
      };
    case 'workspace':
      return { status: 403, body: { detail: 'Not enough permissions' } };
    case 'otlp':
      return {
        status: 403,
        body: { code: 7, message: `This token may not do this (requires ${permission})` },
      };
    default:
      return {
        status: 403,
        body: {
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail: `This token may not do this (requires ${permission})`,
        },
      };
  }
}

const has = (c: Credential, ability: string) => c.abilities.includes('*') || c.abilities.includes(ability);
/** Org owners and admins and service tokens act as admins of their org (API.md §2). */
const orgLevel = (c: Credential) =>
  c.kind === 'service' || c.person?.orgRole === 'owner' || c.person?.orgRole === 'admin';
/** A permission on the target's workspaces: org level, workspace owners, staff granted it. */
const holds = (c: Credential, permission: string) =>
  orgLevel(c) || c.person?.workspaceRole === 'owner' || (c.person?.permissions.includes(permission) ?? false);

/**
 * The answer to a caller of the target org: null when allowed, else the refusal. Order of checks
 * per guard as documented in docs/decisions.md.
 */
export function insiderRefusal(guard: Guard, c: Credential, target: Tenant): Expected | null {
  const surface = surfaceOf(guard);
  const need = (ability: string, permitted: boolean, permission: string) =>
    !has(c, ability)
      ? forbidden(surface, `ability:${ability}`)
      : permitted
        ? null
        : forbidden(surface, permission);
  switch (guard) {
    case 'public':
      return null;
    case 'activity-org':
      return need('read', orgLevel(c), 'activity:read');
    case 'activity-user':
      return need('read', orgLevel(c) || c.person?.id === target.people.member!.id, 'activity:read');
    case 'activity-workspace':
      return need('read', holds(c, 'activity:read'), 'activity:read');
    case 'activity-me':
      return need('read', c.kind === 'user', 'user_token');
    case 'usage-history': {
      if (!has(c, 'use_agents')) return forbidden(surface, 'ability:use_agents');
      const member = orgLevel(c) || (c.person?.workspaceRole ?? null) !== null;
      const seesOwner = holds(c, 'usage:read_others') || c.person?.id === target.people.wsOwner!.id;
      return member && seesOwner ? null : forbidden(surface, 'workspace:access');
    }
    case 'ai-usages':
      return need('read', holds(c, 'ai_usage:read'), 'ai_usage:read');
    case 'workspace':
      return need('read', holds(c, 'workspace:read'), 'workspace:read');
    case 'admin-org':
      return need('admin', orgLevel(c), 'admin');
    case 'admin-deployment':
      return forbidden(surface, 'deployment_admin');
    case 'ingest':
    case 'otlp':
      return need('ingest', orgLevel(c), 'ingest');
  }
}

/** The answer to a caller outside the target org (another org's token, or no valid token). */
export function outsiderAnswer(
  spec: RouteSpec,
  c: Credential,
  target: Tenant,
): Expected | 'ingest-rejected' | 'otlp-rejected' {
  const surface = surfaceOf(spec.guard);
  if (surface === 'public') return { status: 200, body: undefined };
  if (c.kind === 'anonymous') return { status: 401, body: UNAUTHENTICATED[surface] };
  switch (surface) {
    case 'activity':
      return {
        status: 404,
        body: {
          error: 'RESOURCE_NOT_FOUND',
          message: 'The requested resource was not found',
          details: { resource_type: 'org', resource_id: target.org },
          status_code: 404,
        },
      };
    case 'usage-history':
      return forbidden(surface, has(c, 'use_agents') ? 'workspace:access' : 'ability:use_agents');
    case 'ai-usages':
      return { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Workspace not found' } };
    case 'workspace':
      return { status: 404, body: { detail: 'Workspace not found' } };
  }
  if (spec.guard === 'admin-deployment') return forbidden(surface, 'deployment_admin');
  if (spec.guard === 'ingest') return insiderRefusal('ingest', c, target) ?? 'ingest-rejected';
  if (spec.guard === 'otlp') return insiderRefusal('otlp', c, target) ?? 'otlp-rejected';
  const missing = spec.missing!(target);
  return {
    status: 404,
    body: {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: `${missing.type} "${missing.id}" was not found`,
    },
  };
}

/** An outsider's allowed ingest: nothing accepted, every event rejected on its own. */
export const INGEST_REJECTED = { status: 207, accepted: 0, duplicates: 0, rejected: INGEST_PROBE_EVENTS };
/** An outsider's allowed OTLP export: every span rejected on its own, counted in partialSuccess. */
export const OTLP_REJECTED = { status: 200, rejectedSpans: String(OTLP_PROBE_SPANS) };
