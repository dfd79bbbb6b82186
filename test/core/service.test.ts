// The service's own routes: health, readiness, OpenAPI, request ids and unknown routes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

it('answers /healthz and /readyz without a token', async () => {
  const health = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  expect(health.json()).toEqual({ status: 'ok' });
  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ status: 'ready', database: t.testDatabase.database.kind });
});

it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  const doc = response.json();
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info.title).toBe('Tally');
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      '/v1/ingest',
      '/v1/admin/orgs',
      '/v1/admin/orgs/{org_id}/tokens',
      '/v1/admin/tokens/{token_id}',
    ]),
  );
  const createToken = doc.paths['/v1/admin/orgs/{org_id}/tokens'].post;
  expect(createToken.requestBody.content['application/json'].schema.required).toEqual(['name', 'abilities']);
  // The probes are documented too, as needing no token (test/openapi checks the whole document).
  expect(doc.paths['/healthz'].get.security).toEqual([]);
});

it('echoes a request id, or makes one', async () => {
  const given = await t.app.inject({
    method: 'GET',
    url: '/healthz',
    headers: { 'x-request-id': 'req-123' },
  });
  expect(given.headers['x-request-id']).toBe('req-123');
  const made = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

it('replaces a request id that could not be echoed as a header (non-ASCII, spaces, too long)', async () => {
  for (const unusable of ['résumé-☃', 'two words', 'x'.repeat(129)]) {
    const response = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': unusable },
    });
    expect(response.statusCode, unusable).toBe(200);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  }
});

it('answers 404 for an unknown route without asking for a token', async () => {
  const response = await t.app.inject({ method: 'GET', url: '/nowhere' });
  expect(response.statusCode).toBe(404);
});
