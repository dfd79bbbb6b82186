// A deterministic activity fixture for the activity surface's tests: records spread over a few
// past hours, ingested through /v1/ingest, and kept in memory so tests can compute what every
// listing and summary must answer independently of the service.
import { expect } from 'vitest';
import type { Factory } from '../helpers/factories.js';
import { uid } from '../helpers/factories.js';
import { bearer, type TestApp } from '../helpers/test-app.js';

export interface FixtureRecord {
  id: string;
  timestamp: string;
  trace_id: string | null;
  user_id: string | null;
  workspace_id: string | null;
  app_id: string | null;
  principal_type: string | null;
  principal_id: string | null;
  token_id: string | null;
  token_type: string | null;
  method: string | null;
  path: string | null;
  resource_type: string | null;
  resource_id: string | null;
  action: string | null;
  status_code: number | null;
  success: boolean;
  error_code: string | null;
  duration_ms: number | null;
  execution_id: string | null;
  augmentation_id: string | null;
  stages_completed: number | null;
  total_stages: number | null;
  token_usage: Record<string, number> | null;
  metadata: Record<string, unknown>;
}

export const ACTIONS = ['create', 'read', 'update', 'delete', 'execute', 'trigger'] as const;
const RESOURCE_TYPES = ['workspace', 'app', 'endpoint', 'augmentation', 'execution'];

/** A small deterministic generator (mulberry32), so failures reproduce. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface World {
  orgId: string;
  workspaceId: string;
  otherWorkspaceId: string;
  ownerId: string;
  ownerToken: string;
  serviceToken: string;
  userIds: string[];
  apps: string[];
  endpoints: string[];
  augmentations: string[];
  resources: string[];
  records: FixtureRecord[];
}

export interface FixtureOptions {
  /** The window the records fall into: [end − hours, end). */
  end: Date;
  hours: number;
  count: number;
  seed?: number;
}

/**
 * An org with an owner, a service token, two workspaces, three more users, and `count` records
 * spread over the window. Some timestamps repeat on purpose (same millisecond, different ids), and a
 * few records sit exactly on hour boundaries.
 */
export async function buildWorld(t: TestApp, f: Factory, options: FixtureOptions): Promise<World> {
  const w = await f.world();
  const other = await f.workspace(w.org.id, { ownerId: w.owner.id });
  const userIds = [w.owner.id];
  for (let i = 0; i < 3; i++) userIds.push((await f.user(w.org.id)).id);
  const random = rng(options.seed ?? 42);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const apps = [uid('app'), uid('app')];
  const endpoints = [uid('ep'), uid('ep'), uid('ep')];
  const augmentations = [uid('aug'), uid('aug')];
  const resources = [uid('res'), uid('res'), uid('res')];
  const endMs = options.end.getTime();
  const span = options.hours * 3_600_000;
  const records: FixtureRecord[] = [];
  let previous = endMs - 1;
  for (let i = 0; i < options.count; i++) {
    let at: number;
    const r = random();
    if (r < 0.1)
      at = previous; // same millisecond as the previous record
    else if (r < 0.15)
      at = Math.floor((endMs - random() * span) / 3_600_000) * 3_600_000; // on the hour
    else at = Math.floor(endMs - 1 - random() * (span - 1));
    if (at < endMs - span) at = endMs - span;
    previous = at;
    const workspaceId = random() < 0.8 ? w.workspace.id : random() < 0.5 ? other.id : null;
    const appId = random() < 0.5 ? pick(apps) : null;
    const isEndpoint = appId !== null && random() < 0.6;
    const resourceType = isEndpoint ? 'endpoint' : random() < 0.9 ? pick(RESOURCE_TYPES) : null;
    const resourceId = isEndpoint ? pick(endpoints) : random() < 0.6 ? pick(resources) : null;
    const statusCode = random() < 0.25 ? pick([400, 404, 500, 503]) : pick([200, 201, 204]);
    const usageKind = random();
    const tokenUsage: Record<string, number> | null =
      usageKind < 0.3
        ? {
            input_tokens: Math.floor(random() * 100),
            output_tokens: Math.floor(random() * 100),
            total_tokens: Math.floor(random() * 300),
          }
        : usageKind < 0.5
          ? { prompt: Math.floor(random() * 50), completion: Math.floor(random() * 50) }
          : null;
    records.push({
      id: `act-${String(i).padStart(4, '0')}-${uid('x')}`,
      timestamp: new Date(at).toISOString(),
      trace_id: uid('trace'),
      user_id: random() < 0.9 ? pick(userIds) : null,
      workspace_id: workspaceId,
      app_id: appId,
      principal_type: 'user',
      principal_id: uid('p'),
      token_id: null,
      token_type: 'user',
      method: pick(['GET', 'POST', 'PUT', 'DELETE']),
      path: `/v1/things/${i}`,
      resource_type: resourceType,
      resource_id: resourceId,
      action: random() < 0.95 ? pick(ACTIONS) : null,
      status_code: statusCode,
      success: statusCode < 400,
      error_code: statusCode >= 400 ? `E${statusCode}` : null,
      duration_ms: random() < 0.9 ? Math.round(random() * 200000) / 100 : null,
      execution_id: random() < 0.2 ? uid('exec') : null,
      augmentation_id: random() < 0.3 ? pick(augmentations) : null,
      stages_completed: random() < 0.2 ? 2 : null,
      total_stages: random() < 0.2 ? 3 : null,
      token_usage: tokenUsage,
      metadata: random() < 0.5 ? { n: i } : {},
    });
  }
  await ingestRecords(t, f, w.serviceToken.token, records);
  return {
    orgId: w.org.id,
    workspaceId: w.workspace.id,
    otherWorkspaceId: other.id,
    ownerId: w.owner.id,
    ownerToken: w.ownerToken.token,
    serviceToken: w.serviceToken.token,
    userIds,
    apps,
    endpoints,
    augmentations,
    resources,
    records,
  };
}

