// Fails the test during which an answer did not match the OpenAPI document (openapi-conformance.ts);
// answers received in a beforeAll are reported by the first test after them, or by the file's end.
import { afterAll, afterEach, expect } from 'vitest';
import { takeViolations } from './openapi-conformance.js';

function expectNone(): void {
  expect(takeViolations(), 'answers that do not match /openapi.json').toEqual([]);
}

afterEach(expectNone);
afterAll(expectNone);
