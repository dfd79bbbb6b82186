// Turns the raw request body into CloudEvents: content mode and type (415), encoding (gzip), size
// limits (413: 5 MiB decoded, 5,000 events) and JSON shape (400: not an event or an array of
// events). Binary content mode (the event's attributes in `ce-*` headers) is read by binary-mode.ts.
import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { TallyError } from '../errors.js';
import {
  INGEST_DECODED_BODY_LIMIT,
  INGEST_MAX_EVENTS,
  INGEST_RAW_BODY_LIMIT,
  MAX_JSON_DEPTH,
} from '../http/limits.js';
import { mayHoldUnstorableStrings } from '../json-depth.js';
import { elementBounds, parseElement } from './array-elements.js';
import type { IngestGate } from './back-pressure.js';

// The limits themselves live with every other request limit (src/http/limits.ts).
export const MAX_EVENTS = INGEST_MAX_EVENTS;
export const MAX_DECODED_BYTES = INGEST_DECODED_BODY_LIMIT;
export const MAX_RAW_BYTES = INGEST_RAW_BODY_LIMIT;

/** `binary`: one event, attributes in `ce-*` headers and the body its data (binary-mode.ts). */
export type ContentMode = 'single' | 'batch' | 'either' | 'binary';

const MODES: Record<string, ContentMode> = {
  'application/cloudevents+json': 'single',
  'application/cloudevents-batch+json': 'batch',
  'application/json': 'either',
};

export function unsupported(message: string): TallyError {
  return new TallyError('unsupported_media_type', message);
}

/**
 * The content mode of the CloudEvents HTTP binding: the Content-Type decides first (an
 * `application/cloudevents…` type is structured or batched mode, as the binding says), then the
 * presence of `ce-specversion` makes it binary mode, whatever the type of its data.
 */
export function contentMode(headers: IncomingHttpHeaders): ContentMode {
  const contentType = headers['content-type'];
  const { mediaType, charset } = mediaTypeOf(contentType);
  if (!mediaType.startsWith('application/cloudevents') && headers['ce-specversion'] !== undefined) {
    return 'binary';
  }
  const mode = MODES[mediaType];
  if (!mode) {
    throw unsupported(
      'Send application/cloudevents+json (one event), application/cloudevents-batch+json or application/json (an array), or one event in binary mode (ce-specversion, ce-id, ce-source, ce-type headers and a JSON body)',
    );
  }
  checkCharset(charset);
  return mode;
}

/** The media type of a Content-Type header, lower-cased, and its charset parameter if any. */
export function mediaTypeOf(contentType: string | undefined): { mediaType: string; charset?: string } {
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  return { mediaType, charset: params.find((param) => param.startsWith('charset=')) };
}

export function checkCharset(charset: string | undefined): void {
  if (charset && !/^charset="?utf-8"?$/.test(charset)) throw unsupported('Only UTF-8 bodies are accepted');
}

export function decodeBody(raw: Buffer | undefined, contentEncoding: string | undefined): Buffer {
  const body = raw ?? Buffer.alloc(0);
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') {
    if (body.length > MAX_DECODED_BYTES) throw new TallyError('payload_too_large', 'The body is over 5 MiB');
    return body;
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw unsupported(`Content-Encoding "${encoding}" is not supported; use gzip or none`);
  }
  try {
    return gunzipSync(body, { maxOutputLength: MAX_DECODED_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new TallyError('payload_too_large', 'The decoded body is over 5 MiB');
    }
    throw new TallyError('bad_request', 'The body is not valid gzip');
  }
}

/**
 * The request's body as read raw, decoded (gzip), each copy charged to the request's ingestion
 * lease first: a body sent without Content-Length is charged once read, before it is decoded.
 */
export function decodedBodyOf(request: FastifyRequest, gate: IngestGate): Buffer {
  const raw = request.body as Buffer | undefined;
  const lease = gate.leaseOf(request);
  lease?.holdBytes(raw?.length ?? 0);
  const decoded = decodeBody(raw, request.headers['content-encoding']);
  if (raw && decoded !== raw) lease?.holdBytes(raw.length + decoded.length);
  return decoded;
}

/** A request's events, read one at a time (`at`), and what the request as a whole is. */
export interface BodyEvents {
  count: number;
  /**
   * The event at `index`. A batch's events are parsed here, one by one, so that each event's
   * parsed JSON is garbage once its write is built; throws the body's 400 when the event is not
   * JSON (then neither is the body).
   */
  at(index: number): unknown;
  /** One event (a structured one, or an object sent as application/json), not a batch. */
  single: boolean;
  /** Whether the events' strings need checking for what PostgreSQL cannot store. */
  checkStrings: boolean;
  /** Whether an event may nest deeper than MAX_JSON_DEPTH (a batch's scan knows it does not). */
  checkDepth: boolean;
}

const notJson = () => new TallyError('bad_request', 'The body is not valid JSON');

/**
 * The events of the body, in order; throws 400/413 when the request as a whole is unusable, except
 * that a batch's events are checked to be JSON as they are read (BodyEvents.at).
 */
export function parseEvents(decoded: Buffer, mode: Exclude<ContentMode, 'binary'>): BodyEvents {
  // Only `\u` escapes can spell what PostgreSQL cannot store; the bytes hold them as the text does.
  const checkStrings = mayHoldUnstorableStrings(decoded);
  // A batch is read event by event, without a string of the whole body (array-elements.ts);
  // whatever is not framed as an array is parsed whole, which answers every error as it always did.
  const elements = mode === 'single' ? null : elementBounds(decoded, MAX_EVENTS);
  if (elements !== null) {
    const { bounds, nesting } = elements;
    return {
      count: bounds.length / 2,
      at: (index) => {
        try {
          return parseElement(decoded, bounds, index);
        } catch {
          throw notJson();
        }
      },
      single: false,
      checkStrings,
      // An event is one container; the limit counts the containers inside it.
      checkDepth: nesting > MAX_JSON_DEPTH,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.toString('utf8'));
  } catch {
    throw notJson();
  }
  const isArray = Array.isArray(parsed);
  const isObject = parsed !== null && typeof parsed === 'object' && !isArray;
  if (mode === 'single' && !isObject)
    throw new TallyError('bad_request', 'The body is not a CloudEvent (a JSON object)');
  if (mode === 'batch' && !isArray)
    throw new TallyError('bad_request', 'The body is not a batch (a JSON array of events)');
  if (mode === 'either' && !isArray && !isObject) {
    throw new TallyError('bad_request', 'The body is not an event or an array of events');
  }
  const events = isArray ? (parsed as unknown[]) : [parsed];
  if (events.length > MAX_EVENTS) {
    throw new TallyError(
      'payload_too_large',
      `A batch holds at most ${MAX_EVENTS} events (got ${events.length})`,
    );
  }
  return {
    count: events.length,
    at: (index) => events[index],
    single: !isArray,
    checkStrings,
    checkDepth: true,
  };
}
