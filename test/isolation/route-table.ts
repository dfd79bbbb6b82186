// Every route the app serves, mapped to how to call it against one tenant's resources, and to the
// guard that decides who may call it. The matrix fails when the app serves a route missing here
// (or this table names one the app no longer serves), so a new route cannot escape the matrix.
import type { RouteCall } from '../helpers/isolation.js';
import type { Tenant } from './tenant.js';
import { WRITE_ROUTES } from './write-routes.js';

export type Guard =
  | 'public'
  | 'activity-org'
  | 'activity-user'
  | 'activity-workspace'
  | 'activity-me'
  | 'usage-history'
  | 'ai-usages'
  | 'workspace'
  | 'admin-org'
  | 'admin-deployment'
  | 'ingest'
  | 'otlp';

export interface RouteSpec {
  guard: Guard;
  /** The calls addressing `target`'s resources (several when the route takes several id forms). */
  calls(target: Tenant): RouteCall[];
  /** Administration routes: what their 404 names for a caller outside the target org. */
  missing?(target: Tenant): { type: string; id: string };
}

const get = (url: string, headers?: Record<string, string>): RouteCall => ({
  method: 'GET',
  url,
  ...(headers ? { headers } : {}),
});
const allWorkspaces = (t: Tenant) => Object.values(t.workspaces);
const FORMS = ['str', 'int', 'uuid'] as const;
let nextForm = 0;
/**
 * A 004 route under one workspace. Each such route addresses one workspace, the next id form in
 * turn, so that the routes together cover every form at a third of the calls.
 */
const activityWs = (suffix: (t: Tenant) => string): RouteSpec => {
  const form = FORMS[nextForm++ % FORMS.length]!;
  return {
    guard: 'activity-workspace',
    calls: (t) => [get(`/v1/orgs/${t.org}/workspaces/${t.workspaces[form]}${suffix(t)}`)],
  };
};
/** The user the 004 user routes read: an org member with records of their own. */
const subject = (t: Tenant) => t.people.member!.id;

export const ROUTE_TABLE: Record<string, RouteSpec> = {
  'GET /healthz': { guard: 'public', calls: () => [get('/healthz')] },
  'GET /readyz': { guard: 'public', calls: () => [get('/readyz')] },
  'GET /openapi.json': { guard: 'public', calls: () => [get('/openapi.json')] },
  'GET /schemas/events': { guard: 'public', calls: () => [get('/schemas/events')] },
  'GET /schemas/events/:file': {
    guard: 'public',
    calls: () => [get('/schemas/events/activity.recorded.json')],
  },
  'GET /console': { guard: 'public', calls: () => [get('/console')] },
  'GET /console/': { guard: 'public', calls: () => [get('/console/')] },
  'GET /console/assets/:file': { guard: 'public', calls: () => [get('/console/assets/favicon.svg')] },

  'GET /v1/orgs/:org_id/activity': {
    guard: 'activity-org',
    calls: (t) => [get(`/v1/orgs/${t.org}/activity`)],
  },
  'GET /v1/orgs/:org_id/activity/summary': {
    guard: 'activity-org',
    calls: (t) => [get(`/v1/orgs/${t.org}/activity/summary`)],
  },
  'GET /v1/orgs/:org_id/users/:user_id/activity': {
    guard: 'activity-user',
    calls: (t) => [get(`/v1/orgs/${t.org}/users/${subject(t)}/activity`)],
  },
  'GET /v1/orgs/:org_id/users/:user_id/activity/summary': {
    guard: 'activity-user',
    calls: (t) => [get(`/v1/orgs/${t.org}/users/${subject(t)}/activity/summary`)],
  },
  'GET /v1/orgs/:org_id/me/activity': {
    guard: 'activity-me',
    calls: (t) => [get(`/v1/orgs/${t.org}/me/activity`)],
  },
  'GET /v1/orgs/:org_id/me/activity/summary': {
    guard: 'activity-me',
    calls: (t) => [get(`/v1/orgs/${t.org}/me/activity/summary`)],
  },
  'GET /v1/orgs/:org_id/insights/series': {
    guard: 'activity-org',
    calls: (t) => [get(`/v1/orgs/${t.org}/insights/series?metric=requests&group_by=workspace`)],
  },
  'GET /v1/orgs/:org_id/insights/top': {
    guard: 'activity-org',
    calls: (t) => [get(`/v1/orgs/${t.org}/insights/top?dimension=workspaces`)],
  },
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/insights/series': activityWs(
    () => '/insights/series?metric=requests&group_by=resource_type',
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/insights/top': activityWs(
    () => '/insights/top?dimension=users',
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/activity': activityWs(() => '/activity'),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/activity/summary': activityWs(() => '/activity/summary'),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/activity/search': activityWs(() => '/activity/search'),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/activity/actions/:action': activityWs(
    () => '/activity/actions/read',
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/activity': activityWs(
    (t) => `/apps/${t.attributes.app}/activity`,
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity': activityWs(
    (t) => `/apps/${t.attributes.app}/endpoints/${t.attributes.endpoint}/activity`,
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity/summary':
    activityWs((t) => `/apps/${t.attributes.app}/endpoints/${t.attributes.endpoint}/activity/summary`),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/augmentations/:augmentation_id/activity': activityWs(
    (t) => `/augmentations/${t.attributes.augmentation}/activity`,
  ),
  'GET /v1/orgs/:org_id/workspaces/:workspace_id/resources/:resource_id/activity': activityWs(
    (t) => `/resources/${t.attributes.resource}/activity`,
  ),

  // The user_id filter names the workspace owner, so that staff without usage:read_others are refused.
  'GET /workspaces/usage': {
    guard: 'usage-history',
    calls: (t) => [
      get(`/workspaces/usage?user_id=${t.people.wsOwner!.id}`, { 'x-workspace-id': t.workspaces.int }),
    ],
  },
  'GET /api/v1/workspace/:workspaceId/ai/usages': {
    guard: 'ai-usages',
    // By every id, and by the integer workspace's UUID alias (API.md §1).
    calls: (t) => [...allWorkspaces(t), t.intAlias].map((ws) => get(`/api/v1/workspace/${ws}/ai/usages`)),
  },
  'GET /api/v1/workspaces/:workspace_id': {
    guard: 'workspace',
    // By a UUID id, and by the integer workspace's UUID alias.
    calls: (t) => [get(`/api/v1/workspaces/${t.workspaces.uuid}`), get(`/api/v1/workspaces/${t.intAlias}`)],
  },

  ...WRITE_ROUTES,
};

/** Routes that only read: called in the caller's own scope too, and by the target's owner as a control. */
export function isRead(key: string): boolean {
  return key.startsWith('GET ');
}
