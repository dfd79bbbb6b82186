// buildApp wires the service: authentication, self-recording, OpenAPI and the surfaces. It never
// listens (server.ts does), so tests drive it with app.inject against a real database.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installAccess } from './access/route-access.js';
import { Authenticator } from './auth/authenticator.js';
import { RevocationFeed } from './auth/revocation-feed.js';
import { closeRedis, connectRedis, redisReadyWithin } from './cache/redis-connection.js';
import type { Config } from './config.js';
import { consoleRoutes } from './console/routes.js';
import type { LedgerDatabase } from './db/open.js';
import type { AppDeps } from './deps.js';
import { installAuthentication } from './http/authentication.js';
import { DialectRegistry } from './http/dialect.js';
import { healthRoutes } from './http/health.js';
import { answerFrameworkError, installInputGuards } from './http/input-guards.js';
import { JSON_BODY_LIMIT, MAX_PARAM_LENGTH, TRANSPORT_MAX_HEADER_BYTES } from './http/limits.js';
import { installOpenApi, openApiRoute } from './http/openapi.js';
import { installFailedAuthenticationLimit, installTokenRateLimit, rateLimitsOf } from './http/rate-limit.js';
import { RollupFolder } from './ledger/activity/rollup-folder.js';
import { GroupCommit } from './ledger/write/group-commit.js';
import './http/request-context.js';
import { ActivityRecorder, installSelfRecording } from './http/self-recording.js';
import { AJV_OPTIONS, validatorsByPart } from './http/validators.js';
import { uuidv7 } from './ids.js';
import { type IngestGate, ingestGateOf } from './ingest/back-pressure.js';
import { otlpTracesRoute } from './ingest/otlp/traces-route.js';
import { ingestRoutes } from './ingest/routes.js';
import { eventSchemaRoutes } from './ingest/schema-routes.js';
import type { Keyring } from './secrets/keys.js';
import { activityRoutes } from './surfaces/activity/routes.js';
import { adminRoutes } from './surfaces/admin/routes.js';
import { aiUsagesRoutes } from './surfaces/ai-usages/routes.js';
import { insightsRoutes } from './surfaces/insights/routes.js';
import { usageHistoryRoutes } from './surfaces/usage-history/routes.js';
import { workspaceRoutes } from './surfaces/workspace/routes.js';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
/** How long app start waits for Redis before serving with per-instance state. */
const REDIS_READY_TIMEOUT_MS = 1_000;

export interface BuildAppOptions {
  config: Config;
  database: LedgerDatabase;
  keyring: Keyring;
  /** Null until the server generates one (it does so only once it listens). */
  adminTokenHash: Uint8Array | null;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
}

export interface TallyApp extends FastifyInstance {
  deps: AppDeps;
  recorder: ActivityRecorder;
  /** Folds the activity rollups' queue (tests fold it when they choose). */
  rollupFolder: RollupFolder;
  /** Ingestion back-pressure; its `stats` are what is in flight now. */
  ingestGate: IngestGate;
}

export async function buildApp(options: BuildAppOptions): Promise<TallyApp> {
  const now = options.now ?? (() => new Date());
  // Filled by each surface as it is installed (installDialect): which error format a path gets.
  const dialects = new DialectRegistry();
  const app = Fastify({
    logger: options.logger ?? false,
    // A caller's x-request-id is kept only when it can be echoed back as a header as it is.
    requestIdHeader: false,
    genReqId: (raw) => {
      const given = raw.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidv7();
    },
    // Request limits (src/http/limits.ts, docs/limits.md): router and transport refusals are
    // answered in the surface's format by answerFrameworkError, or by Node itself past its cap.
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    http: { maxHeaderSize: TRANSPORT_MAX_HEADER_BYTES },
    frameworkErrors: (error, request, reply) => answerFrameworkError(dialects, error, request, reply),
    // Query strings, paths and headers are coerced from text; JSON bodies never (validators.ts).
    ajv: { customOptions: AJV_OPTIONS },
    schemaController: { compilersFactory: { buildValidator: validatorsByPart } },
  }) as unknown as TallyApp;

  const db = options.database.db;
  const authenticator = new Authenticator(db, options.adminTokenHash, () => now().getTime());
  const folder = new RollupFolder(
    db,
    { every: options.config.rollupFoldEvery, afterMs: options.config.rollupFoldMs },
    (error) => app.log.warn({ err: error }, 'folding rollups failed'),
  );
  const recorder = new ActivityRecorder(
    db,
    (error) => app.log.warn({ err: error }, 'self-recording flush failed'),
    () => folder.recorded(),
  );
  const deps: AppDeps = {
    config: options.config,
    db,
    dbKind: options.database.kind,
    keyring: options.keyring,
    authenticator,
    writer: new GroupCommit(db, options.config.ingestWriters, () => folder.committed()),
    now,
  };
  app.decorate('deps', deps);
  app.decorate('recorder', recorder);
  app.decorate('rollupFolder', folder);

  // Hooks that never wait take Fastify's callback form: an async function per hook per request
  // costs a promise and its turns of the microtask queue.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  // With Redis, what instances must agree on (contract §4.5) goes through it: rate limits and
  // revocations here, the usage-history page cache in its routes.
  const redisUrl = options.config.redisUrl;
  const redis = redisUrl
    ? connectRedis(redisUrl, (error) => app.log.warn({ err: error }, 'Redis unavailable'))
    : null;
  const log = {
    warn: (message: string, error?: unknown) => app.log.warn({ err: error }, message),
    info: (message: string) => app.log.info(message),
  };
  const feed =
    redis && redisUrl
      ? new RevocationFeed(redis, redisUrl, options.config.redisPrefix, (id) => authenticator.forget(id), log)
      : null;
  if (feed) authenticator.useRevocationFeed(feed);
  if (redis) app.addHook('onReady', () => redisReadyWithin(redis, REDIS_READY_TIMEOUT_MS));

  // Hook order matters: the failed-authentication limit wraps authentication, and the token
  // limit follows it, so a refused request costs neither a token lookup nor any handler work.
  const rateLimits = rateLimitsOf(options.config, now, redis ? { redis, log } : undefined);
  if (rateLimits) installFailedAuthenticationLimit(app, rateLimits);
  installAuthentication(app, authenticator);
  if (rateLimits) installTokenRateLimit(app, rateLimits);
  const ingestGate = ingestGateOf(options.config);
  app.decorate('ingestGate', ingestGate);
  installInputGuards(app, dialects);
  // From here on every route declares its access, and answers only once it has been decided.
  installAccess(app);
  installSelfRecording(app, recorder);
  await installOpenApi(app);

  healthRoutes(app, deps);
  openApiRoute(app);
  await app.register(adminRoutes, { prefix: '/v1/admin', deps });
  await app.register(activityRoutes, { prefix: '/v1/orgs', deps });
  await app.register(insightsRoutes, { prefix: '/v1/orgs', deps });
  await app.register(ingestRoutes, { deps, gate: ingestGate });
  await app.register(otlpTracesRoute, {
    deps,
    gate: ingestGate,
    holdSeconds: options.config.otlpHoldSeconds,
  });
  await app.register(eventSchemaRoutes);
  await app.register(usageHistoryRoutes, { deps });
  await app.register(aiUsagesRoutes, { deps });
  await app.register(workspaceRoutes, { deps });
  await app.register(consoleRoutes, {});

  app.addHook('onClose', async () => {
    await recorder.close();
    await folder.close();
    await authenticator.close();
    await feed?.close();
    if (redis) await closeRedis(redis);
  });
  return app;
}
