// What POST /otlp/v1/traces answers, in the encoding of the request (OTLP/HTTP: a protobuf request
// gets protobuf, a JSON request JSON): an ExportTraceServiceResponse, whose partial_success counts
// the rejected spans and says why; and for every 4xx and 5xx a google.rpc.Status (the OTLP error
// dialect), with Retry-After on 429 and 503, which exporters honour when they retry.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { TallyError } from '../../errors.js';
import type { Dialect } from '../../http/dialect.js';
import { STATUS_BY_CODE } from '../../http/errors.js';
import { mediaTypeOf } from '../body.js';
import type { OtlpFormat } from './decode.js';
import { ExportTraceServiceResponse, RpcStatus } from './proto.js';

export const PROTOBUF = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';

/** The encoding a request asked for by its Content-Type, or null for another type. */
export function formatOf(contentType: string | undefined): OtlpFormat | null {
  const { mediaType } = mediaTypeOf(contentType);
  return mediaType === PROTOBUF ? 'protobuf' : mediaType === JSON_TYPE ? 'json' : null;
}

/** The answer's encoding: the request's, JSON when the request's is not one OTLP knows. */
const answerFormat = (request: FastifyRequest): OtlpFormat =>
  formatOf(request.headers['content-type']) ?? 'json';

// The gRPC status code of each HTTP status (google.rpc.Code), as OTLP/gRPC would answer.
const GRPC_CODES: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  409: 6, // ALREADY_EXISTS
  413: 8, // RESOURCE_EXHAUSTED
  414: 3,
  415: 3,
  422: 3,
  429: 8,
  431: 3,
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

function messageOf(error: TallyError): string {
  if (error.code === 'forbidden') return `This token may not do this (requires ${error.details.permission})`;
  if (error.code === 'not_found')
    return `${error.details.resourceType} "${error.details.resourceId}" was not found`;
  return error.message;
}

export const otlpDialect: Dialect = (error, request) => {
  const status = STATUS_BY_CODE[error.code];
  const body = { code: GRPC_CODES[status] ?? 2, message: messageOf(error) };
  if (answerFormat(request) === 'protobuf') {
    return {
      status,
      body: Buffer.from(RpcStatus.encode(RpcStatus.create(body)).finish()),
      contentType: PROTOBUF,
    };
  }
  return { status, body, contentType: JSON_TYPE };
};

/** The success answer: `{}` when every span was recorded or was a duplicate. */
export function exportAnswer(
  format: OtlpFormat,
  rejected: number,
  reasons: string[],
): { body: Buffer | Record<string, unknown>; contentType: string } {
  const partial =
    rejected === 0
      ? null
      : {
          rejectedSpans: rejected,
          errorMessage: `${rejected} of the spans were rejected: ${reasons.join('; ')}`,
        };
  if (format === 'protobuf') {
    const message = ExportTraceServiceResponse.create(partial ? { partialSuccess: partial } : {});
    return { body: Buffer.from(ExportTraceServiceResponse.encode(message).finish()), contentType: PROTOBUF };
  }
  // The proto3 JSON mapping writes an int64 as a decimal string.
  const body = partial
    ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }
    : {};
  return { body, contentType: JSON_TYPE };
}

// --- For the OpenAPI document ----------------------------------------------------------------

const Binary = Type.String({ format: 'binary' });

export const StatusJson = Type.Object(
  {
    code: Type.Integer({
      description: 'google.rpc.Code (3 invalid argument, 16 unauthenticated, 14 unavailable, …)',
    }),
    message: Type.String(),
  },
  { description: 'google.rpc.Status' },
);

export const ExportResponseJson = Type.Object(
  {
    partialSuccess: Type.Optional(
      Type.Object({
        rejectedSpans: Type.String({ description: 'int64, as the proto3 JSON mapping writes it' }),
        errorMessage: Type.String(),
      }),
    ),
  },
  { description: 'ExportTraceServiceResponse' },
);

export const TracesBody = Type.Unsafe<unknown>({
  content: {
    [PROTOBUF]: { schema: { ...Binary, description: 'ExportTraceServiceRequest (opentelemetry-proto)' } },
    [JSON_TYPE]: {
      schema: Type.Object(
        { resourceSpans: Type.Array(Type.Unknown()) },
        { description: 'ExportTraceServiceRequest in the OTLP JSON encoding (hex ids)' },
      ),
    },
  },
});

/** A response entry in both encodings. */
export function bothEncodings(description: string, json: unknown, headers?: Record<string, unknown>) {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [JSON_TYPE]: { schema: json }, [PROTOBUF]: { schema: Binary } },
  };
}
