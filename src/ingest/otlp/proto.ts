// The OTLP protobuf messages Tally reads and writes, defined here from the specification's field
// numbers and types (opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto; google/rpc/status.proto for error bodies).
// No maintained npm package ships them. Only the fields Tally uses are declared: protobufjs skips
// the others (span events and links, entity refs, schema URLs) as unknown fields, as the spec asks
// of receivers.
import protobuf from 'protobufjs';

const anyValue = {
  oneofs: {
    value: {
      oneof: [
        'stringValue',
        'boolValue',
        'intValue',
        'doubleValue',
        'arrayValue',
        'kvlistValue',
        'bytesValue',
      ],
    },
  },
  fields: {
    stringValue: { type: 'string', id: 1 },
    boolValue: { type: 'bool', id: 2 },
    intValue: { type: 'int64', id: 3 },
    doubleValue: { type: 'double', id: 4 },
    arrayValue: { type: 'ArrayValue', id: 5 },
    kvlistValue: { type: 'KeyValueList', id: 6 },
    bytesValue: { type: 'bytes', id: 7 },
  },
};

const root = protobuf.Root.fromJSON({
  nested: {
    otlp: {
      nested: {
        AnyValue: anyValue,
        ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
        KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        InstrumentationScope: {
          fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } },
        },
        Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            parentSpanId: { type: 'bytes', id: 4 },
            flags: { type: 'fixed32', id: 16 },
            name: { type: 'string', id: 5 },
            kind: { type: 'int32', id: 6 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            status: { type: 'Status', id: 15 },
          },
        },
        ScopeSpans: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            spans: { rule: 'repeated', type: 'Span', id: 2 },
          },
        },
        ResourceSpans: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
          },
        },
        ExportTraceServiceRequest: {
          fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
        },
        ExportTracePartialSuccess: {
          fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
        },
        ExportTraceServiceResponse: {
          fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } },
        },
        // google.rpc.Status: the body of every OTLP/HTTP 4xx and 5xx answer (`details` unused).
        RpcStatus: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
      },
    },
  },
});

export const ExportTraceServiceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
export const ExportTraceServiceResponse = root.lookupType('otlp.ExportTraceServiceResponse');
export const RpcStatus = root.lookupType('otlp.RpcStatus');

/** The wire types of protobuf: how a field's value is laid out, read from its tag. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/**
 * The wire type of each field of the record at the bottom of each OTLP export (a trace export's
 * Span, a logs export's LogRecord, a metrics export's Metric): the three exports share the shape
 * above it (field 1 of the request holds resource records, whose field 2 holds scope records,
 * whose field 2 holds the records), so a body is told apart by its records' fields.
 */
export const RECORD_FIELDS = {
  traces: {
    1: 2,
    2: 2,
    3: 2,
    4: 2,
    5: 2,
    6: 0,
    7: 1,
    8: 1,
    9: 2,
    10: 0,
    11: 2,
    12: 0,
    13: 2,
    14: 0,
    15: 2,
    16: 5,
  },
  logs: { 1: 1, 2: 0, 3: 2, 5: 2, 6: 2, 7: 0, 8: 5, 9: 2, 10: 2, 11: 1, 12: 2 },
  metrics: { 1: 2, 2: 2, 3: 2, 5: 2, 7: 2, 9: 2, 10: 2, 11: 2, 12: 2 },
} as const satisfies Record<string, Record<number, number>>;
