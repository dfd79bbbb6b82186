// Which routes the hostile-input tests cover, and how to find the routes the app really serves.
// Every route the app serves must be in CATALOGUE (the coverage test compares the two), so a new
// route fails the suite until it has a surface and a group here, and thus hostile tests.
import type { FastifyInstance } from 'fastify';

export type Surface =
  | 'activity'
  | 'usage-history'
  | 'ai-usages'
  | 'workspace'
  | 'ingestion'
  /** OTLP/HTTP: google.rpc.Status bodies, protobuf or JSON as the request was. */
  | 'otlp'
  | 'admin'
  | 'infra'
  /** The JSON Schemas of ingestion events: public, problem details like ingestion. */
  | 'schemas'
  /** The web console's static files: public, HTML/JS/CSS, errors in problem details. */
  | 'console';
export type Group = 'read' | 'ingest' | 'admin';

export interface CataloguedRoute {
  /** `METHOD /path/:param`, as Fastify registers it. */
  key: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  surface: Surface;
  group: Group;
}

const ACTIVITY = [
  '/v1/orgs/:org_id/activity',
  '/v1/orgs/:org_id/activity/summary',
  '/v1/orgs/:org_id/workspaces/:workspace_id/activity',
  '/v1/orgs/:org_id/workspaces/:workspace_id/activity/summary',
  '/v1/orgs/:org_id/workspaces/:workspace_id/activity/search',
  '/v1/orgs/:org_id/workspaces/:workspace_id/activity/actions/:action',
  '/v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/activity',
  '/v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity',
  '/v1/orgs/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity/summary',
  '/v1/orgs/:org_id/workspaces/:workspace_id/augmentations/:augmentation_id/activity',
  '/v1/orgs/:org_id/workspaces/:workspace_id/resources/:resource_id/activity',
  '/v1/orgs/:org_id/users/:user_id/activity',
  '/v1/orgs/:org_id/users/:user_id/activity/summary',
  '/v1/orgs/:org_id/me/activity',
  '/v1/orgs/:org_id/me/activity/summary',
  // Insights (issue #15): the activity surface's conventions, dialect and permissions.
  '/v1/orgs/:org_id/insights/series',
  '/v1/orgs/:org_id/insights/top',
  '/v1/orgs/:org_id/workspaces/:workspace_id/insights/series',
  '/v1/orgs/:org_id/workspaces/:workspace_id/insights/top',
];

const ADMIN: [CataloguedRoute['method'], string][] = [
  ['POST', '/v1/admin/orgs'],
  ['PUT', '/v1/admin/orgs/:org_id/users/:user_id'],
  ['PUT', '/v1/admin/orgs/:org_id/workspaces/:workspace_id'],
  ['PUT', '/v1/admin/orgs/:org_id/agents/:agent_id'],
  ['POST', '/v1/admin/orgs/:org_id/tokens'],
  ['GET', '/v1/admin/orgs/:org_id/tokens'],
  ['PUT', '/v1/admin/workspaces/:workspace_id/members/:user_id'],
  ['PUT', '/v1/admin/workspaces/:workspace_id/hired-agent'],
  ['PUT', '/v1/admin/workspaces/:workspace_id/integrations/:provider'],
  ['DELETE', '/v1/admin/workspaces/:workspace_id/integrations/:provider'],
  ['DELETE', '/v1/admin/tokens/:token_id'],
];

function route(
  method: CataloguedRoute['method'],
  path: string,
  surface: Surface,
  group: Group,
): CataloguedRoute {
  return { key: `${method} ${path}`, method, path, surface, group };
}

export const CATALOGUE: CataloguedRoute[] = [
  ...ACTIVITY.map((path) => route('GET', path, 'activity', 'read')),
  route('GET', '/workspaces/usage', 'usage-history', 'read'),
  route('GET', '/api/v1/workspace/:workspaceId/ai/usages', 'ai-usages', 'read'),
  route('GET', '/api/v1/workspaces/:workspace_id', 'workspace', 'read'),
  route('GET', '/healthz', 'infra', 'read'),
  route('GET', '/readyz', 'infra', 'read'),
  route('GET', '/openapi.json', 'infra', 'read'),
  route('GET', '/schemas/events', 'schemas', 'read'),
  route('GET', '/schemas/events/:file', 'schemas', 'read'),
  route('GET', '/console', 'console', 'read'),
  route('GET', '/console/', 'console', 'read'),
  route('GET', '/console/assets/:file', 'console', 'read'),
  route('POST', '/v1/ingest', 'ingestion', 'ingest'),
  route('POST', '/otlp/v1/traces', 'otlp', 'ingest'),
  ...ADMIN.map(([method, path]) => route(method, path, 'admin', 'admin')),
];

/**
 * The names under which a request carries a date or a time: query parameters of the read routes,
 * fields of administration bodies, and CloudEvent attributes and data fields. Each is attacked
 * with hostileDates (hostile-text.ts) besides the general hostile values, so the whole class (out
 * of range, impossible, oddly written) reaches every route that takes one.
 */
export const DATE_QUERY_PARAMETERS = new Set(['start_time', 'end_time', 'start_date', 'end_date']);
export const DATE_BODY_FIELDS = new Set([
  'expires_at',
  'time',
  'timestamp',
  'created_at',
  'createdAt',
  'completedAt',
]);

export const routesOf = (group: Group) => CATALOGUE.filter((entry) => entry.group === group);

/**
 * Every `METHOD /path` the app serves, read from Fastify's route tree (which, unlike the OpenAPI
 * document, includes hidden routes). HEAD routes are Fastify's automatic twins of GET routes and
 * are tested through them, so they are left out.
 */
export function servedRoutes(app: FastifyInstance): string[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack.push(path);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

interface OpenApiParameter {
  name: string;
  in: 'query' | 'header' | 'path';
}

/** The query parameter and header names each documented route declares, from `/openapi.json`. */
export async function declaredParameters(
  app: FastifyInstance,
): Promise<Map<string, { query: string[]; headers: string[] }>> {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  const paths = response.json().paths as Record<string, Record<string, { parameters?: OpenApiParameter[] }>>;
  const declared = new Map<string, { query: string[]; headers: string[] }>();
  for (const [path, operations] of Object.entries(paths)) {
    const fastifyPath = path.replace(/\{(\w+)\}/g, ':$1');
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      declared.set(`${method.toUpperCase()} ${fastifyPath}`, {
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        headers: parameters.filter((p) => p.in === 'header' && p.name !== 'authorization').map((p) => p.name),
      });
    }
  }
  return declared;
}
