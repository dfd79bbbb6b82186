// FastAPI's 422 body: `{"detail": [{type, loc, msg, input, ctx}]}` with pydantic v2's error types
// and messages. Shared by the activity (004) and workspace (002) surfaces.
import type { FieldIssue } from '../../errors.js';

export interface PydanticError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx: Record<string, unknown>;
}

function message(issue: FieldIssue): string {
  const ctx = issue.ctx ?? {};
  switch (issue.kind) {
    case 'missing':
      return 'Field required';
    case 'int_parsing':
      return 'Input should be a valid integer, unable to parse string as an integer';
    case 'int_type':
      return 'Input should be a valid integer';
    case 'float_parsing':
      return 'Input should be a valid number, unable to parse string as a number';
    case 'bool_parsing':
      return 'Input should be a valid boolean, unable to interpret input';
    case 'string_type':
      return 'Input should be a valid string';
    case 'string_too_short':
      return `String should have at least ${ctx.min_length} character${ctx.min_length === 1 ? '' : 's'}`;
    case 'string_too_long':
      return `String should have at most ${ctx.max_length} character${ctx.max_length === 1 ? '' : 's'}`;
    case 'string_pattern_mismatch':
      return `String should match pattern '${ctx.pattern}'`;
    case 'less_than_equal':
      return `Input should be less than or equal to ${ctx.le}`;
    case 'greater_than_equal':
      return `Input should be greater than or equal to ${ctx.ge}`;
    case 'literal_error':
      return `Input should be ${ctx.expected}`;
    case 'datetime_parsing':
      return `Input should be a valid datetime, ${ctx.error ?? 'invalid datetime format'}`;
    case 'date_parsing':
      return `Input should be a valid date in the format YYYY-MM-DD, ${ctx.error ?? 'invalid date format'}`;
    case 'uuid_parsing':
      return `Input should be a valid UUID, ${ctx.error ?? 'invalid format'}`;
    case 'json_invalid':
      return 'JSON decode error';
    case 'dict_type':
      return 'Input should be a valid dictionary';
    case 'list_type':
      return 'Input should be a valid list';
    case 'extra_forbidden':
      return 'Extra inputs are not permitted';
    case 'value_error':
      return `Value error, ${issue.message}`;
  }
}

/** pydantic reports only some context keys; `allowed` is ours and stays internal. */
function context(issue: FieldIssue): Record<string, unknown> {
  const { allowed: _allowed, ...ctx } = issue.ctx ?? {};
  if (issue.kind === 'value_error' && !('error' in ctx)) return { error: issue.message };
  if ((issue.kind === 'datetime_parsing' || issue.kind === 'date_parsing') && !('error' in ctx)) {
    return { error: issue.kind === 'datetime_parsing' ? 'invalid datetime format' : 'invalid date format' };
  }
  if (issue.kind === 'uuid_parsing' && !('error' in ctx)) return { error: 'invalid format' };
  return ctx;
}

export function pydanticErrors(issues: FieldIssue[]): PydanticError[] {
  return issues.map((issue) => ({
    type: issue.kind,
    loc: [issue.location, ...issue.field],
    msg: message(issue),
    input: issue.kind === 'missing' ? null : (issue.input ?? null),
    ctx: context(issue),
  }));
}
