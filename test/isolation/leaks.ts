// Leak detection for the isolation matrix. Every string a tenant's fixture stores carries the
// tenant's marker prefix, or is listed as a marker itself (integer ids and UUIDs cannot carry a
// prefix). A response leaks when, after removing what the caller itself sent (a 404 naming the
// addressed id echoes the request, it reveals nothing), it still holds a marker or the prefix.
import type { RouteCall } from '../helpers/isolation.js';

export interface MarkerSet {
  /** Carried by every string id, name, email, path… of the tenant. */
  prefix: string;
  /** Every stored value of the tenant, including those that cannot carry the prefix. */
  values: string[];
}

/** Characters that continue an id: a marker followed or preceded by one is part of something longer. */
const ID_CHAR = '[A-Za-z0-9_-]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function standalone(marker: string): RegExp {
  return new RegExp(`(?<!${ID_CHAR})${escapeRegExp(marker)}(?!${ID_CHAR})`, 'g');
}

/** The request as text: what the caller already knows. */
export function requestText(call: RouteCall): string {
  const payload =
    call.payload === undefined
      ? ''
      : typeof call.payload === 'string'
        ? call.payload
        : JSON.stringify(call.payload);
  return [decodeURIComponent(call.url), JSON.stringify(call.headers ?? {}), payload].join('\n');
}

export interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}

/**
 * The markers of `markers` found in the answer and not sent by the caller, each with a little
 * context so that a failure shows where the leak is.
 */
export function findLeaks(markers: MarkerSet, call: RouteCall, answer: Answer): string[] {
  const sent = requestText(call);
  let text = `${answer.body}\n${JSON.stringify(answer.headers)}`;
  // Longest first, so that removing a short echoed marker never cuts a longer one in two.
  const echoed = markers.values.filter((m) => standalone(m).test(sent)).sort((a, b) => b.length - a.length);
  for (const marker of echoed) text = text.replace(standalone(marker), '<echo>');
  const found: string[] = [];
  for (const marker of markers.values) {
    const match = standalone(marker).exec(text);
    if (match) found.push(`${marker} in …${text.slice(Math.max(0, match.index - 60), match.index + 60)}…`);
  }
  const at = text.indexOf(markers.prefix);
  if (at >= 0 && found.length === 0) {
    found.push(`prefix ${markers.prefix} in …${text.slice(Math.max(0, at - 60), at + 80)}…`);
  }
  return found;
}
