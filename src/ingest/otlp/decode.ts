// An OTLP/HTTP trace export body (protobuf or JSON) as one list of spans of one shape. The two
// encodings differ where the OTLP spec says they do: ids are bytes in protobuf and hex strings in
// JSON, 64-bit integers are numbers (or Long) in protobuf and strings or numbers in JSON, and JSON
// may spell fields in lowerCamelCase or snake_case. A body Tally cannot read as a trace export is
// a TallyError('bad_request') naming why; a span whose own fields are unusable is kept with its
// problem, so it is rejected alone and counted in the answer's partial_success.
import protobuf from 'protobufjs';
import { TallyError } from '../../errors.js';
import { ExportTraceServiceRequest, RECORD_FIELDS } from './proto.js';
import { check, MAX_VALUE_DEPTH, wireProblem } from './wire-check.js';

/** An attribute's value. Maps, never plain objects: attribute keys come from the sender. */
export type AttributeValue = string | boolean | number | bigint | Uint8Array | AttributeValue[] | Attributes;
export type Attributes = Map<string, AttributeValue>;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** null for a root span. */
  parentSpanId: string | null;
  /** The exporter says the parent lives in another process (span flags bits 8 and 9). */
  parentRemote: boolean;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Attributes;
  resource: Attributes;
  /** StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** Why this span cannot be recorded, when its own fields are unusable. */
  problem: string | null;
}

export type OtlpFormat = 'protobuf' | 'json';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function notTraces(message: string): TallyError {
  return new TallyError('bad_request', message);
}

export function readTraceExport(body: Buffer, format: OtlpFormat): OtlpSpan[] {
  return format === 'protobuf' ? readProtobuf(body) : readJson(body);
}

// ---- protobuf ----

/** Which OTLP export a protobuf body holds, told by the wire types of its first record's fields. */
export function protobufExportKind(body: Uint8Array): keyof typeof RECORD_FIELDS | 'empty' | 'unknown' {
  try {
    const record = firstNested(firstNested(firstNested(body, 1), 2), 2);
    if (record === null) return 'empty';
    const wireTypes = fieldWireTypes(record);
    for (const kind of ['traces', 'logs', 'metrics'] as const) {
      const expected: Record<number, number> = RECORD_FIELDS[kind];
      if ([...wireTypes].every(([field, wire]) => expected[field] === undefined || expected[field] === wire))
        return kind;
    }
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The first length-delimited value of `field` in a message, or null when it has none. */
function firstNested(message: Uint8Array | null, field: number): Uint8Array | null {
  if (message === null) return null;
  const reader = protobuf.Reader.create(message);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) return reader.bytes();
    reader.skipType(tag & 7);
  }
  return null;
}

function fieldWireTypes(message: Uint8Array): Map<number, number> {
  const reader = protobuf.Reader.create(message);
  const types = new Map<number, number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    types.set(tag >>> 3, tag & 7);
    reader.skipType(tag & 7);
  }
  return types;
}

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}

function int64(value: unknown, unsigned: boolean): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'object' && value !== null && 'low' in value) {
    const long = value as LongLike;
    const bits = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
    return unsigned ? bits : BigInt.asIntN(64, bits);
  }
  return 0n;
}

interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: unknown;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: Uint8Array;
  value?: string;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: PbKeyValue[];
  status?: { code?: number; message?: string };
}
interface PbExport {
  resourceSpans?: { resource?: { attributes?: PbKeyValue[] }; scopeSpans?: { spans?: PbSpan[] }[] }[];
}

function pbValue(value: PbAnyValue | undefined): AttributeValue | undefined {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue':
      return int64(value.intValue, false);
    case 'doubleValue':
      return value.doubleValue;
    case 'bytesValue':
      return value.bytesValue;
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map((item) => pbValue(item) ?? '');
    case 'kvlistValue':
      return pbAttributes(value.kvlistValue?.values);
    default:
      return undefined;
  }
}

function pbAttributes(list: PbKeyValue[] | undefined): Attributes {
  const attributes: Attributes = new Map();
  for (const { key, value } of list ?? []) {
    const converted = pbValue(value);
    if (key !== undefined && converted !== undefined) attributes.set(key, converted);
  }
  return attributes;
}

