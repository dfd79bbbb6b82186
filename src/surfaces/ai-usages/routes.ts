// Surface 000: `GET /api/v1/workspace/:workspaceId/ai/usages` (API.md §3.3).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { AUTHENTICATED, errorAnswers, fastifyFormat } from '../../http/error-answers.js';
import { jsonBody } from '../../http/json-body.js';
import { listAiUsages } from '../../ledger/ai-usages/list.js';
import { workspaceName } from '../../ledger/workspaces/workspace-names.js';
import { usagesDialect, usagesPageJson } from './render.js';
import * as S from './schemas.js';

const tags = ['ai-usages'];
// The surface answers an invalid parameter with a 400 (seed 000), never a 422.
const errors = errorAnswers(fastifyFormat, [...AUTHENTICATED, 403, 404]);

export async function aiUsagesRoutes(parent: FastifyInstance, { deps }: { deps: AppDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, usagesDialect, ['/api/v1/workspace/'], 'query');
  const { db } = deps;

  app.get(
    '/api/v1/workspace/:workspaceId/ai/usages',
    {
      schema: {
        tags,
        operationId: 'listAiUsages',
        summary: 'List AI tool usages',
        params: S.UsagesParams,
        querystring: S.UsagesQuery,
        response: { 200: S.UsagesResponse, ...errors },
      },
      config: {
        audit: { resourceType: 'ai_usage' },
        // The workspace by id or UUID alias; another org's is missing (404), as is an unknown one.
        access: { kind: 'workspace', ability: 'read', workspace: 'workspaceId', permission: 'ai_usage:read' },
      },
    },
    async (request, reply) => {
      const access = await authorizeRequest(db, request);
      const workspace = access.workspace!;
      request.auditOrgId = workspace.org_id;
      // Recorded under the workspace's id even when the path named its alias.
      request.auditWorkspaceId = workspace.id;
      const query = request.query;
      const page = await listAiUsages(db, workspace.org_id, workspace.id, query);
      // Usages name their workspace as the caller did (its id, or the UUID alias it asked by).
      return jsonBody<Static<typeof S.UsagesResponse>>(
        reply,
        usagesPageJson(page, query, workspaceName(workspace, access.namedBy!)),
      );
    },
  );
}
