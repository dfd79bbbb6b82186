// Binary content mode of the CloudEvents HTTP binding (1.0, §3.1): the event's attributes arrive
// in `ce-*` headers, `Content-Type` is its `datacontenttype` and the body is its `data`. This is
// the default mode of the CloudEvents SDKs. The headers and body are turned into the same event
// object structured mode carries, so one reader (envelope.ts) validates both.
import type { IncomingHttpHeaders } from 'node:http';
import { type FieldIssue, TallyError } from '../errors.js';
import { checkCharset, mediaTypeOf, unsupported } from './body.js';
import type { Json } from './fields.js';
import { rejected } from './single-event.js';

const PREFIX = 'ce-';
/** An attribute name as CloudEvents 1.0 allows it; other ce-* headers are no attributes. */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,64}$/;
const JSON_MEDIA_TYPE = /^application\/([^/]+\+)?json$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The event a binary-mode request carries. Throws the request's 400 (a header that cannot be
 * decoded, a body that is not JSON) and 415 (data that is not JSON: Tally reads `data` as JSON).
 */
export function readBinaryEvent(headers: IncomingHttpHeaders, body: Buffer): Json {
  const event: Json = {};
  const issues: FieldIssue[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith(PREFIX) || raw === undefined) continue;
    const attribute = name.slice(PREFIX.length);
    if (attribute === 'datacontenttype') {
      issues.push(
        headerIssue(name, 'must not be sent: in binary mode the Content-Type header is datacontenttype'),
      );
      continue;
    }
    // `data` is the body, never a header; extensions are ignored once decoded, as in structured mode.
    if (attribute === 'data' || !ATTRIBUTE_NAME.test(attribute)) continue;
    const value = decodeHeaderValue(Array.isArray(raw) ? raw.join(', ') : raw);
    if (value === null) {
      issues.push(headerIssue(name, 'must be percent-encoded UTF-8 (CloudEvents HTTP binding §3.1.3.2)'));
      continue;
    }
    event[attribute] = value;
  }
  if (issues.length > 0) throw rejected(issues);

  const contentType = headers['content-type'];
  if (contentType !== undefined) {
    const { mediaType, charset } = mediaTypeOf(contentType);
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw unsupported(
        `In binary mode the body is the event's data, which Tally reads as JSON: send Content-Type application/json (got "${mediaType}")`,
      );
    }
    checkCharset(charset);
    event.datacontenttype = contentType;
  }
  // An empty body is an event without data: the envelope names what is missing.
  if (body.length > 0) {
    try {
      event.data = JSON.parse(body.toString('utf8'));
    } catch {
      throw new TallyError(
        'bad_request',
        "The body is not valid JSON: in binary mode the body is the event's data, read as JSON",
        { issues: [{ location: 'body', field: [], kind: 'json_invalid', message: 'is not valid JSON' }] },
      );
    }
  }
  return event;
}

/**
 * A header value as the binding decodes it (§3.1.3.2): a double-quoted string is unquoted first
 * (backslash escapes), then one round of percent-decoding; the bytes must be well-formed UTF-8
 * (an overlong or truncated sequence is rejected). Null when the value cannot be decoded. Node
 * hands header values over as latin-1 strings, so raw UTF-8 bytes sent unencoded still decode.
 */
export function decodeHeaderValue(raw: string): string | null {
  let value = raw;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (!value.includes('%') && /^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = new Uint8Array(value.length);
  let length = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code === 0x25) {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes[length++] = Number.parseInt(hex, 16);
      i += 2;
    } else if (code > 0xff) {
      return null;
    } else {
      bytes[length++] = code;
    }
  }
  try {
    return UTF8.decode(bytes.subarray(0, length));
  } catch {
    return null;
  }
}

function headerIssue(name: string, message: string): FieldIssue {
  return { location: 'header', field: [name], kind: 'value_error', message };
}