/** Bytes as hex; protobufjs hands out Buffer views of the body, read in place (not copied). */
function hex(bytes: Uint8Array | undefined): string {
  if (bytes === undefined || bytes.length === 0) return '';
  return Buffer.isBuffer(bytes)
    ? bytes.toString('hex')
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/**
 * A protobuf export read by the checked path alone, never the one-pass reader: for the test that
 * holds the one-pass reader to the same spans and the same refusals.
 */
export const readCheckedProtobuf = (body: Buffer): OtlpSpan[] => readProtobuf(body, false);

function readProtobuf(body: Buffer, onePass = true): OtlpSpan[] {
  const kind = protobufExportKind(body);
  if (kind === 'logs' || kind === 'metrics') {
    throw notTraces(
      `This is an OTLP ${kind} export; Tally accepts trace exports only (send ${kind} elsewhere)`,
    );
  }
  if (onePass && kind !== 'unknown') {
    try {
      return readPlainTraces(body);
    } catch {
      // Something the one-pass reader does not read itself: the checked path below decides.
    }
  }
  const problem = kind === 'unknown' ? 'its records are not spans' : wireProblem(body);
  if (problem !== null)
    throw notTraces(`The body is not an OTLP ExportTraceServiceRequest in protobuf: ${problem}`);
  let message: PbExport;
  try {
    message = ExportTraceServiceRequest.decode(body) as unknown as PbExport;
  } catch {
    throw notTraces('The body is not an OTLP ExportTraceServiceRequest in protobuf');
  }
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of message.resourceSpans ?? []) {
    const resource = pbAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push(
          checked({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId) || null,
            parentRemote: remoteParent(span.flags ?? 0),
            name: span.name ?? '',
            kind: span.kind ?? 0,
            startNanos: int64(span.startTimeUnixNano, true),
            endNanos: int64(span.endTimeUnixNano, true),
            attributes: pbAttributes(span.attributes),
            resource,
            status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
            problem: null,
          }),
        );
      }
    }
  }
  return spans;
}

// ---- protobuf, in one pass ----
//
// The checked path above walks a body three times (its kind, its layout, then protobufjs's decoder
// into objects that are converted again). An exporter's body is read here in one pass straight
// into spans, with the same reads (protobufjs's Reader: the same varints, the same strict UTF-8)
// and the same checks of the layout (wire-check.ts's LAYOUTS). Anything this pass does not read
// exactly as the checked path would — a wrong wire type, a field read past its message, a repeated
// message field (protobufjs merges those), more than one member of an AnyValue, groups, values
// nested deeper than MAX_VALUE_DEPTH, unusual varints — throws, and the checked path decides, with
// its own answer and message. So both paths give the same spans or the same refusal.

class NotPlain extends Error {}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** A field's tag: field numbers up to 2,047 (two bytes), none 0. */
function tagOf(r: protobuf.Reader): number {
  const start = r.pos;
  const tag = r.tag();
  if (r.pos - start > 2 || tag >>> 3 === 0) throw new NotPlain();
  return tag;
}

function expect(tag: number, wire: number): void {
  if ((tag & 7) !== wire) throw new NotPlain();
}

/** Where the length-delimited value that starts here ends (inside `end`). */
function nested(r: protobuf.Reader, end: number): number {
  const start = r.pos;
  const length = r.uint32();
  const stop = r.pos + length;
  if (r.pos - start > 4 || stop > end) throw new NotPlain();
  return stop;
}

/** Skips a field of the wire type the layout declares for it (or any, for an undeclared field). */
function skip(r: protobuf.Reader, tag: number, end: number, declared?: number): void {
  const wire = tag & 7;
  if ((declared !== undefined && wire !== declared) || wire === 3 || wire === 4) throw new NotPlain();
  r.skipType(wire);
  if (r.pos > end) throw new NotPlain();
}

/** A string field (strict UTF-8, as protobufjs reads it), its length checked as nested() checks it. */
function text(r: protobuf.Reader, end: number): string {
  const start = r.pos;
  nested(r, end);
  r.pos = start;
  return r.stringVerify();
}

function bytes(r: protobuf.Reader, end: number): Uint8Array {
  const start = r.pos;
  nested(r, end);
  r.pos = start;
  return r.bytes();
}

function finish(r: protobuf.Reader, end: number): void {
  if (r.pos !== end) throw new NotPlain();
}

function fixed64(r: protobuf.Reader): bigint {
  const low = r.fixed32();
  const high = r.fixed32();
  return (BigInt(high) << 32n) | BigInt(low);
}

