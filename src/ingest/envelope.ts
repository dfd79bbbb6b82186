// The CloudEvents 1.0 envelope (JSON format): required specversion "1.0", id, source, type;
// optional time, subject, datacontenttype. Anything else about the event is in `data`.
import { MAX_JSON_DEPTH } from '../http/limits.js';
import { unstorableJson } from '../json-depth.js';
import { Fields, isObject, type Json, REQUIRED } from './fields.js';

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

/** What an event's JSON may hold that cannot be stored, as far as its body's bytes tell (body.ts). */
export interface UnstorableChecks {
  /** false only for events parsed from text that cannot hold NUL or a lone surrogate (no `\u`). */
  checkStrings: boolean;
  /** false only for events whose bytes nest no deeper than MAX_JSON_DEPTH. */
  checkDepth: boolean;
}

const CHECK_ALL: UnstorableChecks = { checkStrings: true, checkDepth: true };

/** The event's envelope, or why it cannot be stored. */
export function readEnvelope(
  value: unknown,
  receivedAt: Date,
  { checkStrings, checkDepth }: UnstorableChecks = CHECK_ALL,
): { envelope?: Envelope; errors: string[] } {
  if (!isObject(value)) return { errors: ['event: must be a JSON object'] };
  // Deeper JSON would overflow the stack of the code that walks or stores it; PostgreSQL text and
  // jsonb cannot hold NUL, nor json a lone surrogate. The event is rejected whole, on its own.
  // What the bytes already ruled out is not walked for (the usual batch: nothing is).
  const unstorable = checkStrings || checkDepth ? unstorableJson(value, MAX_JSON_DEPTH, checkStrings) : null;
  switch (unstorable) {
    case 'too_deep':
      return { errors: [`event: must not nest deeper than ${MAX_JSON_DEPTH} levels`] };
    case 'nul':
      return { errors: ['event: strings must not contain NUL (\\u0000) characters'] };
    case 'lone_surrogate':
      return { errors: ['event: strings must be well-formed Unicode (no lone UTF-16 surrogates)'] };
  }
  const fields = new Fields(value, '');
  if (value.specversion !== '1.0') fields.errors.push('specversion: must be "1.0"');
  const id = fields.string('id', 256, REQUIRED);
  const source = fields.string('source', 512, REQUIRED);
  const type = fields.string('type', 128, REQUIRED);
  const time = fields.timestamp('time');
  const subject = fields.string('subject', 512);
  const contentType = fields.string('datacontenttype', 128);
  if (contentType !== undefined && !JSON_CONTENT.test(contentType)) {
    fields.errors.push('datacontenttype: must be application/json (data is read as JSON)');
  }
  if ('data_base64' in value) fields.errors.push('data_base64: binary data is not accepted; send JSON data');
  const data = fields.object('data', REQUIRED);
  if (fields.errors.length > 0 || !id || !source || !type || !data) return { errors: fields.errors };
  return {
    envelope: { id, source, type, time: time ?? receivedAt, hasTime: time !== undefined, subject, data },
    errors: [],
  };
}
