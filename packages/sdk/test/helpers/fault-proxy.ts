// A tiny HTTP proxy in front of the real Tally, for faults the service cannot be made to show on
// cue: it answers the next requests with a scripted 429 or 503 (with Retry-After), or holds them
// until released (an ingestion that does not answer), and passes everything else through to
// Tally unchanged. It notes when each request arrived and what it answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `hold`: keep the request until released, then pass it. `lose-answer`: pass it to Tally, which
 * stores it, then cut the connection instead of answering (the sender cannot know it was stored).
 */
export type Fault = { status: 429 | 503; retryAfter: string } | 'hold' | 'lose-answer';

export interface Arrival {
  at: number;
  answered: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

export class FaultProxy {
  readonly arrivals: Arrival[] = [];
  /** Faults for the next requests, in order; then requests pass (or are held while `holding`). */
  readonly faults: Fault[] = [];
  holding = false;
  private held: (() => void)[] = [];
  private server!: Server;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Lets every held request (and later ones) through. */
  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const arrival: Arrival = {
      at: Date.now(),
      answered: 0,
      contentType: request.headers['content-type'],
      contentEncoding: request.headers['content-encoding'],
    };
    this.arrivals.push(arrival);
    let fault = this.faults.shift();
    if (fault === undefined && this.holding) fault = 'hold';
    if (fault === 'hold') await new Promise<void>((resolve) => this.held.push(resolve));
    else if (fault !== undefined && fault !== 'lose-answer') {
      arrival.answered = fault.status;
      response.writeHead(fault.status, {
        'retry-after': fault.retryAfter,
        'content-type': 'application/json',
      });
      response.end(JSON.stringify({ error: { code: 'injected', message: 'injected by the test proxy' } }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'content-encoding']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const upstream = await fetch(`${this.target}${request.url}`, {
        method: request.method!,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      arrival.answered = upstream.status;
      if (fault === 'lose-answer') {
        request.socket.destroy();
        return;
      }
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      });
      response.end(body);
    } catch {
      arrival.answered = 502;
      response.writeHead(502).end();
    }
  }
}
