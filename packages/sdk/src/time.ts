// Timestamps as RFC 3339 text (what Date#toISOString gives), formatted once per millisecond:
// every recorded request needs one, and at a few thousand requests a second most share their
// millisecond with the previous one.
let lastMs = Number.NaN;
let lastIso = '';

export function isoAt(ms: number): string {
  if (ms !== lastMs) {
    // Formatted first: an invalid time throws here, leaving the cache as it was.
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
