// The activity surface (seed 004): 15 read routes under /v1/orgs/{org_id}. Each handler checks its
// parameters (422), then existence and permission (404, 403) through the ledger, then answers.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { AccessRequirement } from '../../access/requirements.js';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { jsonBody } from '../../http/json-body.js';
import type { AuditConfig } from '../../http/request-context.js';
import { recordAdminReadsInPathOrg } from '../../http/self-recording.js';
import type { ActivityFilter } from '../../ledger/activity/filters.js';
import { planListing, runListing } from '../../ledger/activity/listing.js';
import { summarizeActivities } from '../../ledger/activity/summary.js';
import { microsOfDate } from '../../ledger/activity/time.js';
import { activityDialect } from './dialect.js';
import { pageJson } from './page-json.js';
import { checkDurations, parseWindow } from './params.js';
import { renderSummary } from './render.js';
import * as S from './schemas.js';

const tags = ['activity'];
const audit = { resourceType: 'activity' };
/** The user routes read on behalf of the user they name (a service token's record carries it, §4.3). */
const userAudit = { ...audit, onBehalfOfParam: 'user_id' };

// What each kind of route needs (src/access): the `read` ability, then `activity:read` on what it
// addresses; the org first, so that an org outside the caller's reach is a 404 like a missing one.
const permission = 'activity:read';
const ORG: AccessRequirement = { kind: 'org', ability: 'read', org: 'org_id', permission };
const WORKSPACE: AccessRequirement = {
  kind: 'org-workspace',
  ability: 'read',
  org: 'org_id',
  workspace: 'workspace_id',
  permission,
};
const USER: AccessRequirement = {
  kind: 'org-user',
  ability: 'read',
  org: 'org_id',
  user: 'user_id',
  permission,
};
const SELF: AccessRequirement = { kind: 'org-self', ability: 'read', org: 'org_id' };

interface PageQuery {
  start_time?: string | undefined;
  end_time?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Drops absent values, so a cursor binds exactly the filters that were sent. */
function sent(values: Record<string, string | number | boolean | undefined>) {
  const result: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) result[key] = value;
  return result;
}

