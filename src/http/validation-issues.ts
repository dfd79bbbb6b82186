// Fastify validates requests with Ajv against the routes' TypeBox schemas. This turns Ajv's
// errors into dialect-free FieldIssues, so every surface renders schema failures exactly like the
// core's own `invalid` errors. Kinds follow pydantic's names (surface 004 needs them verbatim).
import type { FastifyRequest } from 'fastify';
import type { FieldIssue, IssueKind } from '../errors.js';

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
}

const LOCATIONS = {
  querystring: 'query',
  params: 'path',
  headers: 'header',
  body: 'body',
} as const;

type ValidationContext = keyof typeof LOCATIONS;

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const TYPE_KINDS: Record<string, IssueKind> = {
  integer: 'int_parsing',
  number: 'float_parsing',
  boolean: 'bool_parsing',
  string: 'string_type',
  object: 'dict_type',
  array: 'list_type',
};

const FORMAT_KINDS: Record<string, IssueKind> = {
  'date-time': 'datetime_parsing',
  date: 'date_parsing',
  uuid: 'uuid_parsing',
};

function quoteList(values: unknown[]): string {
  const quoted = values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function toIssue(error: AjvError, location: FieldIssue['location'], root: unknown): FieldIssue | null {
  const path = pathOf(error.instancePath);
  const input = valueAt(root, path);
  const params = error.params;
  switch (error.keyword) {
    case 'required': {
      const field = [...path, String(params.missingProperty)];
      return { location, field, kind: 'missing', message: 'Field required', input: root ?? null };
    }
    case 'type': {
      const type = String(params.type).split(',')[0] ?? 'string';
      const kind = TYPE_KINDS[type] ?? 'value_error';
      return { location, field: path, kind, message: `must be ${type}`, input };
    }
    case 'minimum':
      return {
        location,
        field: path,
        kind: 'greater_than_equal',
        message: `must be >= ${params.limit}`,
        input,
        ctx: { ge: params.limit },
      };
    case 'maximum':
      return {
        location,
        field: path,
        kind: 'less_than_equal',
        message: `must be <= ${params.limit}`,
        input,
        ctx: { le: params.limit },
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      return {
        location,
        field: path,
        kind: 'literal_error',
        message: `must be one of ${quoteList(allowed)}`,
        input,
        ctx: { expected: quoteList(allowed), allowed },
      };
    }
    case 'format': {
      const format = String(params.format);
      return {
        location,
        field: path,
        kind: FORMAT_KINDS[format] ?? 'value_error',
        message: `must be ${format}`,
        input,
      };
    }
    case 'minLength':
      return {
        location,
        field: path,
        kind: 'string_too_short',
        message: `must have at least ${params.limit} characters`,
        input,
        ctx: { min_length: params.limit },
      };
    case 'maxLength':
      return {
        location,
        field: path,
        kind: 'string_too_long',
        message: `must have at most ${params.limit} characters`,
        input,
        ctx: { max_length: params.limit },
      };
    case 'pattern':
      return {
        location,
        field: path,
        kind: 'string_pattern_mismatch',
        message: `must match pattern ${params.pattern}`,
        input,
        ctx: { pattern: params.pattern },
      };
    case 'additionalProperties': {
      const field = [...path, String(params.additionalProperty)];
      return {
        location,
        field,
        kind: 'extra_forbidden',
        message: 'Extra inputs are not permitted',
        input: valueAt(root, field),
      };
    }
    case 'minItems':
    case 'maxItems':
      return {
        location,
        field: path,
        kind: 'value_error',
        message: error.message ?? 'invalid length',
        input,
      };
    // anyOf/oneOf wrap the branch errors, which are reported on their own.
    case 'anyOf':
    case 'oneOf':
    case 'const':
      return null;
    default:
      return { location, field: path, kind: 'value_error', message: error.message ?? 'invalid value', input };
  }
}

/** The FieldIssues of a Fastify validation error, in the order Ajv found them, one per field. */
export function issuesFromValidation(
  validation: AjvError[],
  context: string | undefined,
  request: FastifyRequest,
): FieldIssue[] {
  const ctx = (context ?? 'body') as ValidationContext;
  const location = LOCATIONS[ctx] ?? 'body';
  const root =
    ctx === 'querystring'
      ? request.query
      : ctx === 'params'
        ? request.params
        : ctx === 'headers'
          ? request.headers
          : request.body;
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const error of validation) {
    const issue = toIssue(error, location, root);
    if (!issue) continue;
    const key = issue.field.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  if (issues.length === 0 && validation.length > 0) {
    const first = validation[0]!;
    issues.push({
      location,
      field: pathOf(first.instancePath),
      kind: 'value_error',
      message: first.message ?? 'invalid value',
      input: valueAt(root, pathOf(first.instancePath)),
    });
  }
  return issues;
}