function readPlainTraces(body: Buffer): OtlpSpan[] {
  const r = protobuf.Reader.create(body);
  const spans: OtlpSpan[] = [];
  while (r.pos < r.len) {
    const tag = tagOf(r);
    if (tag >>> 3 === 1) {
      expect(tag, BYTES);
      plainResourceSpans(r, nested(r, r.len), spans);
    } else skip(r, tag, r.len);
  }
  finish(r, r.len);
  return spans;
}

function plainResourceSpans(r: protobuf.Reader, end: number, out: OtlpSpan[]): void {
  let resource: Attributes | null = null;
  const spans: OtlpSpan[] = [];
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 1:
        expect(tag, BYTES);
        if (resource !== null) throw new NotPlain();
        resource = plainResource(r, nested(r, end));
        break;
      case 2:
        expect(tag, BYTES);
        plainScopeSpans(r, nested(r, end), spans);
        break;
      case 3:
        skip(r, tag, end, BYTES);
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
  const shared = resource ?? new Map();
  for (const span of spans) out.push(checked({ ...span, resource: shared }));
}

function plainResource(r: protobuf.Reader, end: number): Attributes {
  const attributes: Attributes = new Map();
  while (r.pos < end) {
    const tag = tagOf(r);
    if (tag >>> 3 === 1) {
      expect(tag, BYTES);
      plainKeyValue(r, nested(r, end), attributes, 0);
    } else skip(r, tag, end, tag >>> 3 === 2 ? VARINT : undefined);
  }
  finish(r, end);
  return attributes;
}

function plainScopeSpans(r: protobuf.Reader, end: number, out: OtlpSpan[]): void {
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 1:
        expect(tag, BYTES);
        plainScope(r, nested(r, end));
        break;
      case 2:
        expect(tag, BYTES);
        out.push(plainSpan(r, nested(r, end)));
        break;
      case 3:
        skip(r, tag, end, BYTES);
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
}

/** The scope is not used, but read as the checked path reads it: its strings must be UTF-8. */
function plainScope(r: protobuf.Reader, end: number): void {
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 1:
      case 2:
        expect(tag, BYTES);
        text(r, end);
        break;
      case 3: {
        expect(tag, BYTES);
        const stop = nested(r, end);
        if (check(r, stop, 'KeyValue', 0) !== null) throw new NotPlain();
        finish(r, stop);
        break;
      }
      case 4:
        skip(r, tag, end, VARINT);
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
}

function plainSpan(r: protobuf.Reader, end: number): OtlpSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startNanos = 0n;
  let endNanos = 0n;
  let status: OtlpSpan['status'] | null = null;
  const attributes: Attributes = new Map();
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 1:
        expect(tag, BYTES);
        traceId = hex(bytes(r, end));
        break;
      case 2:
        expect(tag, BYTES);
        spanId = hex(bytes(r, end));
        break;
      case 3:
        skip(r, tag, end, BYTES);
        break;
      case 4:
        expect(tag, BYTES);
        parentSpanId = hex(bytes(r, end));
        break;
      case 5:
        expect(tag, BYTES);
        name = text(r, end);
        break;
      case 6:
        expect(tag, VARINT);
        kind = r.int32();
        break;
      case 7:
        expect(tag, FIXED64);
        startNanos = fixed64(r);
        break;
      case 8:
        expect(tag, FIXED64);
        endNanos = fixed64(r);
        break;
      case 9:
        expect(tag, BYTES);
        plainKeyValue(r, nested(r, end), attributes, 0);
        break;
      case 10:
        skip(r, tag, end, VARINT);
        break;
      case 15:
        expect(tag, BYTES);
        if (status !== null) throw new NotPlain();
        status = plainStatus(r, nested(r, end));
        break;
      case 16:
        expect(tag, FIXED32);
        flags = r.fixed32();
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
  return {
    traceId,
    spanId,
    parentSpanId: parentSpanId || null,
    parentRemote: remoteParent(flags),
    name,
    kind,
    startNanos,
    endNanos,
    attributes,
    resource: new Map(),
    status: status ?? { code: 0, message: '' },
    problem: null,
  };
}

function plainStatus(r: protobuf.Reader, end: number): OtlpSpan['status'] {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 2:
        expect(tag, BYTES);
        message = text(r, end);
        break;
      case 3:
        expect(tag, VARINT);
        code = r.int32();
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
  return { code, message };
}

