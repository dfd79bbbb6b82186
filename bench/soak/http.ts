// One HTTP exchange over a keep-alive agent, GET or POST. bench/lib/http-load.ts sends GETs only
// and keeps its sender private; the soak also posts ingestion batches.
import http from 'node:http';

export interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Answer {
  /** 0 when the exchange failed before a status arrived (connection refused, reset, timeout). */
  status: number;
  body: string;
  /** The network error, when there was one. */
  error?: string;
}

const TIMEOUT_MS = 60_000;

export function send(agent: http.Agent, baseUrl: URL, request: PlannedRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const outgoing = http.request(
      {
        agent,
        host: baseUrl.hostname,
        port: baseUrl.port,
        path: request.path,
        method: request.method,
        headers,
        timeout: TIMEOUT_MS,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', (error) => resolve({ status: 0, body, error: error.message }));
      },
    );
    // A soak counts failures instead of stopping on them: every outcome resolves.
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    outgoing.on('error', (error) => resolve({ status: 0, body: '', error: error.message }));
    outgoing.end(request.body);
  });
}
