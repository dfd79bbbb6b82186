// The error answers of each surface's dialect, for the OpenAPI document and the serializer alike:
// each dialect's body per status (src/surfaces/*/dialect.ts and render.ts say how they are built).
// The statuses every route shares, and Fastify's own format, are src/http/error-answers.ts's.
import { Type } from 'typebox';
import type { ErrorFormat } from '../../http/error-answers.js';
import { AnyObject } from './schemas.js';

const ProblemIssues = Type.Array(
  Type.Object({
    pointer: Type.String({ description: 'JSON pointer to the field; #/query/… for a parameter' }),
    detail: Type.String(),
  }),
);

// --- The dialects -------------------------------------------------------------------------------

/** The write side (ingestion, administration): RFC 9457 problem details. */
export const problemFormat: ErrorFormat = {
  mediaType: 'application/problem+json',
  body: (status) =>
    Type.Object({
      type: Type.Literal('about:blank'),
      title: Type.String(),
      status: Type.Literal(status),
      detail: Type.String(),
      // 422 lists every invalid field; a 400 lists what it can name (a one-event ingestion
      // request's rejected event, a body that is not JSON).
      ...(status === 422
        ? { errors: ProblemIssues }
        : status === 400
          ? { errors: Type.Optional(ProblemIssues) }
          : {}),
    }),
};

/** pydantic v2's 422 body, shared by the FastAPI surfaces (activity, workspace). */
export const PydanticValidation = Type.Object({
  detail: Type.Array(
    Type.Object({
      type: Type.String(),
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      input: Type.Unknown(),
      ctx: AnyObject,
    }),
  ),
});

/** The activity surface (seed 004): FastAPI's envelope, pydantic's body for a 422. */
export const activityFormat: ErrorFormat = {
  mediaType: 'application/json',
  body: (status) =>
    status === 422
      ? PydanticValidation
      : Type.Object({
          error: Type.String(),
          message: Type.String(),
          details: AnyObject,
          timestamp: Type.String({ description: 'UTC with microseconds and no offset' }),
          status_code: Type.Literal(status),
        }),
};

/** The workspace surface (seed 002): `{"detail": "…"}`, pydantic's body for a 422. */
export const workspaceFormat: ErrorFormat = {
  mediaType: 'application/json',
  body: (status) => (status === 422 ? PydanticValidation : Type.Object({ detail: Type.String() })),
};

/** Agent usage history (seeds 001/003): Laravel's `{"message"}`, with `errors` for a 422. */
export const laravelFormat: ErrorFormat = {
  mediaType: 'application/json',
  body: (status) =>
    status === 422
      ? Type.Object({
          message: Type.String(),
          errors: Type.Record(Type.String(), Type.Array(Type.String())),
        })
      : Type.Object({ message: Type.String() }),
};
