// The `tally` command. One file per command; this one only dispatches.
import { ConfigError, loadConfig } from '../config.js';

const USAGE = `tally — usage and activity ledger for AI-agent platforms

Usage: tally <command> [options]

Commands:
  serve                 serve the HTTP API (migrates first)
  migrate               apply database migrations and exit
  admin <operation>     administer orgs, users, workspaces, agents and tokens (tally admin --help)
  demo                  fill the database with realistic synthetic data (tally demo --help)
  export                stream activity or executions as NDJSON or CSV (tally export --help)

Settings come from the environment (see README): DATABASE_URL, TALLY_DATA_DIR, PORT, HOST, …
`;

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
    case 'migrate': {
      const { runMigrate } = await import('./migrate.js');
      return runMigrate(config);
    }
    case 'admin': {
      const { runAdmin } = await import('./admin.js');
      return runAdmin(config, rest);
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(config, rest);
    }
    case 'export': {
      const { runExport } = await import('./export.js');
      return runExport(config, rest);
    }
    default:
      process.stderr.write(`tally: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`tally: invalid setting ${error.message}\n`);
    } else {
      process.stderr.write(`tally: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(1);
  },
);
