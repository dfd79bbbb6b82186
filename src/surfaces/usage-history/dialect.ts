// Laravel's error bodies: `{"message": "…"}`, and for a 422 also `errors: {field: [messages]}` with
// the summary message Laravel's ValidationException builds ("<first> (and N more errors)").
import type { FieldIssue, TallyError } from '../../errors.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';
import { attribute } from './params.js';

const MESSAGES: Record<Exclude<TallyError['code'], 'invalid'>, string> = {
  unauthenticated: 'Unauthenticated.',
  forbidden: 'This action is unauthorized.',
  not_found: 'Not Found',
  conflict: 'Conflict',
  payload_too_large: 'Content Too Large',
  uri_too_long: 'URI Too Long',
  headers_too_large: 'Request Header Fields Too Large',
  unsupported_media_type: 'Unsupported Media Type',
  bad_request: 'Bad Request',
  rate_limited: 'Too Many Attempts.',
  unavailable: 'Service Unavailable',
  internal: 'Server Error',
};

/**
 * Issues from this surface's own rules carry Laravel's sentence already; the only others come from
 * the schema (a parameter repeated into a list), which Laravel's `string` rule words like this.
 */
function sentence(issue: FieldIssue): string {
  if (issue.ctx?.laravel === true) return issue.message;
  const name = String(issue.field[0] ?? 'input');
  return issue.location === 'header'
    ? `The ${name} header must be a string.`
    : `The ${attribute(name)} field must be a string.`;
}

export function summarize(messages: string[]): string {
  const [first, ...rest] = messages;
  if (first === undefined) return 'The given data was invalid.';
  if (rest.length === 0) return first;
  return `${first} (and ${rest.length} more ${rest.length === 1 ? 'error' : 'errors'})`;
}

export const laravelDialect: Dialect = (error) => {
  if (error.code === 'invalid') {
    const errors: Record<string, string[]> = {};
    const all: string[] = [];
    for (const issue of error.details.issues ?? []) {
      const key = issue.field.join('.');
      const message = sentence(issue);
      errors[key] = [...(errors[key] ?? []), message];
      all.push(message);
    }
    return { status: 422, body: { message: summarize(all), errors } };
  }
  // Sanctum's own words when the token lacks the ability the route requires.
  const message =
    error.code === 'forbidden' && error.details.permission?.startsWith('ability:')
      ? 'Invalid ability provided.'
      : MESSAGES[error.code];
  return { status: STATUS_BY_CODE[error.code], body: { message } };
};
