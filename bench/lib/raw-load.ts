// A lean closed-loop HTTP/1.1 load generator for hello-world routes: `concurrency` keep-alive
// sockets, each writing a prebuilt GET and waiting for the whole answer (headers, then
// Content-Length bytes) before the next. With `pipeline` > 1 each socket writes that many
// requests at once (HTTP/1.1 pipelining, which Node's server answers in order) and writes the next
// group when all are answered: the generator's CPU per request shrinks with the group, so on a
// small machine it does not become what is measured.
// Only for answers with a Content-Length (no chunked bodies): what the benchmark's routes send.
import net from 'node:net';

export interface RawLoadOptions {
  port: number;
  host?: string;
  concurrency: number;
  requests: number;
  /** Requests written at once per socket. Default 1: one request at a time. */
  pipeline?: number;
  /** The request path of the i-th request. */
  path: (i: number) => string;
}

export interface RawLoadStats {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Sends `requests` GETs over `concurrency` sockets; latency is first byte written → last byte read. */
export async function rawLoad(options: RawLoadOptions): Promise<RawLoadStats> {
  const host = options.host ?? '127.0.0.1';
  const latencies = new Float64Array(options.requests);
  const statuses: Record<string, number> = {};
  let issued = 0;
  let done = 0;
  const started = performance.now();
  const depth = Math.max(1, options.pipeline ?? 1);
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ port: options.port, host, noDelay: true });
      let buffered: Buffer = Buffer.alloc(0);
      const sentAt: number[] = [];
      const next = () => {
        if (issued >= options.requests) {
          socket.end();
          resolve();
          return;
        }
        let text = '';
        const now = performance.now();
        for (let k = 0; k < depth && issued < options.requests; k += 1) {
          text += `GET ${options.path(issued++)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
          sentAt.push(now);
        }
        socket.write(text);
      };
      socket.on('connect', next);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        for (;;) {
          const end = buffered.indexOf(HEADER_END);
          if (end < 0) return;
          const head = buffered.toString('latin1', 0, end);
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (length === null) {
            reject(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
            socket.destroy();
            return;
          }
          const total = end + 4 + Number(length[1]);
          if (buffered.length < total) return;
          const status = head.slice(9, 12);
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies[done++] = performance.now() - sentAt.shift()!;
          buffered = buffered.length === total ? Buffer.alloc(0) : buffered.subarray(total);
          if (sentAt.length === 0) {
            next();
            return;
          }
        }
      });
    });
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, connection));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    requests: done,
    seconds,
    requestsPerSecond: Math.round(done / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    statuses,
  };
}
