// The world the hostile-input tests attack: a real app on its own database, an org with an owner,
// two workspaces (an integer id for usage history's header, a uuid for the uuid-typed routes) and
// a little data in each record kind, so valid parts of a hostile request reach the handlers and
// their queries. Also the sender that checks and counts every answer.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Factory, numericId } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { problemsWith, type SentRequest } from './expectations.js';
import type { CataloguedRoute, Surface } from './route-catalogue.js';

/**
 * fast-check runs for a property: `base`, scaled by HOSTILE_RUNS_SCALE (default 1) for a longer
 * hunt than the suite's time budget allows, e.g. `HOSTILE_RUNS_SCALE=20 npx vitest run test/hostile`.
 */
export function runs(base: number): number {
  const scale = Number(process.env.HOSTILE_RUNS_SCALE ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

export interface HostileWorld {
  t: TestApp;
  orgId: string;
  ownerId: string;
  numericWorkspaceId: string;
  uuidWorkspaceId: string;
  /** Bearer tokens that reach the handlers: the org owner's, the org's service token, the admin's. */
  tokens: string[];
  /** A token nobody uses, for the revocation route to revoke. */
  spareTokenId: string;
  /** Path parameter values that name existing things (or harmless attributes), by name. */
  validParams: Record<string, string>;
}

function seedEvents(world: { ownerId: string; numericWorkspaceId: string; uuidWorkspaceId: string }) {
  const time = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  const event = (id: string, type: string, data: object) => ({
    specversion: '1.0',
    id,
    source: 'hostile',
    type,
    time,
    data,
  });
  return [
    event('act-1', 'activity.recorded', {
      workspace_id: world.uuidWorkspaceId,
      user_id: world.ownerId,
      app_id: 'app-1',
      augmentation_id: 'aug-1',
      resource_type: 'endpoint',
      resource_id: 'ep-1',
      action: 'create',
      method: 'POST',
      path: '/x',
      status_code: 201,
      duration_ms: 12,
      token_usage: { total_tokens: 10 },
    }),
    event('exe-1', 'execution.recorded', {
      id: '9001',
      workspace_id: world.numericWorkspaceId,
      user_id: world.ownerId,
      agent: { id: 'writer', slug: 'blog-writer', name: 'Blog Writer', type: 'chat' },
      status: 'succeeded',
      credits: 1.5,
      tokens: { input: 1, output: 2, total: 3 },
    }),
    event('use-1', 'ai_usage.recorded', {
      id: 'usage-1',
      workspaceId: world.uuidWorkspaceId,
      toolType: 'other',
      status: 'completed',
      cost: 0.1,
    }),
  ];
}

export async function hostileWorld(): Promise<HostileWorld> {
  const t = await buildTestApp();
  const f = new Factory(t);
  const w = await f.world({ workspaceId: numericId() });
  const uuidWorkspaceId = randomUUID();
  await f.workspace(w.org.id, { id: uuidWorkspaceId, ownerId: w.owner.id });
  const spare = await f.token(w.org.id);
  const ids = { ownerId: w.owner.id, numericWorkspaceId: w.workspace.id, uuidWorkspaceId };
  await f.ingest(w.serviceToken.token, seedEvents(ids));
  return {
    t,
    orgId: w.org.id,
    ...ids,
    tokens: [w.ownerToken.token, w.serviceToken.token, t.adminToken],
    spareTokenId: spare.id,
    validParams: {
      org_id: w.org.id,
      workspace_id: uuidWorkspaceId,
      workspaceId: uuidWorkspaceId,
      user_id: w.owner.id,
      app_id: 'app-1',
      endpoint_id: 'ep-1',
      augmentation_id: 'aug-1',
      resource_id: 'ep-1',
      action: 'create',
      agent_id: 'agent-1',
      provider: 'slack',
      token_id: spare.id,
      file: 'activity.recorded.json',
    },
  };
}

/** Long values cut short, so that a counterexample fits on a screen. */
function abbreviate(value: unknown): unknown {
  if (typeof value === 'string')
    return value.length > 160 ? `${value.slice(0, 160)}…(${value.length} chars)` : value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, abbreviate(inner)]));
  }
  return value;
}

/** Gives a generated request a short printed form in fast-check's failure report. */
export function printable<T extends object>(request: T): T {
  const copy = { ...request };
  Object.defineProperty(copy, fc.toStringMethod, { value: () => JSON.stringify(abbreviate(copy)) });
  return copy;
}

export const paramNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);

/** The route's path with each `:param` replaced by its wire-form value. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_whole, name: string) => values[name] ?? '');
}

/** Counts requests per route and fails the test on the first answer that breaks a rule. */
export class HostileSender {
  readonly counts = new Map<string, number>();
  private readonly bySurface = new Map<string, number>();
  private readonly byStatus = new Map<number, number>();

  constructor(private readonly world: HostileWorld) {}

  async send(route: CataloguedRoute, request: SentRequest & { method: string }) {
    this.counts.set(route.key, (this.counts.get(route.key) ?? 0) + 1);
    this.bySurface.set(route.surface, (this.bySurface.get(route.surface) ?? 0) + 1);
    const response = await injectRequest(this.world, request);
    this.byStatus.set(response.statusCode, (this.byStatus.get(response.statusCode) ?? 0) + 1);
    const problems = problemsWith(route.surface, request, response);
    const shown = `${request.method} ${request.url.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
    expect(problems, shown).toEqual([]);
    return response;
  }

  /** One line for the closing note: requests sent, in total and per surface. */
  summary(group: string): string {
    const total = [...this.counts.values()].reduce((sum, count) => sum + count, 0);
    const parts = [...this.bySurface].map(([surface, count]) => `${surface} ${count}`).join(', ');
    const statuses = [...this.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    return `hostile inputs (${group}): ${total} requests over ${this.counts.size} routes (${parts}); answers ${statuses}`;
  }
}

/** After the attack: the app still serves an ordinary request. */
export async function expectStillServing(world: HostileWorld): Promise<void> {
  const health = await world.t.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  const listing = await world.t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${world.orgId}/activity?limit=1`,
    headers: bearer(world.tokens[1]!),
  });
  expect(listing.statusCode, listing.body).toBe(200);
}

let injected = 0;

/** Requests this test file has sent through injectRequest, for its closing summary line. */
export const requestsSent = () => injected;

export function injectRequest(world: HostileWorld, request: SentRequest) {
  injected += 1;
  return world.t.app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers: request.headers,
    ...(request.payload !== undefined ? { payload: request.payload } : {}),
  });
}

/** Sends `request` and expects `status`, in `surface`'s own error format. */
export async function expectAnswer(
  world: HostileWorld,
  surface: Surface,
  request: SentRequest,
  status: number,
) {
  const response = await injectRequest(world, request);
  expect(response.statusCode, `${surface}: ${response.body.slice(0, 300)}`).toBe(status);
  expect(problemsWith(surface, request, response), surface).toEqual([]);
  return response;
}
