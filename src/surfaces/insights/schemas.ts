// Request and response schemas of the insights API (issue #15; /work/wt/INSIGHTS-CONTRACT.md and
// docs/insights.md). Errors are the activity surface's (seed 004 dialect).
import { Type } from 'typebox';
import { AUTHENTICATED, errorAnswers } from '../../http/error-answers.js';
import { GROUPS, METRICS } from '../../ledger/insights/series.js';
import { DIMENSIONS } from '../../ledger/insights/top.js';
import { activityFormat } from '../shared/error-answers.js';
import { DefaultsOptional, NullableString, StringEnum } from '../shared/schemas.js';

const Id = Type.String({ minLength: 1 });

export const OrgParams = Type.Object({ org_id: Id });
export const WorkspaceParams = Type.Object({ org_id: Id, workspace_id: Id });

const window = {
  start_time: Type.Optional(
    Type.String({
      description: 'ISO timestamp; default end_time − 24 h. Floored to the bucket (top: the hour).',
    }),
  ),
  end_time: Type.Optional(
    Type.String({
      description: 'ISO timestamp, exclusive; default now. Ceiled to the bucket (top: the hour).',
    }),
  ),
};

export const SeriesQuery = DefaultsOptional(
  Type.Object({
    metric: StringEnum(METRICS, {
      description:
        'requests, failed_requests, avg_duration_ms, tokens (activity); executions, credits, ' +
        'execution_tokens (executions); ai_tool_usages',
    }),
    bucket: StringEnum(['hour', 'day'] as const, {
      default: 'hour',
      description: 'Bucket size; hour only for windows up to 31 days',
    }),
    group_by: Type.Optional(
      StringEnum(GROUPS, {
        description:
          'activity metrics: action, resource_type, workspace, status; execution metrics: agent, ' +
          'workspace, status; ai_tool_usages: tool_type, status, workspace (workspace only on the org routes)',
      }),
    ),
    top: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Groups kept (by window total); the rest are folded into "other"',
    }),
    ...window,
  }),
);

export const TopQuery = DefaultsOptional(
  Type.Object({
    dimension: StringEnum(DIMENSIONS, {
      description: 'workspaces (org routes only), users, endpoints, agents',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Items to return (1-50)' }),
    ...window,
  }),
);

// One JSON type with two names rather than anyOf, so the serializer needs no branch per value
// (an hourly month is 720 of them); the measured gain was within the noise of a loaded machine.
const Value = Type.Unsafe<number | null>({ type: ['number', 'null'] });

export const Series = Type.Object({
  metric: Type.String(),
  bucket: Type.String(),
  start_time: Type.String({ description: 'The aligned start' }),
  end_time: Type.String({ description: 'The aligned end (exclusive)' }),
  buckets: Type.Array(Type.String(), { description: 'Every bucket start in the window' }),
  series: Type.Array(
    Type.Object({
      key: NullableString,
      label: NullableString,
      values: Type.Array(Value, {
        description: 'One per bucket; avg_duration_ms is null without timed requests',
      }),
      total: Value,
    }),
  ),
  total: Value,
});

export const Top = Type.Object({
  dimension: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  items: Type.Array(
    Type.Object({
      key: Type.String(),
      label: Type.String(),
      requests: Type.Integer(),
      failed: Type.Integer(),
      failure_rate: Type.Number(),
      uuid: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description:
            "dimension=workspaces only: the workspace's UUID alias, which GET /api/v1/workspaces/{workspace_uuid} takes (null when it has none)",
        }),
      ),
    }),
  ),
});

const errors = errorAnswers(activityFormat, [...AUTHENTICATED, 403, 404, 422]);

export const seriesResponses = { 200: Series, ...errors };
export const topResponses = { 200: Top, ...errors };
