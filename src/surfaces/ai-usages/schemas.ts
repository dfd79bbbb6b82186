// Parameters and body of `GET /api/v1/workspace/:workspaceId/ai/usages` (seed 000).
import { Type } from 'typebox';
import { AI_TOOL_TYPES, AI_USAGE_STATUSES } from '../../ledger/ai-usages/list.js';
import { AnyObject, DateTime, DefaultsOptional, NullableDateTime, StringEnum } from '../shared/schemas.js';

export const UsagesParams = Type.Object({
  workspaceId: Type.String({ description: 'Workspace identifier' }),
});

export const UsagesQuery = DefaultsOptional(
  Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Number of results per page' }),
    // Capped so that any offset the schema accepts is one PostgreSQL accepts too.
    offset: Type.Integer({
      minimum: 0,
      maximum: 2147483647,
      default: 0,
      description: 'Number of results to skip',
    }),
    toolType: Type.Optional(StringEnum(AI_TOOL_TYPES, { description: 'Filter by tool type' })),
    status: Type.Optional(StringEnum(AI_USAGE_STATUSES, { description: 'Filter by status' })),
  }),
);

export const Usage = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  toolType: Type.String(),
  status: Type.String(),
  cost: Type.Number(),
  inputData: AnyObject,
  responseData: AnyObject,
  createdAt: DateTime,
  completedAt: NullableDateTime,
});

export const UsagesResponse = Type.Object({
  usages: Type.Array(Usage),
  pagination: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    hasMore: Type.Boolean(),
  }),
});
