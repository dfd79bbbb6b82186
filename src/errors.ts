// The ledger's one error type. The core throws these and never knows about HTTP; each surface has
// one renderer that turns them into its seed's dialect. Codes are a closed set, so renderers
// switch on `code` and never on message text.

export type ErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'invalid'
  | 'conflict'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'bad_request'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** Where a request carried a field. Only surfaces (and http/) know it; the ledger never does. */
export type FieldLocation = 'query' | 'path' | 'header' | 'body';

/**
 * One invalid input, described independently of any dialect. `kind` uses pydantic's error type
 * names because surface 004 needs them verbatim; the other dialects translate them.
 */
export interface FieldIssue extends DomainIssue {
  location: FieldLocation;
}

/**
 * One invalid value as the ledger sees it: the field of its input and what is wrong with it, not
 * where a request carried it. The surface that called the ledger adds the location (locateIssues).
 */
export interface DomainIssue {
  /** Path of the field inside its location (or the ledger's input), e.g. ['limit'] or ['events', 3, 'id']. */
  field: (string | number)[];
  kind: IssueKind;
  message: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

export type IssueKind =
  | 'missing'
  | 'int_parsing'
  | 'int_type'
  | 'float_parsing'
  | 'bool_parsing'
  | 'string_type'
  | 'string_too_short'
  | 'string_too_long'
  | 'string_pattern_mismatch'
  | 'less_than_equal'
  | 'greater_than_equal'
  | 'literal_error'
  | 'datetime_parsing'
  | 'date_parsing'
  | 'uuid_parsing'
  | 'json_invalid'
  | 'dict_type'
  | 'list_type'
  | 'extra_forbidden'
  | 'value_error';

export class TallyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: {
      /** forbidden: the permission or ability the caller lacks. */
      permission?: string;
      /** not_found: what was addressed. */
      resourceType?: string;
      resourceId?: string;
      /** invalid: every offending field of the request. */
      issues?: FieldIssue[];
      /** invalid, raised by the ledger: every offending field of its input, not yet located. */
      domainIssues?: DomainIssue[];
      /** rate_limited / unavailable: seconds until a retry may succeed. */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'TallyError';
  }
}

export const unauthenticated = (message = 'Authentication required') =>
  new TallyError('unauthenticated', message);

export const forbidden = (permission: string, message = "You don't have permission to perform this action") =>
  new TallyError('forbidden', message, { permission });

export const notFound = (resourceType: string, resourceId: string) =>
  new TallyError('not_found', `${resourceType} not found`, { resourceType, resourceId });

export const invalid = (issues: FieldIssue[], message = 'Invalid input') =>
  new TallyError('invalid', message, { issues });

/** The ledger's invalid input: its fields named, their request location left to the surface. */
export const invalidInput = (issues: DomainIssue[], message = 'Invalid input') =>
  new TallyError('invalid', message, { domainIssues: issues });

/** A ledger error with its fields located where the surface's request carried them. */
export function locateIssues(error: TallyError, location: FieldLocation): TallyError {
  const { domainIssues, ...details } = error.details;
  if (!domainIssues) return error;
  const located = domainIssues.map((issue) => ({ location, ...issue }));
  return new TallyError(error.code, error.message, {
    ...details,
    issues: [...(details.issues ?? []), ...located],
  });
}

export const conflict = (message: string) => new TallyError('conflict', message);

export function isTallyError(error: unknown): error is TallyError {
  return error instanceof TallyError;
}
