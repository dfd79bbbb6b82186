// The insights API (issue #15): series and top lists for an org and for one workspace, served from
// rollups, under the activity surface's conventions (its dialect, tokens and permissions).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { activityDialect } from '../activity/dialect.js';
import { seriesRoutes } from './series.js';
import { topRoutes } from './top.js';

export async function insightsRoutes(app: FastifyInstance, { deps }: { deps: AppDeps }) {
  // The activity surface already claims /v1/orgs/ for errors raised before routing.
  installDialect(app, activityDialect, [], 'query');

  // A deployment-admin request is recorded in the org it read, once that org is known to exist.
  app.addHook('onSend', async (request, reply, payload) => {
    const orgId = (request.params as { org_id?: unknown } | undefined)?.org_id;
    if (request.principal?.kind === 'deployment_admin' && typeof orgId === 'string') {
      if (reply.statusCode === 200 || reply.statusCode === 403) request.auditOrgId = orgId;
    }
    return payload;
  });

  seriesRoutes(app, deps);
  topRoutes(app, deps);
}
