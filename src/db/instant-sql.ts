// An instant column as reads select it for rendering: whole milliseconds since the epoch, exact
// for every instant PostgreSQL holds that a JS Date does (src/surfaces/shared/time.ts formats it
// with isoOfMillis, as `pg` would have formatted the Date it parses). Microseconds are not exact
// past 2^53 (the year 2255, and before 1685), where they can move the millisecond.
export const millisOf = (column: string): string => `floor(extract(epoch from ${column}) * 1000)::bigint`;
