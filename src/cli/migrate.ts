// `tally migrate`: applies the migrations and exits. Beside a server holding the embedded
// database it runs in the server, which migrated at start, so it reports the schema current.
import { announceAdminToken, resolveAdminToken } from '../bootstrap.js';
import type { Config } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { type CommandIo, localHost, type OpenHost, processIo } from './command-host.js';

export async function runMigrate(
  config: Config,
  io: CommandIo = processIo(),
  openHost: OpenHost = localHost(config, io),
): Promise<number> {
  const host = await openHost({ migrate: false });
  try {
    const { applied } = await migrateToLatest(host.database.db);
    io.out.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    // A server generates its admin token itself once it listens.
    if (host.where === 'local') {
      const admin = await resolveAdminToken(host.database.db, config);
      if (admin.generated) announceAdminToken(admin.generated, io.err);
    }
    return 0;
  } finally {
    await host.close();
  }
}