export async function ingestRecords(_t: TestApp, f: Factory, token: string, records: FixtureRecord[]) {
  for (let start = 0; start < records.length; start += 500) {
    const events = records.slice(start, start + 500).map((record) => ({
      specversion: '1.0',
      id: `evt-${record.id}`,
      source: 'tests/activity',
      type: 'activity.recorded',
      time: record.timestamp,
      data: record,
    }));
    const result = await f.ingest(token, events);
    expect(result.rejected).toEqual([]);
  }
}

/** What a listing must return, in order: newest first by (timestamp desc, id desc). */
export function expectedOrder(records: FixtureRecord[]): FixtureRecord[] {
  return [...records].sort((a, b) =>
    a.timestamp === b.timestamp
      ? a.id < b.id
        ? 1
        : a.id > b.id
          ? -1
          : 0
      : a.timestamp < b.timestamp
        ? 1
        : -1,
  );
}

export function inWindow(record: FixtureRecord, start: Date | null, end: Date): boolean {
  const at = Date.parse(record.timestamp);
  return (start === null || at >= start.getTime()) && at < end.getTime();
}

/** The seed's summary, computed in plain JS over the fixture. */
export function expectedSummary(records: FixtureRecord[], start: Date, end: Date) {
  const selected = records.filter((record) => inWindow(record, start, end));
  const durations = selected.filter((r) => r.duration_ms !== null).map((r) => r.duration_ms!);
  const byAction: Record<string, number> = {};
  const byResource: Record<string, number> = {};
  let tokens = 0;
  for (const record of selected) {
    if (record.action) byAction[record.action] = (byAction[record.action] ?? 0) + 1;
    if (record.resource_type) byResource[record.resource_type] = (byResource[record.resource_type] ?? 0) + 1;
    const usage = record.token_usage;
    if (usage)
      tokens +=
        typeof usage.total_tokens === 'number'
          ? usage.total_tokens
          : Object.values(usage).reduce((s, v) => s + v, 0);
  }
  return {
    total_requests: selected.length,
    successful_requests: selected.filter((r) => r.success).length,
    failed_requests: selected.filter((r) => !r.success).length,
    // Unrounded: the service rounds to 2 decimals, and the test compares within that.
    avg_duration_ms: durations.length === 0 ? 0 : durations.reduce((s, v) => s + v, 0) / durations.length,
    total_tokens_used: tokens,
    by_action: byAction,
    by_resource: byResource,
    start_time: start.toISOString(),
    end_time: end.toISOString(),
  };
}

export async function get(t: TestApp, url: string, token: string | null) {
  const response = await t.app.inject({ method: 'GET', url, headers: token === null ? {} : bearer(token) });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

/** Follows next_cursor to the end; returns every page's body. */
export async function walk(t: TestApp, url: string, token: string) {
  const pages: {
    total: number;
    has_more: boolean;
    next_cursor: string | null;
    activities: FixtureRecord[];
  }[] = [];
  let next: string | null = url;
  while (next !== null && pages.length < 1000) {
    const response = await get(t, next, token);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    pages.push(response.body);
    const cursor: string | null = response.body.next_cursor;
    next =
      cursor === null ? null : `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
  }
  return pages;
}

export const ENVELOPE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

export const UNAUTHENTICATED = {
  error: 'AUTHENTICATION_FAILED',
  message: 'Authentication required',
  details: {},
  status_code: 401,
};

export const forbiddenBody = (permission: string) => ({
  error: 'FORBIDDEN',
  message: "You don't have permission to perform this action",
  details: { required_permission: permission },
  status_code: 403,
});

export const notFoundBody = (resourceType: string, resourceId: string) => ({
  error: 'RESOURCE_NOT_FOUND',
  message: 'The requested resource was not found',
  details: { resource_type: resourceType, resource_id: resourceId },
  status_code: 404,
});

/** The body without its volatile envelope timestamp, after checking the timestamp's form. */
export function stable(body: Record<string, unknown>) {
  const { timestamp, ...rest } = body;
  expect(timestamp).toMatch(ENVELOPE_TIMESTAMP);
  return rest;
}
