// Two inputs that pass schema validation but must never reach the database, checked once for
// every route (after authentication, before validation) and reported as the surface's own
// validation error:
// - a numeral too large for a double ("1e400"): Ajv coerces it to Infinity and then skips the
//   field's minimum/maximum, so it would reach SQL as Infinity;
// - a NUL character: PostgreSQL text and jsonb cannot hold one, so it would fail the query.
import type { FastifyInstance } from 'fastify';
import { type FieldIssue, invalid } from '../errors.js';
import { nulPath } from '../nul.js';

interface SchemaLike {
  properties?: Record<string, { type?: unknown }>;
}

function overflowIssues(values: unknown, schema: unknown, location: FieldIssue['location']): FieldIssue[] {
  const properties = (schema as SchemaLike | undefined)?.properties;
  if (!properties || values === null || typeof values !== 'object') return [];
  const issues: FieldIssue[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.type !== 'integer' && property.type !== 'number') continue;
    const raw = (values as Record<string, unknown>)[name];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string' || value.trim() === '') continue;
      const number = Number(value);
      if (Number.isNaN(number) || Number.isFinite(number)) continue;
      issues.push({
        location,
        field: [name],
        kind: property.type === 'integer' ? 'int_parsing' : 'float_parsing',
        message: `must be a ${property.type === 'integer' ? 'whole number' : 'number'} within range`,
        input: value,
      });
      break;
    }
  }
  return issues;
}

export function installInputGuards(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    const issues: FieldIssue[] = [
      ...overflowIssues(request.query, schema?.querystring, 'query'),
      ...overflowIssues(request.params, schema?.params, 'path'),
    ];
    for (const [location, value] of [
      ['path', request.params],
      ['query', request.query],
      ['body', Buffer.isBuffer(request.body) ? null : request.body],
    ] as const) {
      const path = nulPath(value);
      if (path) {
        issues.push({
          location,
          field: path,
          kind: 'value_error',
          message: 'must not contain NUL (\\u0000) characters',
          input: null,
        });
      }
    }
    if (issues.length > 0) throw invalid(issues);
  });
}
