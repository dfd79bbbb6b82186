// buildApp wires the service: authentication, self-recording, OpenAPI and the surfaces. It never
// listens (server.ts does), so tests drive it with app.inject against a real database.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import type { LedgerDatabase } from './db/open.js';
import type { AppDeps } from './deps.js';
import { installAuthentication } from './http/authentication.js';
import { healthRoutes } from './http/health.js';
import { installInputGuards } from './http/input-guards.js';
import { installOpenApi, openApiRoute } from './http/openapi.js';
import './http/request-context.js';
import { ActivityRecorder, installSelfRecording } from './http/self-recording.js';
import { uuidv7 } from './ids.js';
import { ingestRoutes } from './ingest/routes.js';
import type { Keyring } from './secrets/keys.js';
import { activityRoutes } from './surfaces/activity/routes.js';
import { adminRoutes } from './surfaces/admin/routes.js';
import { aiUsagesRoutes } from './surfaces/ai-usages/routes.js';
import { usageHistoryRoutes } from './surfaces/usage-history/routes.js';
import { workspaceRoutes } from './surfaces/workspace/routes.js';

export interface BuildAppOptions {
  config: Config;
  database: LedgerDatabase;
  keyring: Keyring;
  adminTokenHash: Uint8Array;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
}

export interface TallyApp extends FastifyInstance {
  deps: AppDeps;
  recorder: ActivityRecorder;
}

export async function buildApp(options: BuildAppOptions): Promise<TallyApp> {
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => uuidv7(),
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
    ajv: {
      customOptions: { allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false },
    },
  }) as unknown as TallyApp;

  const db = options.database.db;
  const authenticator = new Authenticator(db, options.adminTokenHash, () => now().getTime());
  const recorder = new ActivityRecorder(db, (error) =>
    app.log.warn({ err: error }, 'self-recording flush failed'),
  );
  const deps: AppDeps = {
    config: options.config,
    db,
    dbKind: options.database.kind,
    keyring: options.keyring,
    authenticator,
    now,
  };
  app.decorate('deps', deps);
  app.decorate('recorder', recorder);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installAuthentication(app, authenticator);
  installInputGuards(app);
  installSelfRecording(app, recorder);
  await installOpenApi(app);

  healthRoutes(app, deps);
  openApiRoute(app);
  await app.register(adminRoutes, { prefix: '/v1/admin', deps });
  await app.register(activityRoutes, { prefix: '/v1/orgs', deps });
  await app.register(ingestRoutes, { deps });
  await app.register(usageHistoryRoutes, { deps });
  await app.register(aiUsagesRoutes, { deps });
  await app.register(workspaceRoutes, { deps });

  app.addHook('onClose', async () => {
    await recorder.close();
    await authenticator.close();
  });
  return app;
}
