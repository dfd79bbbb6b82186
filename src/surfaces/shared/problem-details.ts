// The write side's error dialect (ingestion and administration): RFC 9457 problem details,
// `application/problem+json`, with `errors` listing each invalid field as a JSON pointer.
import type { FieldIssue, TallyError } from '../../errors.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function pointerOf(issue: FieldIssue): string {
  const prefix = issue.location === 'body' ? '#' : `#/${issue.location}`;
  return `${prefix}${issue.field.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;
}

export function problemErrors(issues: FieldIssue[]) {
  return issues.map((issue) => ({ pointer: pointerOf(issue), detail: issue.message }));
}

function detailOf(error: TallyError): string {
  switch (error.code) {
    case 'not_found':
      return `${error.details.resourceType} "${error.details.resourceId}" was not found`;
    case 'forbidden':
      return `This token may not do this (requires ${error.details.permission})`;
    case 'invalid':
      return 'The request is invalid; see errors';
    default:
      return error.message;
  }
}

export const problemDialect: Dialect = (error) => {
  const status = STATUS_BY_CODE[error.code];
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: detailOf(error),
  };
  // An invalid body (422) and a one-event ingestion whose event was rejected (400) list each issue.
  if (error.code === 'invalid' || error.details.issues)
    body.errors = problemErrors(error.details.issues ?? []);
  return { status, body, contentType: 'application/problem+json' };
};
