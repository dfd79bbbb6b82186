// Agent usage history, GET /workspaces/usage (seeds 001/003), in Laravel's dialect.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { authorizeRequest } from '../../access/route-access.js';
import { openCache } from '../../cache/open.js';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { AUTHENTICATED, errorAnswers } from '../../http/error-answers.js';
import { listUsageHistory, usageHistoryScope } from '../../ledger/executions/usage-history.js';
import { laravelFormat } from '../shared/error-answers.js';
import { laravelDialect } from './dialect.js';
import { PAGE_TTL_MS, pageCacheKey } from './page-cache.js';
import { parseUsageRequest } from './params.js';
import { renderItem } from './render.js';
import * as S from './schemas.js';

/** How long app start waits for Redis before serving uncached. */
const CACHE_READY_TIMEOUT_MS = 1_000;

export async function usageHistoryRoutes(parent: FastifyInstance, { deps }: { deps: AppDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, laravelDialect, ['/workspaces/usage'], 'query');
  const { db, config } = deps;
  const cache = openCache(config, {
    namespace: 'usage-history:v1',
    now: deps.now,
    onError: (error) => app.log.warn({ err: error }, 'usage history cache unavailable; serving uncached'),
  });
  app.addHook('onReady', () => cache.ready(CACHE_READY_TIMEOUT_MS));
  app.addHook('onClose', () => cache.close());

  app.get(
    '/workspaces/usage',
    {
      schema: {
        tags: ['agent usage history'],
        operationId: 'listWorkspaceUsage',
        summary: 'Agent execution history of a workspace',
        querystring: S.UsageQuery,
        headers: S.UsageHeaders,
        response: { 200: S.UsageResponse, ...errorAnswers(laravelFormat, [...AUTHENTICATED, 403, 422]) },
      },
      config: {
        audit: { resourceType: 'execution' },
        swaggerTransform: S.documentWorkspaceHeaderRequired,
        // The seed's order and answers: `use_agents` first, then the workspace (x-workspace-id),
        // whose outsiders get the same 403 as non-members, then the user_id filter.
        access: {
          kind: 'workspace-member',
          ability: 'use_agents',
          workspace: 'x-workspace-id',
          user: 'user_id',
          others: 'usage:read_others',
        },
      },
    },
    async (request, reply) => {
      const parsed = parseUsageRequest(request.query, request.headers);
      const now = deps.now();
      const access = await authorizeRequest(db, request, {
        'x-workspace-id': parsed.workspaceId,
        user_id: parsed.userId,
      });
      const scope = usageHistoryScope(access, parsed, config, now);
      request.auditOrgId = scope.orgId;
      request.auditWorkspaceId = scope.workspaceId;
      const key = pageCacheKey(scope);
      let body = await cache.get(key);
      if (body === null) {
        const { rows, hasMore } = await listUsageHistory(db, scope);
        const context = { outputPlaceholder: config.outputPlaceholder, linkKey: deps.keyring.linkKey, now };
        body = JSON.stringify({
          items: rows.map((row) => renderItem(row, context)),
          has_more: hasMore,
          page: scope.page,
          per_page: scope.perPage,
        });
        await cache.set(key, body, PAGE_TTL_MS);
      }
      // Sent as the cached bytes: Fastify passes a string with a JSON content type through as is.
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );
}
