// Request and response schemas of the activity surface, exactly the seed's (004) parameters,
// defaults and ranges. Path ids are plain strings, as in the seed: an id that names nothing is a
// 404 (entities) or an empty listing (attributes), never a validation error.
import { Type } from 'typebox';
import { AUTHENTICATED, errorAnswers } from '../../http/error-answers.js';
import { activityFormat } from '../shared/error-answers.js';
import { AnyObject, DefaultsOptional, NullableString, StringEnum } from '../shared/schemas.js';

const Id = Type.String({ minLength: 1 });

export const OrgParams = Type.Object({ org_id: Id });
export const WorkspaceParams = Type.Object({ org_id: Id, workspace_id: Id });
export const UserParams = Type.Object({ org_id: Id, user_id: Id });
export const AppParams = Type.Object({ org_id: Id, workspace_id: Id, app_id: Id });
export const EndpointParams = Type.Object({ org_id: Id, workspace_id: Id, app_id: Id, endpoint_id: Id });
export const AugmentationParams = Type.Object({ org_id: Id, workspace_id: Id, augmentation_id: Id });
export const ActionParams = Type.Object({ org_id: Id, workspace_id: Id, action: Id });
export const ResourceParams = Type.Object({ org_id: Id, workspace_id: Id, resource_id: Id });

export const ACTIONS = ['create', 'read', 'update', 'delete', 'execute', 'trigger'] as const;
export const STATUSES = ['success', 'error'] as const;

const windowAndPage = {
  start_time: Type.Optional(Type.String({ description: 'ISO timestamp' })),
  end_time: Type.Optional(Type.String({ description: 'ISO timestamp' })),
  limit: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 50,
    description: 'Maximum number of items to return (1-200)',
  }),
  cursor: Type.Optional(
    Type.String({ description: "Cursor for pagination (from previous response's next_cursor)" }),
  ),
};

export const ListQuery = DefaultsOptional(Type.Object(windowAndPage));

export const WorkspaceFilteredListQuery = DefaultsOptional(
  Type.Object({
    workspace_id: Type.Optional(Type.String({ description: 'Filter by workspace' })),
    ...windowAndPage,
  }),
);

export const SearchQuery = DefaultsOptional(
  Type.Object({
    action: Type.Optional(
      StringEnum(ACTIONS, {
        description: 'Filter by action: create, read, update, delete, execute, trigger',
      }),
    ),
    resource_type: Type.Optional(
      Type.String({ description: 'Filter by resource: workspace, app, endpoint, augmentation, etc.' }),
    ),
    user_id: Type.Optional(Type.String({ description: 'Filter by user ID' })),
    status: Type.Optional(StringEnum(STATUSES, { description: 'Filter by status: success, error' })),
    min_duration_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'Filter by minimum duration' })),
    max_duration_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'Filter by maximum duration' })),
    ...windowAndPage,
  }),
);

export const SummaryQuery = DefaultsOptional(
  Type.Object({
    hours: Type.Integer({ minimum: 1, maximum: 168, default: 24, description: 'Hours to look back' }),
  }),
);

const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const ActivityRecord = Type.Object({
  id: Type.String(),
  timestamp: Type.String(),
  trace_id: NullableString,
  user_id: NullableString,
  workspace_id: NullableString,
  app_id: NullableString,
  principal_type: NullableString,
  principal_id: NullableString,
  token_id: NullableString,
  token_type: NullableString,
  method: NullableString,
  path: NullableString,
  resource_type: NullableString,
  resource_id: NullableString,
  action: NullableString,
  status_code: NullableInteger,
  success: Type.Boolean(),
  error_code: NullableString,
  duration_ms: NullableNumber,
  execution_id: NullableString,
  augmentation_id: NullableString,
  stages_completed: NullableInteger,
  total_stages: NullableInteger,
  token_usage: Type.Union([AnyObject, Type.Null()]),
  metadata: AnyObject,
});

export const ActivityList = Type.Object({
  total: Type.Integer(),
  has_more: Type.Boolean(),
  next_cursor: NullableString,
  activities: Type.Array(ActivityRecord),
});

export const ActivitySummary = Type.Object({
  total_requests: Type.Integer(),
  successful_requests: Type.Integer(),
  failed_requests: Type.Integer(),
  avg_duration_ms: Type.Number(),
  total_tokens_used: Type.Number(),
  by_action: Type.Record(Type.String(), Type.Integer()),
  by_resource: Type.Record(Type.String(), Type.Integer()),
  start_time: Type.String(),
  end_time: Type.String(),
});

const errors = errorAnswers(activityFormat, [...AUTHENTICATED, 403, 404, 422]);

export const listResponses = { 200: ActivityList, ...errors };
export const summaryResponses = { 200: ActivitySummary, ...errors };
