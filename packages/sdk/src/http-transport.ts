// The recorder's default HTTP client: node:http(s) with one keep-alive connection (the recorder
// has one request in flight at a time). fetch works too (the `fetch` option), but per request it
// costs the host's event loop 2–4× the CPU: ~0.5–0.6 ms per 500-event batch measured, against
// ~0.15–0.25 ms.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An answer read to its end, or where it failed: before an answer (`request`) or while reading it. */
export type PostAnswer =
  | { status: number; text: string; retryAfter: string | null }
  | { failed: 'request' | 'answer'; error: unknown };

export class HttpTransport {
  private readonly url: URL | null;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    // An unusable address fails each attempt (reported, retried) as fetch would, not the constructor.
    this.url = URL.canParse(url) ? new URL(url) : null;
    const https = this.url?.protocol === 'https:';
    // Idle connections are unref'd by the agent: they never keep the host process alive.
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
    this.request = https ? httpsRequest : httpRequest;
  }

  /** POSTs the body; never rejects. The timeout covers the whole exchange, as fetch's signal did. */
  post(headers: Record<string, string>, body: Uint8Array): Promise<PostAnswer> {
    const url = this.url;
    if (url === null) return Promise.resolve({ failed: 'request', error: new TypeError('an invalid URL') });
    return new Promise<PostAnswer>((resolve) => {
      let answered = false;
      let settled = false;
      const settle = (answer: PostAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      let request: ReturnType<typeof httpRequest>;
      try {
        request = this.request(
          url,
          {
            method: 'POST',
            agent: this.agent,
            headers: { ...headers, 'content-length': String(body.byteLength) },
          },
          (response: IncomingMessage) => {
            answered = true;
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              settle({
                status: response.statusCode ?? 0,
                text: Buffer.concat(chunks).toString('utf8'),
                retryAfter: headerValue(response.headers['retry-after']),
              }),
            );
            response.on('aborted', () =>
              settle({ failed: 'answer', error: new Error('the answer was aborted') }),
            );
            response.on('error', (error) => settle({ failed: 'answer', error }));
          },
        );
      } catch (error) {
        // An address node:http cannot send to (another protocol, say).
        resolve({ failed: 'request', error });
        return;
      }
      const timer = setTimeout(() => {
        request.destroy(new Error(`no complete answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      request.on('error', (error) => settle({ failed: answered ? 'answer' : 'request', error }));
      // A connection closed after the headers but before the whole body also ends up here.
      request.on('close', () =>
        settle({ failed: answered ? 'answer' : 'request', error: new Error('the connection closed') }),
      );
      request.end(body);
    });
  }

  /** Closes the idle keep-alive connection. */
  closeIdle(): void {
    this.agent.destroy();
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
