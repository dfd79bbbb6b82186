// Every call the console makes: same origin, the session's token as a Bearer header. A refusal is
// shown as the surface answered it (each surface has its own error format), never swallowed.
import type { Session } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The human sentence of any surface's error body (seed 004, 002, 001, 000, problem details). */
export function refusalMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.detail === 'string') return b.detail;
    if (Array.isArray(b.detail)) {
      return b.detail
        .map((d) => (d && typeof d === 'object' ? String((d as { msg?: unknown }).msg ?? '') : ''))
        .filter(Boolean)
        .join('; ');
    }
    if (typeof b.title === 'string') return b.title;
  }
  return `The service answered ${status}`;
}

export type Query = Record<string, string | number | undefined | null>;

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function apiGet<T>(
  session: Session,
  path: string,
  query: Query = {},
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path + queryString(query), {
      headers: { authorization: `Bearer ${session.token}`, accept: 'application/json', ...headers },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'The service could not be reached');
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, refusalMessage(response.status, body));
  return body as T;
}

export const enc = encodeURIComponent;
