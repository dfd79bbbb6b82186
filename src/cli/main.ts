// The `tally` command. One file per command; this one only dispatches.
import { embeddedDataDir } from '../bootstrap.js';
import { type Config, loadConfig } from '../config.js';
import { liveHolder } from '../db/data-dir-lock.js';
import { type CommandIo, localHost, processIo } from './command-host.js';
import { type DatabaseCommand, failureMessage, isDatabaseCommand, runDatabaseCommand } from './commands.js';

const USAGE = `tally — usage and activity ledger for AI-agent platforms

Usage: tally <command> [options]

Commands:
  serve                 serve the HTTP API (migrates first)
  migrate               apply database migrations and exit
  admin <operation>     administer orgs, users, workspaces, agents and tokens (tally admin --help)
  demo                  fill the database with realistic synthetic data (tally demo --help)
  export                stream activity or executions as NDJSON or CSV (tally export --help)

Settings come from the environment (see README): DATABASE_URL, TALLY_DATA_DIR, PORT, HOST, …
While a server runs on the embedded database, the other commands run through it.
`;

/**
 * The control socket of the server holding the data folder, if one does. A server still starting
 * (it holds the folder but does not listen yet: initdb, migrations) is waited for.
 */
async function serverSocket(dataDir: string, io: CommandIo): Promise<string | null> {
  const deadline = Date.now() + 120_000;
  let holder = liveHolder(dataDir);
  let told = false;
  while (holder !== null && holder.socket === null && holder.command.split(' ')[0] === 'serve') {
    if (Date.now() > deadline) break;
    if (!told) io.err.write(`tally: waiting for the server (process ${holder.pid}) to finish starting…\n`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
    holder = liveHolder(dataDir);
  }
  return holder?.socket ?? null;
}

/**
 * A command that needs the database. On the embedded database, a server holding the data folder
 * runs it (no second process may open the folder); otherwise this process opens it, which fails
 * fast, naming the holder, while another command holds it.
 */
async function runWithDatabase(config: Config, command: DatabaseCommand, args: string[]): Promise<number> {
  const io = processIo();
  const socket = config.databaseUrl ? null : await serverSocket(embeddedDataDir(config), io);
  if (socket) {
    const { ControlUnreachableError, runThroughServer } = await import('../control/control-client.js');
    const { args: sent, output } =
      command === 'export' ? (await import('./export.js')).splitOutputOption(args) : { args, output: null };
    const { adminReadsStdin } = await import('./admin.js');
    const stdin = command === 'admin' && adminReadsStdin(args) ? await io.readStdin() : undefined;
    try {
      return await runThroughServer(
        socket,
        { command, args: sent, errIsTTY: io.errIsTTY, ...(stdin !== undefined ? { stdin } : {}) },
        io,
        output,
      );
    } catch (error) {
      // The server went away since its lock was read: run here (the lock decides).
      if (!(error instanceof ControlUnreachableError)) throw error;
    }
  }
  return runDatabaseCommand(config, command, args, io, localHost(config, io));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { serve } = await import('../server.js');
      await serve(config);
      return -1; // keeps running until a signal
    }
    default:
      if (isDatabaseCommand(command)) return runWithDatabase(config, command, rest);
      process.stderr.write(`tally: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(failureMessage(error));
    process.exit(1);
  },
);
