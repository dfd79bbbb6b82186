// GET /v1/orgs/{org_id}/insights/series and …/workspaces/{workspace_id}/insights/series: one
// metric over time buckets, optionally split by one dimension (top N and "other").
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { jsonBody, schemaNumber } from '../../http/json-body.js';
import { microsOfDate } from '../../ledger/activity/time.js';
import { readSeries } from '../../ledger/insights/series.js';
import { alignWindow } from '../../ledger/insights/window.js';
import { bucketNames, checkSeries, insightsWindow, isoOf } from './params.js';
import { audit, ORG, tags, WORKSPACE } from './requirements.js';
import * as S from './schemas.js';

/** A NaN, which the schema serializer refused (it wrote the infinities as null, as JSON does). */
const value = (number: number | null) => schemaNumber(number, Number.isNaN);

/**
 * The series body (S.Series) as JSON text: an hourly month is 720 bucket names and 720 values per
 * line, which the native serializer writes at a fraction of the schema serializer's cost
 * (src/http/json-body.ts; test/insights/series-json.test.ts holds the two side by side).
 */
export function seriesJson(body: Static<typeof S.Series>): string {
  for (const line of body.series) {
    line.values.forEach(value);
    value(line.total);
  }
  value(body.total);
  return JSON.stringify(body);
}

export function seriesRoutes(app: FastifyInstance, deps: AppDeps): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const route = (workspaceRoute: boolean) =>
    async function series(
      request: FastifyRequest<{
        Params: { org_id: string; workspace_id?: string };
        Querystring: Static<typeof S.SeriesQuery>;
      }>,
      reply: FastifyReply,
    ) {
      const { query, params } = request;
      const asked = insightsWindow(query, microsOfDate(deps.now()));
      checkSeries(query, asked, workspaceRoute);
      await authorizeRequest(deps.db, request);
      const window = alignWindow(asked.start, asked.end, query.bucket);
      const result = await readSeries(deps.db, {
        orgId: params.org_id,
        workspaceId: params.workspace_id ?? null,
        metric: query.metric,
        grain: query.bucket,
        window,
        groupBy: query.group_by ?? null,
        top: query.top,
      });
      return jsonBody<Static<typeof S.Series>>(
        reply,
        seriesJson({
          metric: query.metric,
          bucket: query.bucket,
          start_time: isoOf(window.start),
          end_time: isoOf(window.end),
          buckets: bucketNames(result.buckets),
          series: result.series,
          total: result.total,
        }),
      );
    };

  typed.get(
    '/:org_id/insights/series',
    {
      schema: {
        tags,
        operationId: 'insightsOrgSeries',
        summary: 'A metric of an org over time',
        params: S.OrgParams,
        querystring: S.SeriesQuery,
        response: S.seriesResponses,
      },
      config: { audit, access: ORG },
    },
    route(false),
  );

  typed.get(
    '/:org_id/workspaces/:workspace_id/insights/series',
    {
      schema: {
        tags,
        operationId: 'insightsWorkspaceSeries',
        summary: 'A metric of a workspace over time',
        params: S.WorkspaceParams,
        querystring: S.SeriesQuery,
        response: S.seriesResponses,
      },
      config: { audit, access: WORKSPACE },
    },
    route(true),
  );
}
