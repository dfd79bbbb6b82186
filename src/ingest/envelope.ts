// The CloudEvents 1.0 envelope (JSON format): required specversion "1.0", id, source, type;
// optional time, subject, datacontenttype. Anything else about the event is in `data`.
import { MAX_JSON_DEPTH } from '../http/limits.js';
import { unstorableJson } from '../json-depth.js';
import { Fields, isObject, type Json } from './fields.js';

export interface Envelope {
  id: string;
  source: string;
  type: string;
  /** The event's `time`, or the time it was received. */
  time: Date;
  hasTime: boolean;
  subject: string | undefined;
  data: Json;
}

const JSON_CONTENT = /^application\/(.+\+)?json(\s*;.*)?$/i;

/**
 * The event's envelope, or why it cannot be stored. `checkStrings: false` only for events parsed
 * from text that cannot hold NUL or a lone surrogate (mayHoldUnstorableStrings).
 */
export function readEnvelope(
  value: unknown,
  receivedAt: Date,
  checkStrings = true,
): { envelope?: Envelope; errors: string[] } {
  if (!isObject(value)) return { errors: ['event: must be a JSON object'] };
  // Deeper JSON would overflow the stack of the code that walks or stores it; PostgreSQL text and
  // jsonb cannot hold NUL, nor json a lone surrogate. The event is rejected whole, on its own.
  switch (unstorableJson(value, MAX_JSON_DEPTH, checkStrings)) {
    case 'too_deep':
      return { errors: [`event: must not nest deeper than ${MAX_JSON_DEPTH} levels`] };
    case 'nul':
      return { errors: ['event: strings must not contain NUL (\\u0000) characters'] };
    case 'lone_surrogate':
      return { errors: ['event: strings must be well-formed Unicode (no lone UTF-16 surrogates)'] };
  }
  const fields = new Fields(value, '');
  if (value.specversion !== '1.0') fields.errors.push('specversion: must be "1.0"');
  const id = fields.string('id', { required: true, max: 256 });
  const source = fields.string('source', { required: true, max: 512 });
  const type = fields.string('type', { required: true, max: 128 });
  const time = fields.timestamp('time');
  const subject = fields.string('subject', { max: 512 });
  const contentType = fields.string('datacontenttype', { max: 128 });
  if (contentType !== undefined && !JSON_CONTENT.test(contentType)) {
    fields.errors.push('datacontenttype: must be application/json (data is read as JSON)');
  }
  if ('data_base64' in value) fields.errors.push('data_base64: binary data is not accepted; send JSON data');
  const data = fields.object('data', { required: true });
  if (fields.errors.length > 0 || !id || !source || !type || !data) return { errors: fields.errors };
  return {
    envelope: { id, source, type, time: time ?? receivedAt, hasTime: time !== undefined, subject, data },
    errors: [],
  };
}
