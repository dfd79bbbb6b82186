// NUL characters: PostgreSQL text and jsonb cannot hold one, so untrusted JSON is checked for
// them (strings and keys, at any depth) before it can reach a query.

export function hasNul(value: unknown): boolean {
  return nulPath(value) !== null;
}

/** The path of the first string (or key) holding a NUL, or null. */
export function nulPath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [index, inner] of value.entries()) {
      const found = nulPath(inner, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key];
      const found = nulPath(inner, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
