import { announceAdminToken, databaseTarget, resolveAdminToken, resolveSecretKey } from '../bootstrap.js';
import type { Config } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

export async function runMigrate(config: Config): Promise<number> {
  resolveSecretKey(config);
  const database = await openDatabase(databaseTarget(config));
  try {
    const { applied } = await migrateToLatest(database.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    const admin = await resolveAdminToken(database.db, config);
    if (admin.generated) announceAdminToken(admin.generated);
    return 0;
  } finally {
    await database.close();
  }
}
