// OTLP/JSON export bodies written by hand, for what the SDK would not produce on demand: chosen
// ids, parents that never arrive, parents in another process (span flags), hostile values.
import { randomBytes } from 'node:crypto';

export type JsonValue = string | number | boolean | { intValue: string } | object;

export interface JsonSpanInput {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  /** Span flags: 0x100 says whether the parent is remote is known, 0x200 that it is. */
  flags?: number;
  name?: string;
  kind?: number;
  startMs?: number;
  durationMs?: number;
  statusCode?: number;
  attributes?: Record<string, JsonValue>;
}

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

/** An OTLP/JSON AnyValue of a plain value (numbers: integers as intValue strings). */
export function anyValue(value: JsonValue): object {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return value;
}

export function jsonSpan(input: JsonSpanInput) {
  const start = BigInt(input.startMs ?? Date.now() - 60_000) * 1_000_000n;
  const end = start + BigInt(Math.round((input.durationMs ?? 1200) * 1e6));
  return {
    traceId: input.traceId,
    spanId: input.spanId ?? newSpanId(),
    ...(input.parentSpanId ? { parentSpanId: input.parentSpanId } : {}),
    ...(input.flags !== undefined ? { flags: input.flags } : {}),
    name: input.name ?? 'span',
    kind: input.kind ?? 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    attributes: Object.entries(input.attributes ?? {}).map(([key, value]) => ({
      key,
      value: anyValue(value),
    })),
    status: { code: input.statusCode ?? 0 },
  };
}

export function exportBody(
  spans: object[],
  resource: Record<string, JsonValue> = { 'service.name': 'support-api' },
) {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, value]) => ({ key, value: anyValue(value) })),
        },
        scopeSpans: [{ scope: { name: 'tests' }, spans }],
      },
    ],
  });
}
