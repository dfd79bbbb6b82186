// The error answers every route shares, for the OpenAPI document and the serializer alike: the
// statuses every route can answer and how an error format describes its bodies. Each surface's own
// format lives with the surfaces (http/ never imports one); the routes outside every surface
// (probes, the OpenAPI document) answer in Fastify's, defined here.
import { type TSchema, Type } from 'typebox';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 414 | 415 | 422 | 429 | 431 | 500 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Bad request: a malformed URL, more query parameters than allowed, or a body that is not valid JSON',
  401: 'No token, or a token that is unknown, expired or revoked',
  403: 'The token may not do this',
  404: 'What the path names does not exist, or is not visible to this token',
  409: 'The request conflicts with what exists',
  413: 'The request body is too large',
  414: 'The URL, or one of its path segments, is too long',
  415: 'The request body is not in a content type the route reads',
  422: 'A parameter or the body is invalid; every invalid field is listed',
  429: 'Too many requests from this token (or failed authentications from this address)',
  431: 'The request headers are too many or too large',
  500: 'An unexpected error',
  503: 'The database is unavailable or overloaded; retry after Retry-After seconds',
};

/** How a surface renders its errors: the content type, and the body of each status. */
export interface ErrorFormat {
  mediaType: string;
  body(status: ErrorStatus): TSchema;
}

const RETRY_AFTER = {
  'retry-after': { type: 'string', description: 'Seconds to wait before retrying' },
};

/** The `response` entries of `statuses`, each in `format`. */
export function errorAnswers(format: ErrorFormat, statuses: readonly ErrorStatus[]) {
  const answers: Record<number, unknown> = {};
  for (const status of statuses) {
    answers[status] = {
      description: DESCRIPTIONS[status],
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      content: { [format.mediaType]: { schema: format.body(status) } },
    };
  }
  return answers;
}

/** Every route: the request guards (400, 414, 431; src/http/input-guards.ts) and a crash. */
export const GUARDED = [400, 414, 431, 500] as const;
/** Every route behind a token: authentication, rate limits, and a database that may be down. */
export const AUTHENTICATED = [...GUARDED, 401, 429, 503] as const;
/** Routes that parse a JSON body (POST, PUT, DELETE): too large, another content type. */
export const WITH_BODY = [413, 415] as const;

/** Fastify's own body: the AI usages surface (seed 000), and the routes outside every surface. */
export const fastifyFormat: ErrorFormat = {
  mediaType: 'application/json',
  body: (status) =>
    Type.Object({ statusCode: Type.Literal(status), error: Type.String(), message: Type.String() }),
};
