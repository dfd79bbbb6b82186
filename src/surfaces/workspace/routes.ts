// Surface 002: `GET /api/v1/workspaces/{workspace_id}` (API.md §3.4). The metrics refresher that
// keeps busy workspaces' metrics_cache warm lives with this surface, its only reader.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { installDialect } from '../../http/dialect.js';
import { AUTHENTICATED, errorAnswers } from '../../http/error-answers.js';
import { findHiredAgent } from '../../ledger/workspaces/hired-agent.js';
import { listIntegrationStatuses } from '../../ledger/workspaces/integrations.js';
import { currentWorkspaceMetrics } from '../../ledger/workspaces/metrics.js';
import { startMetricsRefresher } from '../../ledger/workspaces/metrics-refresher.js';
import { workspaceFormat } from '../shared/error-answers.js';
import { renderWorkspace, workspaceDialect } from './render.js';
import * as S from './schemas.js';
import { parseUuid } from './uuid.js';

const tags = ['workspace'];

export async function workspaceRoutes(parent: FastifyInstance, { deps }: { deps: AppDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, workspaceDialect, ['/api/v1/workspaces/'], 'path');
  const { db } = deps;

  const stopRefresher = startMetricsRefresher(db, deps.now, (error) =>
    app.log.warn({ err: error }, 'workspace metrics refresh failed'),
  );
  app.addHook('onClose', async () => stopRefresher());

  app.get(
    '/api/v1/workspaces/:workspace_id',
    {
      schema: {
        tags,
        operationId: 'getWorkspace',
        summary: 'Get Workspace',
        params: S.WorkspaceParams,
        response: {
          200: S.WorkspaceResponse,
          ...errorAnswers(workspaceFormat, [...AUTHENTICATED, 403, 404, 422]),
        },
      },
      config: {
        audit: { resourceType: 'workspace', resourceParam: 'workspace_id' },
        // The handler hands over the UUID it parsed (a 422 comes before any 404 or 403).
        access: {
          kind: 'workspace',
          ability: 'read',
          workspace: 'workspace_id',
          permission: 'workspace:read',
        },
      },
    },
    async (request) => {
      const raw = request.params.workspace_id;
      const parsed = parseUuid(raw);
      if (!parsed.ok) {
        throw invalid([
          {
            location: 'path',
            field: ['workspace_id'],
            kind: 'uuid_parsing',
            message: parsed.error,
            input: raw,
            ctx: { error: parsed.error },
          },
        ]);
      }
      // The uuid is the workspace's id or its alias (API.md §1); either way the answer's `id` is the
      // uuid asked for, since seed 002 types it as the path's uuid.
      const workspace = (await authorizeRequest(db, request, { workspace_id: parsed.uuid })).workspace!;
      request.auditOrgId = workspace.org_id;
      // Recorded under the workspace's id even when the path named its alias.
      request.auditWorkspaceId = workspace.id;
      // Independent reads, each on its own pooled connection: the answer waits for the slowest
      // one rather than for their sum.
      const [hiredAgent, integrations, metrics] = await Promise.all([
        workspace.hired_agent_id
          ? findHiredAgent(db, workspace.org_id, workspace.hired_agent_id).then((agent) => agent ?? null)
          : null,
        listIntegrationStatuses(db, workspace.org_id, workspace.id),
        currentWorkspaceMetrics(db, workspace, deps.now()),
      ]);
      return renderWorkspace({ id: parsed.uuid, workspace, hiredAgent, integrations, metrics });
    },
  );
}
