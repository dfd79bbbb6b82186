// Parameters and body of `GET /api/v1/workspaces/{workspace_id}` (seed 002).
import { Type } from 'typebox';
import { AnyObject, DateTime, NullableDateTime, NullableString } from '../shared/schemas.js';
import { HiredAgentResponse, IntegrationStatusResponse } from '../shared/workspace-parts.js';

// Checked by parseUuid (pydantic's forms and messages), not by Ajv's narrower `uuid` format.
export const WorkspaceParams = Type.Object({
  workspace_id: Type.String({ description: 'Workspace id (a UUID)' }),
});

export const WorkspaceResponse = Type.Object({
  id: Type.String(),
  hired_agent_id: NullableString,
  user_id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  settings: AnyObject,
  metrics_cache: AnyObject,
  last_active_at: NullableDateTime,
  created_at: DateTime,
  updated_at: DateTime,
  hired_agent: Type.Union([HiredAgentResponse, Type.Null()]),
  integration_credentials: Type.Array(IntegrationStatusResponse),
});
