// GET /v1/orgs/{org_id}/insights/top and …/workspaces/{workspace_id}/insights/top: the busiest
// workspaces, users, endpoints or agents of a window (aligned to whole hours), with failure rates.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { microsOfDate } from '../../ledger/activity/time.js';
import { readTop } from '../../ledger/insights/top.js';
import { alignWindow } from '../../ledger/insights/window.js';
import { checkDimension, insightsWindow, isoOf } from './params.js';
import { audit, ORG, tags, WORKSPACE } from './requirements.js';
import * as S from './schemas.js';

export function topRoutes(app: FastifyInstance, deps: AppDeps): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const route = (workspaceRoute: boolean) =>
    async function top(
      request: FastifyRequest<{
        Params: { org_id: string; workspace_id?: string };
        Querystring: Static<typeof S.TopQuery>;
      }>,
    ) {
      const { query, params } = request;
      const asked = insightsWindow(query, microsOfDate(deps.now()));
      checkDimension(query.dimension, workspaceRoute);
      await authorizeRequest(deps.db, request);
      const window = alignWindow(asked.start, asked.end, 'hour');
      const items = await readTop(deps.db, {
        orgId: params.org_id,
        workspaceId: params.workspace_id ?? null,
        dimension: query.dimension,
        window,
        limit: query.limit,
      });
      return {
        dimension: query.dimension,
        start_time: isoOf(window.start),
        end_time: isoOf(window.end),
        items,
      };
    };

  typed.get(
    '/:org_id/insights/top',
    {
      schema: {
        tags,
        operationId: 'insightsOrgTop',
        summary: 'The busiest workspaces, users, endpoints or agents of an org',
        params: S.OrgParams,
        querystring: S.TopQuery,
        response: S.topResponses,
      },
      config: { audit, access: ORG },
    },
    route(false),
  );

  typed.get(
    '/:org_id/workspaces/:workspace_id/insights/top',
    {
      schema: {
        tags,
        operationId: 'insightsWorkspaceTop',
        summary: 'The busiest users, endpoints or agents of a workspace',
        params: S.WorkspaceParams,
        querystring: S.TopQuery,
        response: S.topResponses,
      },
      config: { audit, access: WORKSPACE },
    },
    route(true),
  );
}
