/** RFC 3339 UTC with milliseconds, the form every body uses (`2025-01-15T10:30:00.000Z`). */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
