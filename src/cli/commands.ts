// The commands that need the database, dispatched the same way whether they run in the CLI's own
// process or inside a server that holds the embedded data folder (src/control).
import type { Config } from '../config.js';
import type { CommandIo, OpenHost } from './command-host.js';

export const DATABASE_COMMANDS = ['admin', 'demo', 'export', 'migrate'] as const;
export type DatabaseCommand = (typeof DATABASE_COMMANDS)[number];

export function isDatabaseCommand(command: string): command is DatabaseCommand {
  return (DATABASE_COMMANDS as readonly string[]).includes(command);
}

export async function runDatabaseCommand(
  config: Config,
  command: DatabaseCommand,
  args: string[],
  io: CommandIo,
  openHost: OpenHost,
): Promise<number> {
  switch (command) {
    case 'migrate':
      return (await import('./migrate.js')).runMigrate(config, io, openHost);
    case 'admin':
      return (await import('./admin.js')).runAdmin(config, args, io, openHost);
    case 'demo':
      return (await import('./demo.js')).runDemo(config, args, io, openHost);
    case 'export':
      return (await import('./export.js')).runExport(config, args, io, openHost);
  }
}

/** The message main prints for a failed command (the server sends the same one back). */
export function failureMessage(error: unknown): string {
  if (error instanceof Error && error.name === 'ConfigError')
    return `tally: invalid setting ${error.message}\n`;
  return `tally: ${error instanceof Error ? error.message : String(error)}\n`;
}
