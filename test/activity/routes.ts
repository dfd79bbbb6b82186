// The activity surface's routes, described once for the table-driven tests: how to address each
// and which fixture records it selects.
import type { FixtureRecord, World } from './fixtures.js';

export interface ListingRoute {
  name: string;
  url(w: World): string;
  select(w: World): (record: FixtureRecord) => boolean;
  /** The token that reads it (default: the org owner's). */
  token?(w: World): string;
}

const inWs = (w: World) => (r: FixtureRecord) => r.workspace_id === w.workspaceId;

export const LISTINGS: ListingRoute[] = [
  { name: 'org', url: (w) => `/v1/orgs/${w.orgId}/activity`, select: () => () => true },
  { name: 'workspace', url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity`, select: inWs },
  {
    name: 'user',
    url: (w) => `/v1/orgs/${w.orgId}/users/${w.userIds[1]}/activity`,
    select: (w) => (r) => r.user_id === w.userIds[1],
  },
  {
    name: 'user in workspace',
    url: (w) => `/v1/orgs/${w.orgId}/users/${w.userIds[1]}/activity?workspace_id=${w.workspaceId}`,
    select: (w) => (r) => r.user_id === w.userIds[1] && r.workspace_id === w.workspaceId,
  },
  {
    name: 'app',
    url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/apps/${w.apps[0]}/activity`,
    select: (w) => (r) => inWs(w)(r) && r.app_id === w.apps[0],
  },
  {
    name: 'endpoint',
    url: (w) =>
      `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/apps/${w.apps[0]}/endpoints/${w.endpoints[0]}/activity`,
    select: (w) => (r) =>
      inWs(w)(r) &&
      r.app_id === w.apps[0] &&
      r.resource_type === 'endpoint' &&
      r.resource_id === w.endpoints[0],
  },
  {
    name: 'augmentation',
    url: (w) =>
      `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/augmentations/${w.augmentations[0]}/activity`,
    select: (w) => (r) => inWs(w)(r) && r.augmentation_id === w.augmentations[0],
  },
  {
    name: 'action',
    url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/actions/read`,
    select: (w) => (r) => inWs(w)(r) && r.action === 'read',
  },
  {
    name: 'resource',
    url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/resources/${w.resources[0]}/activity`,
    select: (w) => (r) => inWs(w)(r) && r.resource_id === w.resources[0],
  },
  {
    name: 'search',
    url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/search`,
    select: inWs,
  },
  {
    name: 'me',
    url: (w) => `/v1/orgs/${w.orgId}/me/activity`,
    select: (w) => (r) => r.user_id === w.ownerId,
  },
  {
    name: 'me in workspace',
    url: (w) => `/v1/orgs/${w.orgId}/me/activity?workspace_id=${w.otherWorkspaceId}`,
    select: (w) => (r) => r.user_id === w.ownerId && r.workspace_id === w.otherWorkspaceId,
  },
];

export interface SummaryRoute {
  name: string;
  url(w: World): string;
  select(w: World): (record: FixtureRecord) => boolean;
}

export const SUMMARIES: SummaryRoute[] = [
  { name: 'org', url: (w) => `/v1/orgs/${w.orgId}/activity/summary`, select: () => () => true },
  {
    name: 'workspace',
    url: (w) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/summary`,
    select: inWs,
  },
  {
    name: 'user',
    url: (w) => `/v1/orgs/${w.orgId}/users/${w.userIds[2]}/activity/summary`,
    select: (w) => (r) => r.user_id === w.userIds[2],
  },
  {
    name: 'endpoint',
    url: (w) =>
      `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/apps/${w.apps[1]}/endpoints/${w.endpoints[1]}/activity/summary`,
    select: (w) => (r) =>
      inWs(w)(r) &&
      r.app_id === w.apps[1] &&
      r.resource_type === 'endpoint' &&
      r.resource_id === w.endpoints[1],
  },
  {
    name: 'me',
    url: (w) => `/v1/orgs/${w.orgId}/me/activity/summary`,
    select: (w) => (r) => r.user_id === w.ownerId,
  },
];

/** Appends query parameters to a route's URL (which may already carry some). */
export function withQuery(url: string, query: string): string {
  return query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`;
}
