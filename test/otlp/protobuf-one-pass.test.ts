// decode.ts reads an exporter's protobuf body in one pass (for speed: issue #13's benchmark), and
// leaves anything unusual to the checked path (layout check, then protobufjs). The two must agree
// on every body: the same spans, or the same refusal with the same message. Held here on the real
// SDK's bodies, the same bodies cut short or with bytes changed, and hand-made bodies with what
// the one-pass reader hands over (repeated message fields, several AnyValue members, deep values).

import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { readCheckedProtobuf, readTraceExport } from '../../src/ingest/otlp/decode.js';
import { agentRun, memoryTracer } from './agent-run.js';

function outcome(read: () => unknown): unknown {
  try {
    return { spans: read() };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

function expectSamePaths(body: Buffer): void {
  expect(outcome(() => readTraceExport(Buffer.from(body), 'protobuf'))).toEqual(
    outcome(() => readCheckedProtobuf(Buffer.from(body))),
  );
}

const traced = memoryTracer({ 'tally.workspace.id': 'ws-1' });
const sdkBodies = [1, 3].map((runs) => {
  for (let r = 0; r < runs; r += 1) agentRun(traced.tracer, { workspaceId: '12', userId: '7' });
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(traced.spans())!);
  traced.reset();
  return body;
});

type Field = [field: number, wire: 0 | 1 | 2 | 5, value: number | Uint8Array];
function message(fields: Field[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const [field, wire, value] of fields) {
    writer.uint32((field << 3) | wire);
    if (wire === 2) writer.bytes(value as Uint8Array);
    else if (wire === 0) writer.int64(value as number);
    else if (wire === 1) writer.fixed64(value as number);
    else writer.fixed32(value as number);
  }
  return writer.finish();
}
const text = (value: string) => Buffer.from(value);
const anyValue = (...members: Field[]) => message(members);
const keyValue = (key: string, ...values: Uint8Array[]) =>
  message([[1, 2, text(key)], ...values.map((value): Field => [2, 2, value])]);
const span = (extra: Field[] = []) =>
  message([
    [1, 2, Buffer.alloc(16, 1)],
    [2, 2, Buffer.alloc(8, 2)],
    [5, 2, text('chat')],
    [7, 1, 1_000],
    [8, 1, 2_000],
    ...extra,
  ]);
const exportOf = (spans: Uint8Array[], resource: Field[] = []) =>
  Buffer.from(message([[1, 2, message([...resource, [2, 2, message(spans.map((s): Field => [2, 2, s]))]])]]));

describe('the one-pass protobuf reader', () => {
  it("reads the real SDK's bodies as the checked path does", () => {
    for (const body of sdkBodies) {
      expectSamePaths(body);
      expect(readTraceExport(body, 'protobuf').length).toBeGreaterThan(0);
    }
  });

  it('agrees with the checked path on bodies cut short or with bytes changed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sdkBodies),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (body, cut, flips) => {
          const mangled = Buffer.from(body.subarray(0, flips.length === 0 ? cut % body.length : body.length));
          for (const [at, byte] of flips) mangled[at % mangled.length] = byte;
          expectSamePaths(mangled);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    [
      'a status sent twice',
      exportOf([
        span([
          [
            15,
            2,
            message([
              [2, 2, text('a')],
              [3, 0, 2],
            ]),
          ],
          [15, 2, message([[3, 0, 1]])],
        ]),
      ]),
    ],
    [
      'an AnyValue with two members',
      exportOf([span([[9, 2, keyValue('k', anyValue([1, 2, text('x')], [3, 0, 5]))]])]),
    ],
    [
      'an AnyValue member sent twice',
      exportOf([span([[9, 2, keyValue('k', anyValue([1, 2, text('x')], [1, 2, text('y')]))]])]),
    ],
    [
      'a KeyValue with two array values',
      exportOf([
        span([
          [
            9,
            2,
            keyValue(
              'k',
              anyValue([5, 2, message([[1, 2, anyValue([1, 2, text('a')])]])]),
              anyValue([5, 2, message([[1, 2, anyValue([1, 2, text('b')])]])]),
            ),
          ],
        ]),
      ]),
    ],
    [
      'a resource sent twice',
      exportOf(
        [span()],
        [
          [1, 2, message([[1, 2, keyValue('a', anyValue([1, 2, text('1')]))]])],
          [1, 2, message([[1, 2, keyValue('b', anyValue([1, 2, text('2')]))]])],
        ],
      ),
    ],
    ['a KeyValue without a key', exportOf([span([[9, 2, message([[2, 2, anyValue([1, 2, text('v')])]])]])])],
    ['a KeyValue without a value', exportOf([span([[9, 2, keyValue('k')]])])],
    [
      'an empty AnyValue in an array',
      exportOf([span([[9, 2, keyValue('k', anyValue([5, 2, message([[1, 2, anyValue()]])]))]])]),
    ],
    ['a span name that is not UTF-8', exportOf([span([[5, 2, Buffer.from([0xff, 0xfe])]])])],
    ['a known field with the wrong wire type', exportOf([span([[6, 2, text('x')]])])],
    [
      'unknown fields',
      exportOf([
        span([
          [11, 2, text('event')],
          [13, 2, text('link')],
          [99, 0, 1],
        ]),
      ]),
    ],
  ])('agrees with the checked path on %s', (_name, body) => {
    expectSamePaths(body);
  });

  it('agrees with the checked path on values nested up to and past the limit', () => {
    let value = anyValue([1, 2, text('leaf')]);
    for (let depth = 1; depth <= 40; depth += 1) {
      value = anyValue([5, 2, message([[1, 2, value]])]);
      expectSamePaths(exportOf([span([[9, 2, keyValue('k', value)]])]));
    }
  });
});
