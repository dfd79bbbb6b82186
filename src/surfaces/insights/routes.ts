// The insights API (issue #15): series and top lists for an org and for one workspace, served from
// rollups, under the activity surface's conventions (its dialect, tokens and permissions).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { recordAdminReadsInPathOrg } from '../../http/self-recording.js';
import { activityDialect } from '../activity/dialect.js';
import { seriesRoutes } from './series.js';
import { topRoutes } from './top.js';

export async function insightsRoutes(app: FastifyInstance, { deps }: { deps: AppDeps }) {
  // The activity surface already claims /v1/orgs/ for errors raised before routing.
  installDialect(app, activityDialect, [], 'query');

  recordAdminReadsInPathOrg(app);

  seriesRoutes(app, deps);
  topRoutes(app, deps);
}
