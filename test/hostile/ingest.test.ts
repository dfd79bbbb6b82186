// Property: POST /v1/ingest, given hostile bodies (events with wrong types and hostile values,
// broken JSON, broken gzip, wrong content types and encodings, deep nesting, huge arrays, binary
// mode events with hostile ce-* headers), answers
// only 200/207/400/413/415 in problem+json, and a 2xx always accounts for every event it was sent.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/test-app.js';
import {
  expectStillServing,
  HostileSender,
  type HostileWorld,
  hostileWorld,
  printable,
  runs,
} from './harness.js';
import { hostileEvent } from './ingest-events.js';
import {
  brokenGzip,
  brokenJson,
  contentEncodings,
  contentTypes,
  nested,
  toJsonText,
} from './json-arbitraries.js';
import { routesOf } from './route-catalogue.js';

const RUNS = runs(150);
const route = routesOf('ingest')[0]!;

let world: HostileWorld;
let sender: HostileSender;

beforeAll(async () => {
  world = await hostileWorld();
  sender = new HostileSender(world);
});

afterAll(async () => {
  if (sender) console.info(sender.summary('ingestion'));
  await world?.t.close();
});

interface IngestCase {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** Binary content mode: the event's attributes as ce-* headers. */
  ceHeaders?: Record<string, string>;
  payload: string | Buffer;
  /** Events in a well-formed body (the answer must account for each), or null. */
  events: number | null;
}

function ingestCase(): fc.Arbitrary<IngestCase> {
  const batch = fc.array(hostileEvent(world), { minLength: 1, maxLength: 12 });
  const wellFormed = fc.oneof(
    batch.map((events) => ({
      contentType: 'application/cloudevents-batch+json',
      contentEncoding: undefined,
      payload: toJsonText(events),
      events: events.length,
    })),
    hostileEvent(world).map((e) => ({
      contentType: 'application/cloudevents+json',
      contentEncoding: undefined,
      payload: toJsonText(e),
      events: 1,
    })),
    fc
      .tuple(hostileEvent(world), fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, fc.constant(true)))
      .map(([e, malformed]) => binaryCase(e, malformed)),
  );
  const bodies: fc.Arbitrary<IngestCase>[] = [
    wellFormed,
    batch.chain((events) =>
      brokenJson(toJsonText(events)).map((payload) => ({
        contentType: 'application/json',
        contentEncoding: undefined,
        payload,
        events: null,
      })),
    ),
    batch.chain((events) =>
      brokenGzip(toJsonText(events)).map((payload) => ({
        contentType: 'application/json',
        contentEncoding: 'gzip',
        payload,
        events: null,
      })),
    ),
    fc.tuple(batch, contentTypes, fc.option(contentEncodings)).map(([events, contentType, encoding]) => ({
      contentType,
      contentEncoding: encoding ?? undefined,
      payload: toJsonText(events),
      events: null,
    })),
    fc.constantFrom(
      {
        contentType: 'application/json',
        contentEncoding: undefined,
        payload: toJsonText(nested(70, 'array')),
        events: null,
      },
      { contentType: undefined, contentEncoding: undefined, payload: '[]', events: null },
      {
        contentType: 'application/cloudevents-batch+json',
        contentEncoding: undefined,
        payload: toJsonText(Array(5_001).fill({})),
        events: null,
      },
      {
        contentType: 'application/cloudevents-batch+json',
        contentEncoding: undefined,
        payload: toJsonText(Array(300).fill(null)),
        events: 300,
      },
    ),
  ];
  return fc.oneof(
    { arbitrary: bodies[0]!, weight: 6 },
    ...bodies.slice(1).map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
}

/**
 * The event in binary mode: each attribute a ce-* header, percent-encoded as the binding says
 * (or, when `malformed`, with a broken escape appended), and `data` as the JSON body.
 */
function binaryCase(event: Record<string, unknown>, malformed: boolean): IngestCase {
  const ceHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || !/^[a-z0-9_]{1,40}$/.test(name)) continue;
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    const encoded = [...Buffer.from(text, 'utf8')]
      .map((byte) =>
        byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x25
          ? String.fromCharCode(byte)
          : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
    ceHeaders[`ce-${name}`] = malformed ? `${encoded}%G` : encoded;
  }
  ceHeaders['ce-specversion'] ??= '1.0';
  return {
    contentType: 'application/json',
    contentEncoding: undefined,
    ceHeaders,
    payload: event.data === undefined ? '' : toJsonText(event.data),
    events: 1,
  };
}

describe('hostile input on ingestion', () => {
  it(`${route.key} answers only its documented statuses and accounts for every event`, async () => {
    await fc.assert(
      fc.asyncProperty(ingestCase().map(printable), fc.constantFrom(...world.tokens), async (c, token) => {
        const headers: Record<string, string> = { ...bearer(token) };
        if (c.contentType !== undefined) headers['content-type'] = c.contentType;
        if (c.contentEncoding !== undefined) headers['content-encoding'] = c.contentEncoding;
        Object.assign(headers, c.ceHeaders);
        const response = await sender.send(route, {
          method: 'POST',
          url: route.path,
          headers,
          payload: c.payload,
        });
        if (c.events !== null && response.statusCode < 300) {
          const body = response.json() as {
            accepted: number;
            duplicates: number;
            rejected: { index: number }[];
          };
          expect(body.accepted + body.duplicates + body.rejected.length).toBe(c.events);
          expect(
            body.rejected.every(
              (r, i, all) => r.index >= 0 && r.index < c.events! && (i === 0 || all[i - 1]!.index < r.index),
            ),
          ).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('still serves ordinary requests afterwards', async () => {
    await expectStillServing(world);
  });
});
