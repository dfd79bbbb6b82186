// Nesting depth of untrusted JSON. JSON.parse accepts any depth, but the code that walks or
// serialises a value afterwards recurses (JSON.stringify, the NUL check, drivers), so a deeply
// nested body would overflow the stack: such input is refused first, by a walk with its own stack.

/**
 * The path of a container nested deeper than `maxDepth` (the top-level value is depth 1), or null.
 * Never recurses, so it is safe on input of any depth, and never descends past `maxDepth`.
 */
export function tooDeepPath(value: unknown, maxDepth: number): (string | number)[] | null {
  const pending: [unknown, (string | number)[]][] = [[value, []]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= maxDepth) return path;
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? [...current.entries()]
      : Object.entries(current);
    for (const [key, inner] of entries) {
      if (inner !== null && typeof inner === 'object') pending.push([inner, [...path, key]]);
    }
  }
  return null;
}

/** What makes untrusted JSON unstorable, in the order the checks report it. */
export type UnstorableJson = 'too_deep' | 'nul' | 'lone_surrogate';

const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The three checks above in one walk that allocates nothing: ingestion runs it on every event, so
 * it must cost next to nothing on the valid ones. Its recursion stops at `maxDepth`, so it is as
 * safe as `tooDeepPath` on input of any depth. Use the path functions to say where.
 *
 * `strings: false` checks the depth alone, for a value parsed from JSON text with no `\u` in it
 * (mayHoldUnstorableStrings): its strings cannot hold NUL or a lone surrogate.
 */
export function unstorableJson(value: unknown, maxDepth: number, strings = true): UnstorableJson | null {
  if (!strings)
    return value !== null && typeof value === 'object' && tooDeep(value, 0, maxDepth) ? 'too_deep' : null;
  let found: UnstorableJson | null = null;
  const note = (kind: UnstorableJson) => {
    // Depth wins over NUL, NUL over surrogates, as when the checks run one after the other.
    if (found === null || kind === 'too_deep' || (kind === 'nul' && found === 'lone_surrogate')) found = kind;
  };
  const text = (string: string) => {
    if (string.includes('\u0000')) note('nul');
    else if (!wellFormed(string)) note('lone_surrogate');
  };
  const walk = (current: unknown, depth: number): void => {
    if (typeof current === 'string') {
      text(current);
      return;
    }
    if (current === null || typeof current !== 'object') return;
    if (depth >= maxDepth) {
      note('too_deep');
      return;
    }
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length && found !== 'too_deep'; index += 1)
        walk(current[index], depth + 1);
      return;
    }
    for (const key in current) {
      if (found === 'too_deep') return;
      if (!Object.hasOwn(current, key)) continue;
      text(key);
      walk((current as Record<string, unknown>)[key], depth + 1);
    }
  };
  walk(value, 0);
  return found;
}

/**
 * Whether a container lies `maxDepth` or more levels below `current` (at `depth`): the depth part
 * of unstorableJson alone, which looks only at containers and allocates no closures.
 */
function tooDeep(current: object, depth: number, maxDepth: number): boolean {
  if (depth >= maxDepth) return true;
  if (Array.isArray(current)) {
    for (let index = 0; index < current.length; index += 1) {
      const inner: unknown = current[index];
      if (inner !== null && typeof inner === 'object' && tooDeep(inner, depth + 1, maxDepth)) return true;
    }
    return false;
  }
  for (const key in current) {
    if (!Object.hasOwn(current, key)) continue;
    const inner = (current as Record<string, unknown>)[key];
    if (inner !== null && typeof inner === 'object' && tooDeep(inner, depth + 1, maxDepth)) return true;
  }
  return false;
}

/**
 * Whether JSON text decoded from UTF-8 (or its bytes) can parse to strings holding NUL or a lone
 * surrogate: only through a `\u` escape. JSON refuses a raw control character in a string, and
 * decoding UTF-8 never yields a lone surrogate (an ill-formed sequence becomes U+FFFD). `\\u` (an escaped
 * backslash before a u) is counted too, which only costs the full check. Batches without escapes,
 * the usual ones, then get a walk of their containers alone: 1.6–2.4 → 0.5–0.55 ms of CPU per
 * 1,000 of the benchmark's events, for a scan costing 0.03–0.06 (bench/json-walk-cost.ts).
 */
export function mayHoldUnstorableStrings(utf8Text: string | Buffer): boolean {
  // On the bytes the same: `\u` is ASCII, and no UTF-8 sequence holds an ASCII byte.
  return utf8Text.includes('\\u');
}
