// createTallyClient: a typed client of every read and admin route, its types generated from the
// service's OpenAPI document (src/generated/openapi.ts, `npm run -w @tally/sdk generate`) and its
// calls made by openapi-fetch. Browser-safe: no Node built-in is imported here. Each call
// resolves to `{ data, error, response }`: `error` is the surface's own error body, typed by the
// route's documented error responses; `unwrap` turns it into a thrown TallyApiError instead.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';

export type { components, paths } from './generated/openapi.js';

export type TallyClient = Client<paths>;

export interface TallyClientOptions {
  /** The service's address, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A token with the abilities the routes called need (`read`, or the admin token). */
  token: string;
  /** A fetch implementation (default: the global one). */
  fetch?: ClientOptions['fetch'];
  /** More headers for every request (e.g. `x-request-id`). */
  headers?: Record<string, string>;
}

export function createTallyClient(options: TallyClientOptions): TallyClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...options.headers, authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** A call's error answer as an exception: the status and the surface's error body. */
export class TallyApiError<Body = unknown> extends Error {
  constructor(
    readonly status: number,
    readonly body: Body,
  ) {
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : JSON.stringify(body ?? null).slice(0, 300);
    super(`Tally answered ${status}: ${message}`);
    this.name = 'TallyApiError';
  }
}

/** The data of a successful call, or a thrown TallyApiError carrying the error body. */
export async function unwrap<Data, Err>(
  call: Promise<{ data?: Data; error?: Err; response: Response }>,
): Promise<Data> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new TallyApiError(response.status, error);
  return data as Data;
}
