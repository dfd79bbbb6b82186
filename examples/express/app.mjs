// An Express app recording every request it serves into a local Tally with @tally/sdk: the
// middleware (tallyExpress), the ingestion client (TallyRecorder) and the typed read client
// (createTallyClient). It provisions its org, workspace and token with the admin token, serves a
// small API on PORT (default 3000), calls itself a few times, and prints what Tally recorded.
// `--once` exits after that (the SDK's tests run it so).
import { createTallyClient, TallyRecorder, tallyExpress, unwrap } from '@tally/sdk';
import express from 'express';

const TALLY_URL = process.env.TALLY_URL ?? 'http://127.0.0.1:8080';
const ADMIN_TOKEN = process.env.TALLY_ADMIN_TOKEN;
const ORG = process.env.EXAMPLE_ORG ?? 'example';
const WORKSPACE = '1001';
const PORT = Number(process.env.PORT ?? 3000);
if (!ADMIN_TOKEN) {
  console.error('Set TALLY_ADMIN_TOKEN to the admin token Tally was started with.');
  process.exit(1);
}

/** The org, its owner, a workspace and an ingest+read token; an org that exists is kept. */
async function provision() {
  const admin = createTallyClient({ baseUrl: TALLY_URL, token: ADMIN_TOKEN });
  const org = await admin.POST('/v1/admin/orgs', { body: { id: ORG, name: 'Example' } });
  if (org.error && org.response.status !== 409)
    throw new Error(`creating the org: ${JSON.stringify(org.error)}`);
  await unwrap(
    admin.PUT('/v1/admin/orgs/{org_id}/users/{user_id}', {
      params: { path: { org_id: ORG, user_id: 'ada' } },
      body: { email: 'ada@example.test', role: 'owner' },
    }),
  );
  await unwrap(
    admin.PUT('/v1/admin/orgs/{org_id}/workspaces/{workspace_id}', {
      params: { path: { org_id: ORG, workspace_id: WORKSPACE } },
      body: { name: 'Example workspace', owner_user_id: 'ada' },
    }),
  );
  const created = await unwrap(
    admin.POST('/v1/admin/orgs/{org_id}/tokens', {
      params: { path: { org_id: ORG } },
      body: { name: 'example app', abilities: ['ingest', 'read'] },
    }),
  );
  return created.token;
}

const token = await provision();
const recorder = new TallyRecorder({
  baseUrl: TALLY_URL,
  token,
  source: 'example/express',
  onError: (error) => console.warn('tally:', error.message),
  onRejected: (events) => console.warn('tally rejected:', JSON.stringify(events)),
});

const app = express();
app.use(express.json());
app.use(
  tallyExpress({
    recorder,
    userId: (req) => req.headers['x-user'] ?? undefined,
    workspaceId: () => WORKSPACE,
    appId: () => 'example-api',
    exclude: (req) => req.path === '/healthz',
    tokenUsage: (_req, res) => res.locals?.tokenUsage,
  }),
);
app.get('/healthz', (_req, res) => res.json({ ok: true }));
app.get('/v1/reports/:id', (req, res) => res.json({ id: req.params.id }));
app.post('/v1/reports', (_req, res) => {
  // A handler that called a model reports its token usage for the activity record.
  res.locals.tokenUsage = { input: 1200, output: 300 };
  res.status(201).json({ id: 'r-new' });
});

const server = app.listen(PORT, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const self = `http://127.0.0.1:${server.address().port}`;
console.log(`example app on ${self}, recording into ${TALLY_URL} (org "${ORG}")`);

// A few requests, as users would make them.
for (const [method, path, user] of [
  ['GET', '/v1/reports/r-1', 'ada'],
  ['POST', '/v1/reports', 'ada'],
  ['GET', '/v1/reports/r-2', 'grace'],
  ['GET', '/healthz', 'ada'],
]) {
  await fetch(`${self}${path}`, { method, headers: { 'x-user': user } }).then((r) => r.text());
}
await recorder.flush();

const tally = createTallyClient({ baseUrl: TALLY_URL, token });
const page = await unwrap(
  tally.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/activity', {
    params: { path: { org_id: ORG, workspace_id: WORKSPACE }, query: { limit: 10 } },
  }),
);
console.log('recent activity in Tally:');
for (const a of page.activities.filter((a) => a.app_id === 'example-api')) {
  console.log(
    `  ${a.timestamp}  ${a.user_id?.padEnd(6)} ${a.method?.padEnd(5)} ${a.path?.padEnd(18)} ${a.status_code}  ${a.action}/${a.resource_type}  ${a.duration_ms} ms`,
  );
}

async function shutdown() {
  await new Promise((resolve) => server.close(resolve));
  await recorder.close();
}
if (process.argv.includes('--once')) await shutdown();
else {
  console.log(`serving; try: curl -H 'x-user: ada' ${self}/v1/reports/r-3   (Ctrl-C to stop)`);
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}
