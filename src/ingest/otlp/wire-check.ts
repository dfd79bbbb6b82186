// Checks a protobuf trace export's layout before it is decoded: every field Tally declares
// (proto.ts) must arrive with its declared wire type, nested messages must parse to their end,
// and attribute values may nest at most MAX_VALUE_DEPTH deep. protobufjs's decoders trust the
// wire types of known fields, so a body of the wrong shape would otherwise decode into garbage
// instead of being refused. Unknown fields are skipped, as the spec asks of receivers.
import protobuf from 'protobufjs';
import { WIRE } from './proto.js';

export const MAX_VALUE_DEPTH = 32;

type Layout = Record<number, [wire: number, nested?: string]>;

const { varint, fixed64, bytes, fixed32 } = WIRE;

/** The declared fields of each message Tally reads, by field number. */
const LAYOUTS: Record<string, Layout> = {
  ExportTraceServiceRequest: { 1: [bytes, 'ResourceSpans'] },
  ResourceSpans: { 1: [bytes, 'Resource'], 2: [bytes, 'ScopeSpans'], 3: [bytes] },
  Resource: { 1: [bytes, 'KeyValue'], 2: [varint] },
  ScopeSpans: { 1: [bytes, 'InstrumentationScope'], 2: [bytes, 'Span'], 3: [bytes] },
  InstrumentationScope: { 1: [bytes], 2: [bytes], 3: [bytes, 'KeyValue'], 4: [varint] },
  Span: {
    1: [bytes],
    2: [bytes],
    3: [bytes],
    4: [bytes],
    5: [bytes],
    6: [varint],
    7: [fixed64],
    8: [fixed64],
    9: [bytes, 'KeyValue'],
    10: [varint],
    15: [bytes, 'Status'],
    16: [fixed32],
  },
  Status: { 2: [bytes], 3: [varint] },
  KeyValue: { 1: [bytes], 2: [bytes, 'AnyValue'] },
  AnyValue: {
    1: [bytes],
    2: [varint],
    3: [varint],
    4: [fixed64],
    5: [bytes, 'ArrayValue'],
    6: [bytes, 'KeyValueList'],
    7: [bytes],
  },
  ArrayValue: { 1: [bytes, 'AnyValue'] },
  KeyValueList: { 1: [bytes, 'KeyValue'] },
};

/** Why the body is not a well-formed ExportTraceServiceRequest, or null when it is. */
export function wireProblem(body: Uint8Array): string | null {
  try {
    const reader = protobuf.Reader.create(body);
    return check(reader, reader.len, 'ExportTraceServiceRequest', 0);
  } catch {
    return 'it ends in the middle of a field';
  }
}

class Overrun extends Error {}

/**
 * Checks the message between the reader's position and `end`, leaving the reader at `end`. One
 * reader walks the whole body (a nested message is a range of it, not a copy with a reader of
 * its own): this pass runs on every export, so it allocates nothing per field.
 */
export function check(reader: protobuf.Reader, end: number, type: string, valueDepth: number): string | null {
  const layout = LAYOUTS[type]!;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) return `${type} has a field numbered 0`;
    const declared = layout[field];
    if (declared === undefined || declared[1] === undefined) {
      if (declared !== undefined && wire !== declared[0])
        return `field ${field} of ${type} has wire type ${wire}, not ${declared[0]}`;
      reader.skipType(wire);
      if (reader.pos > end) throw new Overrun();
      continue;
    }
    const [expected, nested] = declared;
    if (wire !== expected) return `field ${field} of ${type} has wire type ${wire}, not ${expected}`;
    const depth = nested === 'AnyValue' ? valueDepth + 1 : valueDepth;
    if (depth > MAX_VALUE_DEPTH) return `attribute values nest deeper than ${MAX_VALUE_DEPTH} levels`;
    const length = reader.uint32();
    const nestedEnd = reader.pos + length;
    if (nestedEnd > end) throw new Overrun();
    const problem = check(reader, nestedEnd, nested, depth);
    if (problem !== null) return problem;
  }
  // A field's tag, length or value read past the end of the message that holds it.
  if (reader.pos > end) throw new Overrun();
  return null;
}
