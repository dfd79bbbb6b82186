// The soak's own database. Each run ingests hundreds of thousands of events, several times the
// small dataset, so by default a run starts from a freshly loaded database: otherwise every run
// would soak a bigger database than the last and runs could not be compared.
import pg from 'pg';
import { databaseName } from '../lib/dataset.js';

export async function dropSoakDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  // Only ever drop a database this tool owns.
  if (!name.startsWith('tally_soak')) {
    throw new Error(
      `refusing to drop "${name}": only databases named tally_soak* are dropped (or pass --reuse)`,
    );
  }
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
