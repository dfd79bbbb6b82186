// Where a CLI command runs. A command reads and writes through CommandIo and reaches the database
// through a CommandHost, so the same code runs in the CLI's own process (it opens the database
// itself) or inside a running server, reached over its control socket (src/control), when the
// server holds the embedded data folder and no second process may open it.
import { randomBytes } from 'node:crypto';
import { buildApp, type TallyApp } from '../app.js';
import { hashToken } from '../auth/tokens.js';
import { announceAdminToken, databaseTarget, prepareDeployment, resolveSecretKey } from '../bootstrap.js';
import type { Config } from '../config.js';
import { type LedgerDatabase, openDatabase } from '../db/open.js';
import { buildKeyring, type Keyring } from '../secrets/keys.js';

export interface CommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Whether `err` is a terminal (progress lines are then redrawn in place). */
  errIsTTY: boolean;
  readStdin(): Promise<string>;
}

export function processIo(): CommandIo {
  return {
    out: process.stdout,
    err: process.stderr,
    errIsTTY: process.stderr.isTTY === true,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

export interface AdminRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
}

export interface AdminAnswer {
  statusCode: number;
  body: string;
}

export interface CommandHost {
  /** `local`: this process opened the database; `server`: the command runs inside the server. */
  where: 'local' | 'server';
  database: LedgerDatabase;
  keyring: Keyring;
  /** Runs an administration request through the API's own routes, as the deployment admin. */
  admin(request: AdminRequest): Promise<AdminAnswer>;
  close(): Promise<void>;
}

/** Opens the host when the command needs the database (after its arguments were checked). */
export type OpenHost = (needs: { migrate: boolean }) => Promise<CommandHost>;

/** An app's routes under a one-off, in-memory deployment-admin token. */
export function adminThrough(app: TallyApp, token: string): CommandHost['admin'] {
  return async (request) => {
    const response = await app.inject({
      method: request.method,
      url: request.url,
      headers: { authorization: `Bearer ${token}` },
      ...(request.body !== undefined ? { payload: request.body as object } : {}),
    });
    return { statusCode: response.statusCode, body: response.body };
  };
}

export function newOneOffAdminToken(): string {
  return `tly_admin_${randomBytes(32).toString('base64url')}`;
}

/** The CLI's own process: it opens (and, when asked, migrates) the configured database. */
export function localHost(config: Config, io: CommandIo): OpenHost {
  return async ({ migrate }) => {
    let database: LedgerDatabase;
    let keyring: Keyring;
    if (migrate) {
      const deployment = await prepareDeployment(config);
      if (deployment.adminToken.generated) announceAdminToken(deployment.adminToken.generated, io.err);
      database = deployment.database;
      keyring = deployment.keyring;
    } else {
      keyring = buildKeyring(resolveSecretKey(config), config.previousSecretKeys);
      database = await openDatabase(databaseTarget(config));
    }
    let app: TallyApp | null = null;
    const oneOff = newOneOffAdminToken();
    return {
      where: 'local',
      database,
      keyring,
      async admin(request) {
        app ??= await buildApp({ config, database, keyring, adminTokenHash: hashToken(oneOff) });
        return adminThrough(app, oneOff)(request);
      },
      async close() {
        try {
          await app?.close();
        } finally {
          await database.close();
        }
      },
    };
  };
}
