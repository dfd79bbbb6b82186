// A closed-loop HTTP load generator: `concurrency` workers over keep-alive connections, each
// sending its next request as soon as the previous answer is fully read. Latency is measured
// from sending the request to the last byte of the body.
import http from 'node:http';

export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
}

export interface Stats {
  requests: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  requestsPerSecond: number;
  /** Answers by status code; anything but 200 makes the figure suspect and is reported. */
  statuses: Record<string, number>;
}

/** One GET over `agent`: its status, body and latency (send → last byte of the body). */
export function send(
  agent: http.Agent,
  baseUrl: URL,
  spec: RequestSpec,
): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request(
      {
        agent,
        host: baseUrl.hostname,
        port: baseUrl.port,
        path: spec.path,
        method: 'GET',
        headers: spec.headers,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          resolve({ status: response.statusCode ?? 0, body, ms });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

async function phase(
  baseUrl: string,
  concurrency: number,
  count: number,
  next: () => RequestSpec,
  record: (status: number, ms: number, body: string) => void,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(baseUrl);
  let issued = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (issued < count) {
      issued += 1;
      const answer = await send(agent, url, next());
      record(answer.status, answer.ms, answer.body);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return seconds;
}

/** Sends `warmup` unmeasured requests, then `requests` measured ones, at `concurrency`. */
export async function measure(options: {
  baseUrl: string;
  concurrency: number;
  warmup: number;
  requests: number;
  next: () => RequestSpec;
  /** Called right before and right after the measured phase (to read counters, say). */
  beforeMeasured?: () => Promise<void>;
  afterMeasured?: () => Promise<void>;
}): Promise<Stats & { sampleError?: string }> {
  let sampleError: string | undefined;
  const noteError = (status: number, body: string) => {
    if (status !== 200 && sampleError === undefined) sampleError = `${status} ${body.slice(0, 300)}`;
  };
  if (options.warmup > 0) {
    await phase(options.baseUrl, options.concurrency, options.warmup, options.next, (status, _ms, body) =>
      noteError(status, body),
    );
  }
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  await options.beforeMeasured?.();
  const seconds = await phase(
    options.baseUrl,
    options.concurrency,
    options.requests,
    options.next,
    (status, ms, body) => {
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      noteError(status, body);
    },
  );
  await options.afterMeasured?.();
  latencies.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    requests: latencies.length,
    concurrency: options.concurrency,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
    requestsPerSecond: Math.round(latencies.length / seconds),
    statuses,
    ...(sampleError === undefined ? {} : { sampleError }),
  };
}
