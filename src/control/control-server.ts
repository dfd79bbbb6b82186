// The control socket of a server on the embedded database. While it serves, the server holds the
// data folder's lock and no other process may open the folder; CLI commands that need the
// database (`admin`, `demo`, `export`, `migrate`) are sent here instead and run inside the
// server, on its database and its app (so a token created this way authenticates at once).
//
// Protocol: HTTP over a Unix domain socket. `POST /run` with a JSON body
// {command, args, stdin?, errIsTTY?}; the answer streams newline-delimited JSON frames:
// {"out": text} (standard output), {"err": text} (standard error), then {"exit": code}.
// Only the folder's owner can connect: the socket is created mode 0600.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { CommandHost, CommandIo } from '../cli/command-host.js';
import { failureMessage, isDatabaseCommand, runDatabaseCommand } from '../cli/commands.js';
import type { Config } from '../config.js';

export interface ControlRequest {
  command: string;
  args: string[];
  /** Standard input, for the one command that reads it (`admin put-integration`). */
  stdin?: string;
  errIsTTY?: boolean;
}

/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 100;
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * `<data folder>/tally.sock`; when that path is too long for a Unix socket, a private (0700)
 * directory in the system's temporary folder. The lock file names the path either way.
 */
export function controlSocketPath(dataDir: string): { path: string; privateDir: string | null } {
  const inFolder = resolve(dataDir, 'tally.sock');
  if (Buffer.byteLength(inFolder) <= MAX_SOCKET_PATH_BYTES) return { path: inFolder, privateDir: null };
  let base = tmpdir();
  if (Buffer.byteLength(base) > MAX_SOCKET_PATH_BYTES - 30) base = '/tmp';
  const privateDir = mkdtempSync(join(base, 'tally-'));
  return { path: join(privateDir, 'tally.sock'), privateDir };
}

export interface ControlServer {
  path: string;
  /** Stops accepting commands and waits for those running to finish. */
  close(): Promise<void>;
}

function frames(res: ServerResponse, key: 'out' | 'err'): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      // A CLI that went away (Ctrl-C) no longer reads: its output is dropped and the command runs
      // to its end (a demo half loaded is no better than one fully loaded).
      if (res.destroyed || res.writableEnded) return callback();
      if (res.write(`${JSON.stringify({ [key]: String(chunk) })}\n`)) callback();
      else res.once('drain', () => callback());
    },
  });
}

async function readRequest(req: IncomingMessage): Promise<ControlRequest | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ControlRequest;
    const valid =
      typeof value.command === 'string' &&
      Array.isArray(value.args) &&
      value.args.every((arg) => typeof arg === 'string') &&
      (value.stdin === undefined || typeof value.stdin === 'string');
    return valid ? value : null;
  } catch {
    return null;
  }
}

export async function startControlServer(
  config: Config,
  host: CommandHost,
  onError: (error: unknown) => void,
): Promise<ControlServer> {
  const { path, privateDir } = controlSocketPath(config.dataDir);
  const running = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/run') {
      res.writeHead(404).end();
      return;
    }
    const request = await readRequest(req);
    if (request === null) {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const io: CommandIo = {
      out: frames(res, 'out'),
      err: frames(res, 'err'),
      errIsTTY: request.errIsTTY === true,
      readStdin: async () => request.stdin ?? '',
    };
    let code: number;
    try {
      if (!isDatabaseCommand(request.command)) {
        io.err.write(`tally: "${request.command}" cannot run through the server\n`);
        code = 1;
      } else {
        code = await runDatabaseCommand(config, request.command, request.args, io, async () => host);
      }
    } catch (error) {
      io.err.write(failureMessage(error));
      code = 1;
    }
    // Frames are written in order: the exit frame follows everything the command wrote.
    await new Promise<void>((done) => io.out.end(() => io.err.end(() => done())));
    if (!res.destroyed) res.end(`${JSON.stringify({ exit: code })}\n`);
  };

  const server = createServer((req, res) => {
    const run = handle(req, res).catch((error) => {
      onError(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    running.add(run);
    void run.finally(() => running.delete(run));
  });
  // A socket left by a killed server: we hold the folder's lock, so it is no one else's.
  rmSync(path, { force: true });
  // Created owner-only from the start (umask), then made 0600 explicitly.
  // (The socket is bound synchronously inside listen(), so the umask is restored at once.)
  const listening = new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const umask = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(umask);
  }
  await listening;
  chmodSync(path, 0o600);

  return {
    path,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      await Promise.allSettled([...running]);
      await closed;
      rmSync(path, { force: true });
      if (privateDir !== null) rmSync(privateDir, { recursive: true, force: true });
    },
  };
}
