// Each event type becomes one ledger write (src/ledger/write/types.ts), still without its org: the
// event's source and id are the write's dedup key, its time orders writes of one record.
import type { WriteKey } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';

export function writeKey(envelope: Envelope): WriteKey {
  return { source: envelope.source, eventId: envelope.id };
}
