// The suite-wide check of answers against the document (test/helpers/openapi-conformance.ts)
// catches each kind of drift: an undocumented status, another content type, a body off schema.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Document, violationOf } from '../helpers/openapi-conformance.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let document: Document;

beforeAll(async () => {
  t = await buildTestApp();
  document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});

afterAll(async () => {
  await t?.close();
});

const createOrg = { routeOptions: { url: '/v1/admin/orgs' }, method: 'POST', url: '/v1/admin/orgs' } as never;
const answer = (statusCode: number, contentType: string) =>
  ({ statusCode, getHeader: () => contentType }) as never;
const conflict = {
  type: 'about:blank',
  title: 'Conflict',
  status: 409,
  detail: 'An org with id "acme" already exists',
};

it('accepts an answer as documented', () => {
  expect(
    violationOf(document, createOrg, answer(409, 'application/problem+json'), JSON.stringify(conflict)),
  ).toBeNull();
});

it('reports an undocumented status, another content type, and a body off its schema', () => {
  const problem = 'application/problem+json';
  expect(violationOf(document, createOrg, answer(418, problem), '{}')).toMatch(
    /^POST \/v1\/admin\/orgs \(\/v1\/admin\/orgs\): status 418 is not documented/,
  );
  expect(violationOf(document, createOrg, answer(409, 'application/json'), JSON.stringify(conflict))).toMatch(
    /409 answered application\/json, documented: application\/problem\+json$/,
  );
  const { detail: _detail, ...withoutDetail } = conflict;
  expect(violationOf(document, createOrg, answer(409, problem), JSON.stringify(withoutDetail))).toMatch(
    /409 body does not match the document: data must have required property 'detail'/,
  );
  expect(
    violationOf(document, createOrg, answer(409, problem), JSON.stringify({ ...conflict, status: 400 })),
  ).toMatch(/409 body does not match the document: data\/status must be equal to one of the allowed values/);
});

it('holds no answer of the router (an unknown path) to any operation', () => {
  const unknown = { routeOptions: { url: undefined }, method: 'GET', url: '/nowhere' } as never;
  expect(violationOf(document, unknown, answer(404, 'application/json'), '{}')).toBeNull();
});
