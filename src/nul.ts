// NUL characters and lone surrogates: PostgreSQL text and jsonb cannot hold a NUL, and its json
// parser refuses the `\uD800` escapes a lone UTF-16 surrogate serialises to, so untrusted JSON is
// checked for both (strings and keys, at any depth) before it can reach a query.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (or key) holding a NUL, or null. */
export function nulPath(value: unknown): (string | number)[] | null {
  return stringPath(value, (text) => text.includes('\u0000'), []);
}

/** The path of the first string (or key) holding a lone surrogate (ill-formed UTF-16), or null. */
export function loneSurrogatePath(value: unknown): (string | number)[] | null {
  return stringPath(value, (text) => LONE_SURROGATE.test(text), []);
}

function stringPath(
  value: unknown,
  test: (text: string) => boolean,
  path: (string | number)[],
): (string | number)[] | null {
  if (typeof value === 'string') return test(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [index, inner] of value.entries()) {
      const found = stringPath(inner, test, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (test(key)) return [...path, key];
      const found = stringPath(inner, test, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
