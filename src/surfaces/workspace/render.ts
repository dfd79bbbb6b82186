// Ledger rows → seed 002's workspace body, and the ledger's errors → FastAPI's `{"detail": …}`.
import type { HiredAgent, Workspace } from '../../db/schema.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';
import type { IntegrationStatus } from '../../ledger/workspaces/integrations.js';
import { pydanticErrors } from '../shared/fastapi-validation.js';
import { iso } from '../shared/time.js';
import { renderHiredAgent, renderIntegrationStatus } from '../shared/workspace-parts.js';

export interface WorkspaceDetails {
  /** The uuid the caller asked by: the workspace's id or its alias. */
  id: string;
  workspace: Workspace;
  hiredAgent: HiredAgent | null;
  integrations: IntegrationStatus[];
  metrics: Record<string, unknown>;
}

export const renderWorkspace = ({ id, workspace, hiredAgent, integrations, metrics }: WorkspaceDetails) => ({
  id,
  hired_agent_id: hiredAgent ? hiredAgent.id : null,
  user_id: workspace.owner_user_id,
  name: workspace.name,
  status: workspace.status,
  settings: workspace.settings as Record<string, unknown>,
  metrics_cache: metrics,
  last_active_at: iso(workspace.last_active_at),
  created_at: iso(workspace.created_at),
  updated_at: iso(workspace.updated_at),
  hired_agent: hiredAgent ? renderHiredAgent(hiredAgent) : null,
  integration_credentials: integrations.map(renderIntegrationStatus),
});

export const workspaceDialect: Dialect = (error) => {
  switch (error.code) {
    case 'unauthenticated':
      return { status: 401, body: { detail: 'Not authenticated' } };
    case 'invalid':
      return { status: 422, body: { detail: pydanticErrors(error.details.issues ?? []) } };
    case 'not_found':
      return { status: 404, body: { detail: 'Workspace not found' } };
    case 'forbidden':
      return { status: 403, body: { detail: 'Not enough permissions' } };
    case 'internal':
      return { status: 500, body: { detail: 'Internal Server Error' } };
    default:
      return { status: STATUS_BY_CODE[error.code], body: { detail: error.message } };
  }
};
