// Runs the service: prepare the deployment, listen, and shut down gracefully on SIGTERM/SIGINT
// (stop accepting, finish in-flight requests, flush self-recorded activity, close the database).
import { buildApp } from './app.js';
import { announceAdminToken, prepareDeployment } from './bootstrap.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config);
  const deployment = await prepareDeployment(config);
  if (deployment.adminToken.generated) announceAdminToken(deployment.adminToken.generated);
  const app = await buildApp({
    config,
    database: deployment.database,
    keyring: deployment.keyring,
    adminTokenHash: deployment.adminToken.hash,
    logger,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      await app.close();
      await deployment.database.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: deployment.database.kind, url: address }, 'tally is serving');
}
