// PGlite's module is loaded only by a service on the embedded database (src/db/open.ts): one on
// PostgreSQL never holds its JavaScript, which every full collection of the heap would mark. The
// compiled service runs as a real process with a module hook that reports every module it
// resolves from @electric-sql/pglite.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/test-database.js';
import { type ServiceFolder, serviceFolder } from './service-folder.js';
import { buildService, freePort, RELIABILITY_ADMIN_TOKEN, ServiceProcess } from './service-process.js';

const MARK = 'module-resolved:';
/** Preloaded with --import: prints each resolved module URL of PGlite's package on stderr. */
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (resolved.url.includes('/@electric-sql/pglite/')) process.stderr.write('${MARK}' + resolved.url + '\\n');
    return resolved;
  },
});`)}`;

let folder: ServiceFolder;
let service: ServiceProcess | null = null;

beforeAll(async () => {
  buildService();
  folder = await serviceFolder('tally-pglite-loaded');
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await folder?.remove();
});

it(`loads PGlite's module only on the embedded database (${testDatabaseKind()})`, async () => {
  service = await ServiceProcess.start(await freePort(), { ...folder.env, NODE_OPTIONS: `--import ${HOOK}` });
  // A request that writes to the database, so anything loaded on first use has been.
  const response = await fetch(`${service.url}/v1/admin/orgs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'org-pglite-loaded', name: 'PGlite loaded' }),
  });
  expect(response.status).toBe(201);
  await response.arrayBuffer();
  const loaded = service
    .rawOutput()
    .split('\n')
    .filter((line) => line.startsWith(MARK));
  if (testDatabaseKind() === 'postgres') expect(loaded).toEqual([]);
  else expect(loaded).toContainEqual(expect.stringMatching(/\/@electric-sql\/pglite\/dist\/index\.js$/));
}, 120_000);