export async function activityRoutes(parent: FastifyInstance, { deps }: { deps: AppDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, activityDialect, ['/v1/orgs/'], 'query');
  const { db } = deps;
  const cursorKey = deps.keyring.cursorKey;

  recordAdminReadsInPathOrg(app);

  /** The shared shape of every listing: validate, authorize, page. */
  async function list(
    query: PageQuery,
    orgId: string,
    route: string[],
    filter: ActivityFilter,
    sentFilters: Record<string, string | number | boolean>,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const window = parseWindow(query);
    const plan = planListing(
      cursorKey,
      // An empty cursor is no cursor: clients often send `cursor=` for the first page.
      { route, filter, sentFilters, ...window, limit: query.limit, cursor: query.cursor || undefined },
      microsOfDate(deps.now()),
    );
    await authorizeRequest(db, request);
    // Written here rather than by the response schema's serializer (page-json.ts).
    return jsonBody<Static<typeof S.ActivityList>>(
      reply,
      pageJson(await runListing(db, cursorKey, orgId, plan)),
    );
  }

  async function summarize(orgId: string, filter: ActivityFilter, hours: number) {
    return renderSummary(await summarizeActivities(db, orgId, filter, hours, microsOfDate(deps.now())));
  }

  const listSchema = <P, Q>(
    operationId: string,
    summary: string,
    params: P,
    querystring: Q,
    access: AccessRequirement,
    routeAudit: AuditConfig = audit,
  ) => ({
    schema: { tags, operationId, summary, params, querystring, response: S.listResponses },
    config: { audit: routeAudit, access },
  });
  const summarySchema = <P>(
    operationId: string,
    summary: string,
    params: P,
    access: AccessRequirement,
    routeAudit: AuditConfig = audit,
  ) => ({
    schema: {
      tags,
      operationId,
      summary,
      params,
      querystring: S.SummaryQuery,
      response: S.summaryResponses,
    },
    config: { audit: routeAudit, access },
  });

  app.get(
    '/:org_id/activity',
    listSchema('listOrgActivity', 'Activity of an org', S.OrgParams, S.ListQuery, ORG),
    async (request, reply) => {
      const { org_id } = request.params;
      return list(request.query, org_id, ['org', org_id], {}, {}, request, reply);
    },
  );

  app.get(
    '/:org_id/activity/summary',
    summarySchema('summarizeOrgActivity', 'Activity summary of an org', S.OrgParams, ORG),
    async (request) => {
      const { org_id } = request.params;
      await authorizeRequest(db, request);
      return summarize(org_id, {}, request.query.hours);
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/activity',
    listSchema('listWorkspaceActivity', 'Activity of a workspace', S.WorkspaceParams, S.ListQuery, WORKSPACE),
    async (request, reply) => {
      const { org_id, workspace_id } = request.params;
      return list(
        request.query,
        org_id,
        ['workspace', org_id, workspace_id],
        { workspaceId: workspace_id },
        {},
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/activity/summary',
    summarySchema(
      'summarizeWorkspaceActivity',
      'Activity summary of a workspace',
      S.WorkspaceParams,
      WORKSPACE,
    ),
    async (request) => {
      const { org_id, workspace_id } = request.params;
      await authorizeRequest(db, request);
      return summarize(org_id, { workspaceId: workspace_id }, request.query.hours);
    },
  );

  app.get(
    '/:org_id/users/:user_id/activity',
    listSchema(
      'listUserActivity',
      'Activity of a user',
      S.UserParams,
      S.WorkspaceFilteredListQuery,
      USER,
      userAudit,
    ),
    async (request, reply) => {
      const { org_id, user_id } = request.params;
      const { workspace_id } = request.query;
      return list(
        request.query,
        org_id,
        ['user', org_id, user_id],
        { userId: user_id, ...(workspace_id !== undefined ? { workspaceId: workspace_id } : {}) },
        sent({ workspace_id }),
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/users/:user_id/activity/summary',
    summarySchema('summarizeUserActivity', 'Activity summary of a user', S.UserParams, USER, userAudit),
    async (request) => {
      const { org_id, user_id } = request.params;
      await authorizeRequest(db, request);
      return summarize(org_id, { userId: user_id }, request.query.hours);
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/apps/:app_id/activity',
    listSchema('listAppActivity', 'Activity of an app', S.AppParams, S.ListQuery, WORKSPACE),
    async (request, reply) => {
      const { org_id, workspace_id, app_id } = request.params;
      return list(
        request.query,
        org_id,
        ['app', org_id, workspace_id, app_id],
        { workspaceId: workspace_id, appId: app_id },
        {},
        request,
        reply,
      );
    },
  );

  const endpointFilter = (workspaceId: string, appId: string, endpointId: string): ActivityFilter => ({
    workspaceId,
    appId,
    resourceType: 'endpoint',
    resourceId: endpointId,
  });

  app.get(
    '/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity',
    listSchema('listEndpointActivity', 'Activity of an endpoint', S.EndpointParams, S.ListQuery, WORKSPACE),
    async (request, reply) => {
      const { org_id, workspace_id, app_id, endpoint_id } = request.params;
      return list(
        request.query,
        org_id,
        ['endpoint', org_id, workspace_id, app_id, endpoint_id],
        endpointFilter(workspace_id, app_id, endpoint_id),
        {},
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/apps/:app_id/endpoints/:endpoint_id/activity/summary',
    summarySchema(
      'summarizeEndpointActivity',
      'Activity summary of an endpoint',
      S.EndpointParams,
      WORKSPACE,
    ),
    async (request) => {
      const { org_id, workspace_id, app_id, endpoint_id } = request.params;
      await authorizeRequest(db, request);
      return summarize(org_id, endpointFilter(workspace_id, app_id, endpoint_id), request.query.hours);
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/augmentations/:augmentation_id/activity',
    listSchema(
      'listAugmentationActivity',
      'Activity of an augmentation',
      S.AugmentationParams,
      S.ListQuery,
      WORKSPACE,
    ),
    async (request, reply) => {
      const { org_id, workspace_id, augmentation_id } = request.params;
      return list(
        request.query,
        org_id,
        ['augmentation', org_id, workspace_id, augmentation_id],
        { workspaceId: workspace_id, augmentationId: augmentation_id },
        {},
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/activity/actions/:action',
    listSchema(
      'listActionActivity',
      'Activity of a workspace with one action',
      S.ActionParams,
      S.ListQuery,
      WORKSPACE,
    ),
    async (request, reply) => {
      const { org_id, workspace_id, action } = request.params;
      return list(
        request.query,
        org_id,
        ['action', org_id, workspace_id, action],
        { workspaceId: workspace_id, action },
        {},
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/resources/:resource_id/activity',
    listSchema('listResourceActivity', 'Activity about a resource', S.ResourceParams, S.ListQuery, WORKSPACE),
    async (request, reply) => {
      const { org_id, workspace_id, resource_id } = request.params;
      return list(
        request.query,
        org_id,
        ['resource', org_id, workspace_id, resource_id],
        { workspaceId: workspace_id, resourceId: resource_id },
        {},
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/workspaces/:workspace_id/activity/search',
    listSchema(
      'searchWorkspaceActivity',
      'Search the activity of a workspace',
      S.WorkspaceParams,
      S.SearchQuery,
      WORKSPACE,
    ),
    async (request, reply) => {
      const { org_id, workspace_id } = request.params;
      const q = request.query;
      checkDurations(q);
      const filter: ActivityFilter = {
        workspaceId: workspace_id,
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.resource_type !== undefined ? { resourceType: q.resource_type } : {}),
        ...(q.user_id !== undefined ? { userId: q.user_id } : {}),
        ...(q.status !== undefined ? { success: q.status === 'success' } : {}),
        ...(q.min_duration_ms !== undefined ? { minDurationMs: q.min_duration_ms } : {}),
        ...(q.max_duration_ms !== undefined ? { maxDurationMs: q.max_duration_ms } : {}),
      };
      const sentFilters = sent({
        action: q.action,
        resource_type: q.resource_type,
        user_id: q.user_id,
        status: q.status,
        min_duration_ms: q.min_duration_ms,
        max_duration_ms: q.max_duration_ms,
      });
      return list(q, org_id, ['search', org_id, workspace_id], filter, sentFilters, request, reply);
    },
  );

  app.get(
    '/:org_id/me/activity',
    listSchema(
      'listMyActivity',
      "The calling user's own activity",
      S.OrgParams,
      S.WorkspaceFilteredListQuery,
      SELF,
    ),
    async (request, reply) => {
      const { org_id } = request.params;
      const { workspace_id } = request.query;
      // The user is bound into the cursor, so one user's cursor never pages through another's records.
      const userId = request.principal!.userId ?? '';
      return list(
        request.query,
        org_id,
        ['me', org_id, userId],
        { userId, ...(workspace_id !== undefined ? { workspaceId: workspace_id } : {}) },
        sent({ workspace_id }),
        request,
        reply,
      );
    },
  );

  app.get(
    '/:org_id/me/activity/summary',
    summarySchema('summarizeMyActivity', "The calling user's own activity summary", S.OrgParams, SELF),
    async (request) => {
      const { org_id } = request.params;
      const { userId } = await authorizeRequest(db, request);
      return summarize(org_id, { userId: userId! }, request.query.hours);
    },
  );
}
