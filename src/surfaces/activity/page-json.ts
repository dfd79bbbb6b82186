// The activity page's body (issue #16). The rows come from the driver with their keys in the
// seed's order (the page statement selects them so, src/ledger/activity/listing.ts), so the page
// is the native JSON.stringify of those very objects, each instant formatted in place: no copies,
// and no per-field work of the response schema's serializer (fast-json-stringify tested each
// nullable field against its union). The text is byte for byte what the schema serializer wrote
// (test/activity/page-json.test.ts holds the two side by side over hostile values,
// test/perf/read-answers-golden.test.ts the routes' answers).
import { schemaNumber } from '../../http/json-body.js';
import type { ListingPage } from '../../ledger/activity/listing.js';
import { isoOfMillis } from '../shared/time.js';

/** The page as the seed writes it (ActivityList): total, has_more, next_cursor, activities. */
export function pageJson(page: ListingPage): string {
  const activities = page.activities as unknown as Record<string, unknown>[];
  for (const activity of page.activities) {
    // float8 holds infinities and NaN, which JSON cannot: the schema serializer refused them (a
    // 500, never a body with a null the record does not hold). Every other column's type is
    // within its field's.
    schemaNumber(activity.duration_ms, (duration) => !Number.isFinite(duration));
    const row = activity as unknown as Record<string, unknown>;
    row.timestamp = isoOfMillis(activity.timestamp);
    // The cursor's position, not shown: JSON.stringify leaves out what is undefined (and the
    // object keeps its shape, which deleting the key would not).
    row.timestamp_us = undefined;
  }
  return JSON.stringify({
    total: page.total,
    has_more: page.hasMore,
    next_cursor: page.nextCursor,
    activities,
  });
}
