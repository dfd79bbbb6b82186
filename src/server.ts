// Runs the service: prepare the deployment, listen, and shut down gracefully on SIGTERM/SIGINT
// (stop accepting, finish in-flight requests, flush self-recorded activity, close the database).
// On the embedded database it also listens on the data folder's control socket, through which the
// CLI's commands run while this process holds the folder (src/control).
import { buildApp } from './app.js';
import { hashToken } from './auth/tokens.js';
import { announceAdminToken, prepareDeployment, resolveAdminToken } from './bootstrap.js';
import { adminThrough, type CommandHost, newOneOffAdminToken } from './cli/command-host.js';
import type { Config } from './config.js';
import type { ControlServer } from './control/control-server.js';
import { createLogger } from './logger.js';

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config);
  // A missing admin token is generated only once the server listens (below): a start that fails
  // before then (a bad HOST, a busy port) must not have printed, or stored, a token no one keeps.
  const deployment = await prepareDeployment(config, { generateAdminToken: false });
  const { database } = deployment;
  const app = await buildApp({
    config,
    database,
    keyring: deployment.keyring,
    adminTokenHash: deployment.adminToken.hash,
    logger,
  });

  let control: ControlServer | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      // CLI commands running through the server finish first: they use the app and the database.
      await control?.close();
      await app.close();
      await database.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  // The control socket comes up before the port: once the server answers, the CLI reaches it.
  if (database.lock) {
    const { startControlServer } = await import('./control/control-server.js');
    // The control socket's commands act as the deployment admin under a token that never leaves
    // this process; reaching the socket at all requires being the data folder's owner.
    const controlToken = newOneOffAdminToken();
    app.deps.authenticator.acceptAdminToken(hashToken(controlToken));
    const host: CommandHost = {
      where: 'server',
      database,
      keyring: deployment.keyring,
      admin: adminThrough(app, controlToken),
      close: async () => {},
    };
    control = await startControlServer(config, host, (error) =>
      app.log.error({ err: error }, 'control command failed'),
    );
    database.lock.publishSocket(control.path);
  }
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await control?.close().catch(() => {});
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
  if (deployment.adminToken.hash === null) {
    const admin = await resolveAdminToken(database.db, config);
    app.deps.authenticator.acceptAdminToken(admin.hash);
    if (admin.generated) announceAdminToken(admin.generated);
  }
  app.log.info(
    { database: database.kind, url: address, ...(control ? { control_socket: control.path } : {}) },
    'tally is serving',
  );
}
