// Back-pressure on ingestion: at most `maxInFlight` ingestion requests are processed at once, and
// together they hold at most `maxBufferedBytes` of body (as received, plus the decoded copy of a
// gzip body). Beyond either bound a request is answered 503 with Retry-After at once, never
// queued: a platform's sender retries, while a queue would only move the memory problem.
//
// A request is admitted in its onRequest hook, before its body is read, reserving its declared
// Content-Length; a body without one (chunked) is charged once read, before it is decoded or
// parsed. The slot and the bytes are released when the request's processing ends, whatever way
// it ends: its response being sent (success or error), or its connection closing first.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { TallyError } from '../errors.js';
import { MAX_RAW_BYTES } from './body.js';

const RETRY_AFTER_SECONDS = 1;

function overloaded(message: string): TallyError {
  return new TallyError('unavailable', message, { retryAfterSeconds: RETRY_AFTER_SECONDS });
}

export class IngestGate {
  private inFlight = 0;
  private bufferedBytes = 0;
  private readonly leases = new WeakMap<FastifyRequest, Lease>();

  constructor(
    readonly maxInFlight: number,
    readonly maxBufferedBytes: number,
  ) {}

  /** Takes a slot for `request` and reserves `declaredBytes`, or throws the 503. */
  admit(request: FastifyRequest, declaredBytes: number): Lease {
    if (this.inFlight >= this.maxInFlight) {
      throw overloaded('Too many ingestion requests in progress; retry shortly');
    }
    this.reserve(declaredBytes);
    this.inFlight += 1;
    const lease = new Lease(this, declaredBytes);
    this.leases.set(request, lease);
    return lease;
  }

  leaseOf(request: FastifyRequest): Lease | undefined {
    return this.leases.get(request);
  }

  /** Accounts `bytes` more; throws the 503 (reserving nothing) when they do not fit. */
  reserve(bytes: number): void {
    if (bytes > 0 && this.bufferedBytes + bytes > this.maxBufferedBytes) {
      throw overloaded('Too much ingestion data in progress; retry shortly');
    }
    this.bufferedBytes += bytes;
  }

  /** Called once per lease, by Lease.release. */
  returnLease(bytes: number): void {
    this.inFlight -= 1;
    this.bufferedBytes -= bytes;
  }

  get stats(): { inFlight: number; bufferedBytes: number } {
    return { inFlight: this.inFlight, bufferedBytes: this.bufferedBytes };
  }
}

export class Lease {
  private released = false;
  private handling = false;

  constructor(
    private readonly gate: IngestGate,
    private bytes: number,
  ) {}

  /** Makes this request's share of the byte budget `total` (it only grows); throws the 503. */
  holdBytes(total: number): void {
    if (this.released || total <= this.bytes) return;
    this.gate.reserve(total - this.bytes);
    this.bytes = total;
  }

  handlerStarted(): void {
    this.handling = true;
  }

  /** The client went away: nothing more is read, but a running handler still holds its memory. */
  closed(): void {
    if (!this.handling) this.release();
  }

  handlerFinished(): void {
    this.handling = false;
    this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.gate.returnLease(this.bytes);
  }
}

export function ingestGateOf(config: Pick<Config, 'ingestMaxInFlight' | 'ingestMaxBufferedMb'>): IngestGate {
  return new IngestGate(config.ingestMaxInFlight, config.ingestMaxBufferedMb * 1024 * 1024);
}

/** The Content-Length worth reserving up front: none when absent, or when Fastify will 413 it. */
function declaredLength(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 && length <= MAX_RAW_BYTES ? length : 0;
}

/**
 * Installs the gate on the ingestion plugin. Its hooks run after the app's authentication and
 * rate limit (so neither a 401 nor a 429 takes a slot) and before the body is read.
 */
export function installIngestGate(app: FastifyInstance, gate: IngestGate): void {
  app.addHook('onRequest', async (request, reply) => {
    const lease = gate.admit(request, declaredLength(request));
    if (reply.raw.destroyed) lease.closed();
    else reply.raw.once('close', () => lease.closed());
  });
  // From here to onSend the handler runs; nothing between the body's last byte and this hook
  // waits on I/O, so a connection closing in that gap is seen after this hook, not before.
  app.addHook('preHandler', async (request) => {
    gate.leaseOf(request)?.handlerStarted();
  });
  // onSend runs once the handler has finished (its answer or its error is being sent), even when
  // the client has already gone; onResponse is the last word for everything else.
  app.addHook('onSend', async (request) => {
    gate.leaseOf(request)?.handlerFinished();
  });
  app.addHook('onResponse', async (request) => {
    gate.leaseOf(request)?.release();
  });
}
