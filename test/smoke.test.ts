import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from './helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

describe('smoke', () => {
  it('creates a world', async () => {
    const w = await f.world();
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/orgs/${w.org.id}/tokens`,
      headers: bearer(w.serviceToken.token),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().tokens).toHaveLength(2);
    const health = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(health.json()).toEqual({ status: 'ready', database: process.env.TALLY_TEST_DB });
  });
});