/** One KeyValue into `into` (a value-less one is left out, as the checked path leaves it out). */
function plainKeyValue(r: protobuf.Reader, end: number, into: Attributes, depth: number): void {
  let key = '';
  let value: AttributeValue | undefined;
  let valued = false;
  while (r.pos < end) {
    const tag = tagOf(r);
    switch (tag >>> 3) {
      case 1:
        expect(tag, BYTES);
        key = text(r, end);
        break;
      case 2:
        expect(tag, BYTES);
        if (valued) throw new NotPlain();
        valued = true;
        value = plainAnyValue(r, nested(r, end), depth + 1);
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
  if (value !== undefined) into.set(key, value);
}

function plainAnyValue(r: protobuf.Reader, end: number, depth: number): AttributeValue | undefined {
  if (depth > MAX_VALUE_DEPTH) throw new NotPlain();
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = tagOf(r);
    const field = tag >>> 3;
    if (field >= 1 && field <= 7 && value !== undefined) throw new NotPlain();
    switch (field) {
      case 1:
        expect(tag, BYTES);
        value = text(r, end);
        break;
      case 2:
        expect(tag, VARINT);
        value = r.bool();
        break;
      case 3:
        expect(tag, VARINT);
        value = int64(r.int64(), false);
        break;
      case 4:
        expect(tag, FIXED64);
        value = r.double();
        break;
      case 5: {
        expect(tag, BYTES);
        const stop = nested(r, end);
        const items: AttributeValue[] = [];
        while (r.pos < stop) {
          const itemTag = tagOf(r);
          if (itemTag >>> 3 === 1) {
            expect(itemTag, BYTES);
            items.push(plainAnyValue(r, nested(r, stop), depth + 1) ?? '');
          } else skip(r, itemTag, stop);
        }
        finish(r, stop);
        value = items;
        break;
      }
      case 6: {
        expect(tag, BYTES);
        const stop = nested(r, end);
        const map: Attributes = new Map();
        while (r.pos < stop) {
          const itemTag = tagOf(r);
          if (itemTag >>> 3 === 1) {
            expect(itemTag, BYTES);
            plainKeyValue(r, nested(r, stop), map, depth);
          } else skip(r, itemTag, stop);
        }
        finish(r, stop);
        value = map;
        break;
      }
      case 7:
        expect(tag, BYTES);
        value = bytes(r, end);
        break;
      default:
        skip(r, tag, end);
    }
  }
  finish(r, end);
  return value;
}

const remoteParent = (flags: number): boolean => (flags & HAS_IS_REMOTE) !== 0 && (flags & IS_REMOTE) !== 0;

// ---- JSON ----

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A field of an OTLP JSON object, by its lowerCamelCase name or its proto (snake_case) name. */
function field(object: Json, camel: string): unknown {
  if (Object.hasOwn(object, camel)) return object[camel];
  const snake = camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return Object.hasOwn(object, snake) ? object[snake] : undefined;
}

function list(object: Json, camel: string, where: string): unknown[] {
  const value = field(object, camel);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw notTraces(`${where}.${camel} must be an array`);
  return value;
}

function object(value: unknown, where: string): Json {
  if (!isObject(value)) throw notTraces(`${where} must be an object`);
  return value;
}

/** A JSON int64: a decimal string or an integer number (both are allowed by the proto3 JSON mapping). */
function jsonInt64(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return null;
}

function jsonValue(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  const string = field(value, 'stringValue');
  if (typeof string === 'string') return string;
  const bool = field(value, 'boolValue');
  if (typeof bool === 'boolean') return bool;
  const int = jsonInt64(field(value, 'intValue'));
  if (int !== null) return int;
  const double = field(value, 'doubleValue');
  if (typeof double === 'number') return double;
  const array = field(value, 'arrayValue');
  if (isObject(array)) {
    const values = field(array, 'values');
    return Array.isArray(values) ? values.map((item) => jsonValue(item) ?? '') : [];
  }
  const kvlist = field(value, 'kvlistValue');
  if (isObject(kvlist)) return jsonAttributes(field(kvlist, 'values'));
  const bytes = field(value, 'bytesValue');
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64');
  return undefined;
}

function jsonAttributes(value: unknown): Attributes {
  const attributes: Attributes = new Map();
  if (!Array.isArray(value)) return attributes;
  for (const item of value) {
    if (!isObject(item)) continue;
    const key = field(item, 'key');
    const converted = jsonValue(field(item, 'value'));
    if (typeof key === 'string' && converted !== undefined) attributes.set(key, converted);
  }
  return attributes;
}

/** A JSON id: hex as the OTLP JSON encoding says ('' when absent; 'x' marks one that is not hex). */
function jsonId(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  return typeof value === 'string' && /^[0-9a-fA-F]*$/.test(value) && value.length % 2 === 0
    ? value.toLowerCase()
    : 'x';
}

function jsonSpan(value: unknown, resource: Attributes): OtlpSpan {
  const span = isObject(value) ? value : {};
  const status = isObject(field(span, 'status')) ? (field(span, 'status') as Json) : {};
  const flags = field(span, 'flags');
  const kind = field(span, 'kind');
  const code = field(status, 'code');
  const name = field(span, 'name');
  const message = field(status, 'message');
  const parent = jsonId(field(span, 'parentSpanId'));
  const start = jsonInt64(field(span, 'startTimeUnixNano'));
  const end = jsonInt64(field(span, 'endTimeUnixNano'));
  const result: OtlpSpan = {
    traceId: jsonId(field(span, 'traceId')),
    spanId: jsonId(field(span, 'spanId')),
    parentSpanId: parent === '' ? null : parent,
    parentRemote: typeof flags === 'number' && remoteParent(flags),
    name: typeof name === 'string' ? name : '',
    kind: typeof kind === 'number' && Number.isInteger(kind) ? kind : 0,
    startNanos: start ?? -1n,
    endNanos: end ?? -1n,
    attributes: jsonAttributes(field(span, 'attributes')),
    resource,
    status: {
      code: typeof code === 'number' && Number.isInteger(code) ? code : 0,
      message: typeof message === 'string' ? message : '',
    },
    problem: isObject(value) ? null : 'a span must be an object',
  };
  return checked(result);
}

function readJson(body: Buffer): OtlpSpan[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw notTraces('The body is not valid JSON');
  }
  const request = object(parsed, 'The body');
  for (const other of ['resourceLogs', 'resourceMetrics'] as const) {
    if (field(request, other) !== undefined && field(request, 'resourceSpans') === undefined) {
      const kind = other === 'resourceLogs' ? 'logs' : 'metrics';
      throw notTraces(
        `This is an OTLP ${kind} export; Tally accepts trace exports only (send ${kind} elsewhere)`,
      );
    }
  }
  const spans: OtlpSpan[] = [];
  for (const [r, item] of list(request, 'resourceSpans', 'body').entries()) {
    const resourceSpans = object(item, `resourceSpans[${r}]`);
    const resourceValue = field(resourceSpans, 'resource');
    const resource = isObject(resourceValue) ? jsonAttributes(field(resourceValue, 'attributes')) : new Map();
    for (const [s, scopeItem] of list(resourceSpans, 'scopeSpans', `resourceSpans[${r}]`).entries()) {
      const scopeSpans = object(scopeItem, `resourceSpans[${r}].scopeSpans[${s}]`);
      for (const span of list(scopeSpans, 'spans', `resourceSpans[${r}].scopeSpans[${s}]`))
        spans.push(jsonSpan(span, resource));
    }
  }
  return spans;
}

// ---- both ----

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * The span with `problem` set when its ids or times cannot be recorded. Its ids are lowercase hex
 * already (hex() of protobuf bytes; jsonId() answers 'x' for a JSON id that is not hex), so their
 * lengths tell their sizes.
 */
function checked(span: OtlpSpan): OtlpSpan {
  if (span.problem !== null) return span;
  const problem =
    span.traceId.length !== 32 || span.traceId === ZERO_TRACE
      ? 'traceId must be 16 bytes, not all zero'
      : span.spanId.length !== 16 || span.spanId === ZERO_SPAN
        ? 'spanId must be 8 bytes, not all zero'
        : span.parentSpanId !== null && span.parentSpanId.length !== 16
          ? 'parentSpanId must be 8 bytes or empty'
          : span.startNanos <= 0n
            ? 'startTimeUnixNano is required'
            : span.endNanos < span.startNanos
              ? 'endTimeUnixNano must not be before startTimeUnixNano'
              : null;
  return problem === null ? span : { ...span, problem };
}
