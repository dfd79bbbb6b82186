// What a caller must see while the database is down: a prompt 503 with Retry-After, in the
// surface's own dialect, that names no SQL and carries no stack trace.
import { expect } from 'vitest';
import type { World } from './events.js';
import type { Attempt } from './ingest-clients.js';
import { RELIABILITY_ADMIN_TOKEN } from './service-process.js';

const LEAKS =
  /\b(select|insert|update|delete)\b.*\b(from|into|set)\b|\bat .+\.(js|ts):\d+|ECONNREFUSED|stack/i;

/** The body each surface answers a 503 with. */
function expectDialect(path: string, contentType: string | null, body: unknown): void {
  if (path === '/v1/ingest' || path.startsWith('/v1/admin/')) {
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: expect.any(String),
    });
  } else if (path.startsWith('/v1/orgs/')) {
    expect(body).toMatchObject({ error: 'SERVICE_UNAVAILABLE', status_code: 503 });
  } else if (path.startsWith('/api/v1/workspace/')) {
    expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
  }
}

function expectUnavailable(label: string, status: number, retryAfter: string | null, text: string): unknown {
  expect(status, `${label}: ${text}`).toBe(503);
  expect(retryAfter, label).toMatch(/^[1-9][0-9]*$/);
  expect(text, label).not.toMatch(LEAKS);
  return JSON.parse(text);
}

/** One client attempt made while the database was down. */
export function expectOutageAnswer(attempt: Attempt, promptMs: number): void {
  const label = `${attempt.client} batch ${attempt.batch}`;
  expect(attempt.endedAt - attempt.startedAt, `${label} answered promptly`).toBeLessThan(promptMs);
  const body = expectUnavailable(label, attempt.outcome as number, attempt.retryAfter, attempt.body);
  expectDialect(attempt.path, attempt.contentType, body);
}

/**
 * Requests that need the database in other ways: a token this instance has never seen (the
 * authenticator must look it up: a 503, never a 401 that would make a client drop a good token),
 * the deployment admin, and the health probes.
 */
export async function probeWhileDown(url: string, world: World, spareToken: string): Promise<void> {
  const probes: [string, string, RequestInit][] = [
    [
      'unseen token',
      `/v1/orgs/${world.orgId}/activity/summary?hours=1`,
      { headers: { authorization: `Bearer ${spareToken}` } },
    ],
    [
      'deployment admin',
      '/v1/admin/orgs',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: `${world.orgId}-second`, name: 'Second' }),
      },
    ],
  ];
  for (const [label, path, init] of probes) {
    const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const body = expectUnavailable(label, response.status, response.headers.get('retry-after'), text);
    expectDialect(path, response.headers.get('content-type'), body);
  }
  expect((await fetch(`${url}/readyz`)).status).toBe(503);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}
