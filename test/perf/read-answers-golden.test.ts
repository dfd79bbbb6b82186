// Performance work must not change a single byte of what the read routes answer (issue #16). A
// fixed world (fixed ids, a pinned clock, values chosen to stress rendering: microsecond instants,
// durations that JS and PostgreSQL spell differently, metadata keys JS reorders, text needing
// escapes) is ingested, every read surface is asked a fixed list of questions, and the answers
// (status, content type, body bytes) must equal test/perf/golden/read-answers.json, written from
// the code before the work began. `TALLY_WRITE_GOLDEN=1` rewrites the file: only ever from a
// commit whose answers are known good, and the diff is the review.
import { readFileSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

const GOLDEN = new URL('./golden/read-answers.json', import.meta.url);
const NOW = '2026-06-15T12:00:00.000Z';
const ORG = 'golden-org';
const WS = ['1001', '1002', '1003'];
const WS_UUID = 'd0000000-0000-4000-8000-000000001001';
const USERS = ['501', '502', '503'];

let t: TestApp;
let f: Factory;
let token: string;
let ownerToken: string;

/** A small deterministic generator (mulberry32): the same world on every run. */
function generator(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const DURATIONS = [12.345, 0, 1e-7, 0.00001, 1e16, 123456789012345.6, null, 250, 0.1, 99999.999];
const METADATA = [
  {},
  { source: 'golden', route: '/v1/x' },
  { b: 1, '10': 2, '2': 'two', a: 'é\u0001"\\' },
  { nested: { list: [1, 2.5, 'x', null, true], deep: { '': 0 } } },
  { big: 9007199254740992, small: 1e-300, large: 1e300 },
];
const TOKEN_USAGE = [null, { total_tokens: 42 }, { input: 10, output: 5 }, { '3': 1, z: 2 }];

function activityEvents() {
  const random = generator(16);
  const base = Date.parse(NOW);
  const events = [];
  for (let i = 0; i < 240; i++) {
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    // Within the last 30 days; every fifth shares its millisecond with the previous one.
    const millis = base - Math.floor(random() * 30 * 86_400_000);
    const micros = String(Math.floor(random() * 1000)).padStart(3, '0');
    const at = new Date(i % 5 === 0 && i > 0 ? millis - (millis % 1000) : millis).toISOString();
    const timestamp = `${at.slice(0, -1)}${micros}Z`;
    const status = pick([200, 201, 404, 500]);
    events.push({
      specversion: '1.0',
      id: `golden-act-${i}`,
      source: 'tests/golden',
      type: 'activity.recorded',
      time: timestamp,
      data: {
        id: `act-${String(i).padStart(4, '0')}`,
        timestamp,
        trace_id: i % 3 === 0 ? null : `trace-${i}`,
        user_id: pick(USERS),
        workspace_id: pick(WS),
        app_id: pick(['app-1', 'app-2', null]),
        principal_type: 'user',
        principal_id: pick(USERS),
        method: pick(['GET', 'POST', 'DELETE']),
        path: pick(['/v1/a', '/v1/b?q="x"', '/ünïcode/\t/path']),
        resource_type: pick(['endpoint', 'agent', null]),
        resource_id: pick(['ep-1', 'ep-2', null]),
        action: pick(['read', 'create', 'delete', 'execute']),
        status_code: status,
        success: status < 400,
        error_code: status < 400 ? null : `HTTP_${status}`,
        duration_ms: pick(DURATIONS),
        augmentation_id: pick(['aug-1', null]),
        stages_completed: pick([null, 1, 3]),
        total_stages: pick([null, 3]),
        token_usage: pick(TOKEN_USAGE),
        metadata: pick(METADATA),
      },
    });
  }
  return events;
}

function executionEvents(agent: { id: string; slug: string; name: string; type: string }) {
  const random = generator(61);
  return Array.from({ length: 60 }, (_, i) => {
    const createdAt = new Date(Date.parse(NOW) - Math.floor(random() * 20 * 86_400_000)).toISOString();
    return {
      specversion: '1.0',
      id: `golden-exe-${i}`,
      source: 'tests/golden',
      type: 'execution.recorded',
      time: createdAt,
      data: {
        id: String(9000 + i),
        workspace_id: WS[i % 2]!,
        user_id: USERS[i % 3]!,
        agent,
        status: ['succeeded', 'failed', 'running'][i % 3],
        credits: [1, 2.5, 0.1, 1e-7][i % 4],
        output: i % 4 === 0 ? null : `output ${i} "quoted" é`,
        output_url: i % 5 === 0 ? `https://files.example/out/${i}.txt` : null,
        output_private: i % 10 === 0,
        root_id: null,
        execution_origin: i % 2 === 0 ? 'api' : null,
        used_model: i % 3 === 0 ? 'gpt-x' : null,
        tokens: i % 2 === 0 ? { input: 10 * i, output: i, total: 11 * i } : null,
        created_at: createdAt,
      },
    };
  });
}

function usageEvents() {
  const random = generator(7);
  return Array.from({ length: 60 }, (_, i) => {
    const createdAt = new Date(Date.parse(NOW) - Math.floor(random() * 20 * 86_400_000)).toISOString();
    return {
      specversion: '1.0',
      id: `golden-use-${i}`,
      source: 'tests/golden',
      type: 'ai_usage.recorded',
      time: createdAt,
      data: {
        id: `use-${i}`,
        workspaceId: WS[i % 2]!,
        toolType: ['image-generation', 'session-summary', 'other'][i % 3],
        status: ['completed', 'failed', 'pending'][i % 3],
        cost: [0.5, 0, 1e-7, 12.25][i % 4],
        inputData: i % 2 === 0 ? { prompt: `p${i}`, '7': 'seven' } : {},
        responseData: i % 3 === 0 ? { ok: true, n: [1, 2] } : undefined,
        createdAt,
        completedAt: i % 3 === 0 ? createdAt : null,
      },
    };
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.pinned = new Date(NOW);
  f = new Factory(t);
  await f.org(ORG);
  for (const [i, id] of USERS.entries()) {
    await f.user(ORG, { id, role: i === 0 ? 'owner' : 'member', email: `${id}@golden.test` });
  }
  for (const [i, id] of WS.entries()) {
    await f.workspace(ORG, {
      id,
      ownerId: USERS[0]!,
      name: `Golden ${i}`,
      ...(i === 0 ? { uuid: WS_UUID } : {}),
    });
  }
  const agent = await f.agent(ORG, { id: 'agent-g', slug: 'golden', name: 'Golden Agent', type: 'chat' });
  token = (await f.token(ORG)).token;
  ownerToken = (await f.token(ORG, { userId: USERS[0]! })).token;
  await f.ingest(token, activityEvents());
  await f.ingest(token, executionEvents(agent));
  await f.ingest(token, usageEvents());
  // The database stamps these with its own clock; the answers must not depend on it.
  await sql`UPDATE workspaces SET created_at = ${NOW}::timestamptz, updated_at = ${NOW}::timestamptz`.execute(
    t.db,
  );
});
afterAll(() => t.close());

/** The questions: each listing's first page and the pages its cursors lead to. */
const QUESTIONS: { url: string; owner?: boolean; follow?: number; workspace?: string }[] = [
  { url: `/v1/orgs/${ORG}/activity?limit=50`, follow: 5 },
  { url: `/v1/orgs/${ORG}/activity?start_time=2026-06-01T00:00:00Z&limit=7`, follow: 3 },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/activity?limit=20`, follow: 3 },
  { url: `/v1/orgs/${ORG}/users/${USERS[1]}/activity?workspace_id=${WS[1]}`, follow: 2 },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/apps/app-1/activity?limit=10`, follow: 2 },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/apps/app-1/endpoints/ep-1/activity` },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[1]}/augmentations/aug-1/activity?limit=5`, follow: 1 },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[1]}/activity/actions/read` },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[2]}/resources/ep-2/activity` },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/activity/search?action=read&success=true&limit=10`, follow: 1 },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/activity/search?min_duration_ms=1&max_duration_ms=300` },
  { url: `/v1/orgs/${ORG}/me/activity?limit=15`, owner: true, follow: 1 },
  { url: `/v1/orgs/${ORG}/activity/summary?hours=24` },
  { url: `/v1/orgs/${ORG}/activity/summary?hours=168` },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/activity/summary?hours=168` },
  { url: `/v1/orgs/${ORG}/users/${USERS[2]}/activity/summary?hours=168` },
  { url: `/v1/orgs/${ORG}/workspaces/${WS[0]}/apps/app-1/endpoints/ep-1/activity/summary?hours=168` },
  { url: `/v1/orgs/${ORG}/me/activity/summary?hours=168`, owner: true },
  {
    url: `/v1/orgs/${ORG}/insights/series?metric=requests&start=2026-06-01T00:00:00Z&end=2026-06-15T00:00:00Z&grain=day`,
  },
  { url: `/v1/orgs/${ORG}/insights/top?dimension=users&start=2026-05-16T00:00:00Z&end=2026-06-15T00:00:00Z` },
  {
    url: `/v1/orgs/${ORG}/insights/top?dimension=workspaces&start=2026-05-16T00:00:00Z&end=2026-06-15T00:00:00Z`,
  },
  {
    url: `/workspaces/usage?start_date=2026-05-20&end_date=2026-06-15&per_page=7`,
    owner: true,
    workspace: WS[0],
  },
  {
    url: `/workspaces/usage?start_date=2026-05-20&end_date=2026-06-15&per_page=9&page=2`,
    owner: true,
    workspace: WS[1],
  },
  { url: `/api/v1/workspace/${WS[0]}/ai/usages?limit=10&offset=0`, owner: true },
  { url: `/api/v1/workspace/${WS[1]}/ai/usages?limit=5&offset=3&status=completed`, owner: true },
  { url: `/api/v1/workspaces/${WS_UUID}`, owner: true },
];

interface Answer {
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

async function ask(url: string, owner: boolean, workspace: string | undefined): Promise<Answer> {
  const headers = {
    ...bearer(owner ? ownerToken : token),
    ...(workspace ? { 'x-workspace-id': workspace } : {}),
  };
  const response = await t.app.inject({ method: 'GET', url, headers });
  const contentType = response.headers['content-type'];
  return {
    url,
    status: response.statusCode,
    contentType: contentType as string | undefined,
    body: response.body,
  };
}

it('every read answer is byte-for-byte the recorded one', async () => {
  const answers: Answer[] = [];
  for (const question of QUESTIONS) {
    let answer = await ask(question.url, question.owner ?? false, question.workspace);
    answers.push(answer);
    for (let page = 0; page < (question.follow ?? 0); page++) {
      const next = (JSON.parse(answer.body) as { next_cursor?: string | null }).next_cursor;
      if (!next) break;
      const separator = question.url.includes('?') ? '&' : '?';
      const url = `${question.url}${separator}cursor=${encodeURIComponent(next)}`;
      answer = await ask(url, question.owner ?? false, question.workspace);
      answers.push(answer);
    }
  }
  // The questions must reach the data (a world that failed to load would "match" empty answers).
  expect(answers.filter((a) => a.status !== 200).map((a) => `${a.url} ${a.status} ${a.body}`)).toEqual([]);
  expect(answers.length).toBeGreaterThan(QUESTIONS.length + 10);
  if (process.env.TALLY_WRITE_GOLDEN === '1') {
    writeFileSync(GOLDEN, `${JSON.stringify(answers, null, 1)}\n`);
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Answer[];
  expect(answers.map((a) => a.url)).toEqual(golden.map((a) => a.url));
  for (const [i, answer] of answers.entries()) expect(answer, answer.url).toEqual(golden[i]);
});
