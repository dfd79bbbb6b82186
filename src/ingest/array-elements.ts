// A batch body's events, each parsed from its own slice of the bytes (issue #16, ingestion).
//
// Why: JSON.parse needs one string, and a whole batch's string (~0.7 MB per 1,000 events) is a
// V8 large object: its own mapping, page-faulted when written and unmapped when collected, ~2 ms
// per batch on the benchmark's machines, and it counts against the old generation's limit, so
// every few batches brought a full collection nearer. An event's slice (~700 bytes) is an
// ordinary young string, garbage as soon as it is parsed.
//
// The answer is exactly JSON.parse's: the scan only finds where the top-level array's elements
// lie (the commas at depth one, outside strings) and each element is parsed by JSON.parse. When
// every element parses and the frame is `[`, elements separated by `,`, `]` with only JSON
// whitespace around, the whole text is valid JSON by its grammar, and it is that array. What is
// not so framed (not an array, a malformed frame) has no bounds and the caller parses the whole
// text as before; an element that does not parse means the whole text is not JSON either. So
// every error and its precedence stay as they were.
// Splitting only at ASCII bytes never cuts a UTF-8 sequence, so each slice decodes as its part of
// the whole text did.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

const isWhitespace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The elements of the JSON array the bytes hold, each parsed on its own, all at once; null when
 * the bytes are not a well-framed array of at most `maxElements` elements that each parse. The
 * route reads elements one at a time instead (body.ts); this whole form is what the tests hold
 * against JSON.parse and what bench/batch-read-cost.ts measures.
 */
export function parseArrayElements(bytes: Buffer, maxElements: number): unknown[] | null {
  const bounds = elementBounds(bytes, maxElements)?.bounds;
  if (bounds === undefined) return null;
  // Pushed, not assigned into `new Array(n)`: a packed array, as JSON.parse builds.
  const elements: unknown[] = [];
  for (let index = 0; index < bounds.length / 2; index += 1) {
    try {
      elements.push(parseElement(bytes, bounds, index));
    } catch {
      return null;
    }
  }
  return elements;
}

/**
 * The element at `index` of bounds found by elementBounds, parsed; throws JSON.parse's error when
 * it is not JSON, in which case the whole text is not JSON either (the frame was checked).
 */
export function parseElement(bytes: Buffer, bounds: readonly number[], index: number): unknown {
  return JSON.parse(bytes.toString('utf8', bounds[2 * index], bounds[2 * index + 1]));
}

/** Where a well-framed array's elements lie, and how deep they nest. */
export interface ElementBounds {
  /** Start and end (exclusive) of each element, flattened. */
  bounds: number[];
  /**
   * The most containers any point of an element lies in (a scalar 0, `{}` 1, `{"a":[]}` 2): what
   * a walk of each parsed element would find (src/json-depth.ts), known here for free.
   */
  nesting: number;
}

/** Bytes of a string read one by one before memchr takes over (see closingQuote). */
const SCANNED = 64;

/**
 * The position of the quote that closes the string opened at `open`, or -1 when none does: the
 * next quote not escaped. A string's first SCANNED bytes are read here, an escape skipping the
 * byte it escapes; past them, Buffer#indexOf (a memchr) finds each next quote, which is the
 * closing one when an even run of backslashes precedes it. Most strings of an event are shorter
 * than SCANNED, and each indexOf is a call into C++ (~60 ns): a batch's ~50,000 strings read
 * with indexOf alone cost 1.8 ms per 1,000 events, read so 1.0 (bench/README.md, "continued (14)").
 */
function closingQuote(bytes: Buffer, open: number): number {
  const length = bytes.length;
  const near = Math.min(length, open + 1 + SCANNED);
  let at = open + 1;
  while (at < near) {
    const byte = bytes[at];
    if (byte === QUOTE) return at;
    at += byte === BACKSLASH ? 2 : 1;
  }
  // Past the scanned bytes (`at` may be one past them, after an escape): every quote before `at`
  // was escaped, so the closing one is the first from `at` with an even run of backslashes.
  let quote = at - 1;
  for (;;) {
    quote = bytes.indexOf(QUOTE, quote + 1);
    if (quote < 0) return -1;
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote;
  }
}

/**
 * Where the elements lie, or null when the bytes are not an array framed as JSON's grammar frames
 * one, or it has more than `maxElements` elements. Elements are not checked here: JSON.parse
 * checks each.
 */
export function elementBounds(bytes: Buffer, maxElements: number): ElementBounds | null {
  const length = bytes.length;
  let at = 0;
  while (isWhitespace(bytes[at])) at += 1;
  if (bytes[at] !== OPEN_ARRAY) return null;
  at += 1;
  const bounds: number[] = [];
  let start = at;
  let inner = at;
  // The array's own depth is 1: an element's containers are counted above it.
  let deepest = 1;
  while (isWhitespace(bytes[inner])) inner += 1;
  if (bytes[inner] === CLOSE_ARRAY) {
    at = inner + 1;
  } else {
    let depth = 1;
    for (; ; at += 1) {
      if (at >= length) return null;
      const byte = bytes[at];
      if (byte === QUOTE) {
        const quote = closingQuote(bytes, at);
        if (quote < 0) return null;
        at = quote;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        depth += 1;
        if (depth > deepest) deepest = depth;
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        depth -= 1;
        if (depth === 0) {
          if (byte !== CLOSE_ARRAY) return null;
          bounds.push(start, at);
          at += 1;
          break;
        }
      } else if (byte === COMMA && depth === 1) {
        bounds.push(start, at);
        start = at + 1;
      }
    }
  }
  while (isWhitespace(bytes[at])) at += 1;
  if (at !== length || bounds.length / 2 > maxElements) return null;
  return { bounds, nesting: deepest - 1 };
}
