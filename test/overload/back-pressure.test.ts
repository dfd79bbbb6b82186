// Back-pressure on ingestion: beyond TALLY_INGEST_MAX_IN_FLIGHT requests, or the body bytes of
// TALLY_INGEST_MAX_BUFFERED_MB, a request is answered 503 + Retry-After at once (before its body
// is read), and every slot comes back however its request ended.
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';
import { busyProblem, finish, fullProblem, hold, MiB, probe, untilInFlight } from './ingest-helpers.js';

let t: TestApp;
let token: string;
let readOnlyToken: string;
let workspaceId: string;
let orgId: string;
beforeAll(async () => {
  t = await buildTestApp({
    TALLY_INGEST_MAX_IN_FLIGHT: '3',
    TALLY_INGEST_MAX_BUFFERED_MB: '11',
    TALLY_RATE_LIMIT_RPS: '0',
    TALLY_RATE_LIMIT_BURST: '1',
  });
  const f = new Factory(t);
  const w = await f.world();
  token = w.serviceToken.token;
  workspaceId = w.workspace.id;
  orgId = w.org.id;
  readOnlyToken = (await f.token(w.org.id, { abilities: ['read'] })).token;
});
afterAll(() => t.close());
// Whatever a test did, nothing stays held once its requests are answered.
afterEach(async () => {
  await untilInFlight(t, 0);
  expect(t.app.ingestGate.stats).toEqual({ inFlight: 0, bufferedBytes: 0 });
});

const EMPTY = { accepted: 0, duplicates: 0, rejected: [] };

/** Holds every slot, checks that a probe is refused, and lets them all finish. */
async function expectAllSlotsFree() {
  const held = [hold(t, token), hold(t, token), hold(t, token)];
  await untilInFlight(t, 3);
  expect((await probe(t, token)).json()).toEqual(busyProblem);
  for (const request of held) expect((await finish(request)).json()).toEqual(EMPTY);
  expect((await probe(t, token)).statusCode).toBe(200);
}

describe('slots', () => {
  it('hold a request for as long as its body is not sent', async () => {
    const pending = hold(t, token);
    await untilInFlight(t, 1);
    const outcome = await Promise.race([
      pending.response.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 200)),
    ]);
    expect(outcome).toBe('pending');
    expect((await finish(pending)).statusCode).toBe(200);
  });

  it('refuse at once, with Retry-After, past TALLY_INGEST_MAX_IN_FLIGHT', async () => {
    const held = [hold(t, token), hold(t, token), hold(t, token)];
    await untilInFlight(t, 3);
    const refused = await probe(t, token);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.json()).toEqual(busyProblem);
    // Refused before its body is read: this one never sends it, and is answered all the same.
    const bodiless = hold(t, token);
    expect((await bodiless.response).json()).toEqual(busyProblem);
    bodiless.body.destroy();

    for (const request of held) expect((await finish(request)).statusCode).toBe(200);
    expect((await probe(t, token)).statusCode).toBe(200);
  });

  it('are shared with OTLP, which is refused with a Status and Retry-After when they are taken', async () => {
    const held = [hold(t, token), hold(t, token), hold(t, token)];
    await untilInFlight(t, 3);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/otlp/v1/traces',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{"resourceSpans":[]}',
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({
      code: 14,
      message: 'Too many ingestion requests in progress; retry shortly',
    });
    for (const request of held) expect((await finish(request)).statusCode).toBe(200);
  });

  it('come back after every kind of failed request', async () => {
    const failures: [number, () => Promise<{ statusCode: number }>][] = [
      [415, () => probe(t, token, '[]', { 'content-type': 'text/plain' })],
      [400, () => probe(t, token, '[{')],
      [400, () => probe(t, token, 'not gzip', { 'content-encoding': 'gzip' })],
      [413, () => probe(t, token, `[${' '.repeat(6 * MiB)}]`)],
      [413, () => probe(t, token, JSON.stringify(Array(5001).fill({})))],
      [403, () => probe(t, readOnlyToken)],
      [401, () => probe(t, 'tly_nope')],
    ];
    // More failures than slots. (A body that breaks off half-way is the aborted-connection case
    // further down, over a real socket.)
    for (let round = 0; round < 2; round++) {
      for (const [status, send] of failures) expect((await send()).statusCode).toBe(status);
    }
    expect(t.app.ingestGate.stats).toEqual({ inFlight: 0, bufferedBytes: 0 });
    await expectAllSlotsFree();
  });

  it('TALLY_RATE_LIMIT_RPS=0 leaves tokens unlimited', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await probe(t, token);
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('bytes', () => {
  it('reserve a declared Content-Length before the body, and charge other bodies once read', async () => {
    const large = [hold(t, token, 5 * MiB), hold(t, token, 5 * MiB)];
    await untilInFlight(t, 2);
    expect(t.app.ingestGate.stats.bufferedBytes).toBe(10 * MiB);
    // 10 MiB of 11 are held: 1.5 MiB more does not fit, whatever form it comes in.
    const declared = await probe(t, token, `[${' '.repeat(1.5 * MiB)}]`);
    expect(declared.statusCode).toBe(503);
    expect(declared.headers['retry-after']).toBe('1');
    expect(declared.json()).toEqual(fullProblem);
    // Declared and not yet sent: refused before reading.
    const unsent = hold(t, token, 2 * MiB);
    expect((await unsent.response).json()).toEqual(fullProblem);
    unsent.body.destroy();
    // Chunked (no Content-Length): charged once read.
    const chunked = hold(t, token);
    chunked.body.end(`[${' '.repeat(1.5 * MiB)}]`);
    expect((await chunked.response).json()).toEqual(fullProblem);
    // Gzip: the decoded copy counts too (a few KiB sent, 1 MiB decoded).
    const inflating = gzipSync(`[${' '.repeat(MiB)}]`);
    expect(inflating.length).toBeLessThan(16 * 1024);
    expect((await probe(t, token, inflating, { 'content-encoding': 'gzip' })).json()).toEqual(fullProblem);
    // What fits is served.
    const half = gzipSync(`[${' '.repeat(MiB / 2)}]`);
    expect((await probe(t, token, half, { 'content-encoding': 'gzip' })).json()).toEqual(EMPTY);
    expect((await probe(t, token)).json()).toEqual(EMPTY);
    expect(t.app.ingestGate.stats).toEqual({ inFlight: 2, bufferedBytes: 10 * MiB });

    for (const request of large) expect((await finish(request, 5 * MiB)).json()).toEqual(EMPTY);
    expect((await probe(t, token, inflating, { 'content-encoding': 'gzip' })).json()).toEqual(EMPTY);
    await expectAllSlotsFree();
  });
});

describe('aborted connections', () => {
  let port: number;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });

  function rawRequest(body: string, declaredBytes: number, bearerToken = token): Socket {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `POST /v1/ingest HTTP/1.1\r\nHost: tally\r\nAuthorization: Bearer ${bearerToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n${body}`,
    );
    return socket;
  }

  it('release the slot and bytes of a client that hangs up half-way through its body', async () => {
    const socket = rawRequest('[', 1000);
    await untilInFlight(t, 1);
    expect(t.app.ingestGate.stats.bufferedBytes).toBe(1000);
    socket.destroy();
    await untilInFlight(t, 0);
    await expectAllSlotsFree();
  });

  it.runIf(testDatabaseKind() === 'postgres')(
    'release the slot of a client that hung up before its request was even admitted',
    async () => {
      // A token not yet cached: authenticating it waits on the locked token table.
      const fresh = (await new Factory(t).token(orgId)).token;
      const locker = new pg.Client({ connectionString: t.testDatabase.url! });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE');
        const socket = rawRequest('[]', 2, fresh);
        await new Promise((resolve) => setTimeout(resolve, 300));
        socket.destroy();
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      // Authenticated after its client left, then admitted: the slot must still come back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await untilInFlight(t, 0);
      await expectAllSlotsFree();
    },
  );

  it.runIf(testDatabaseKind() === 'postgres')(
    'keep the slot of a client that hung up while its handler still works, until it is done',
    async () => {
      const locker = new pg.Client({ connectionString: t.testDatabase.url! });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE ingested_events IN ACCESS EXCLUSIVE MODE');
        const event = {
          specversion: '1.0',
          id: 'abandoned-1',
          source: 'test/overload',
          type: 'activity.recorded',
        };
        const body = JSON.stringify([{ ...event, data: { workspace_id: workspaceId, status_code: 200 } }]);
        const socket = rawRequest(body, Buffer.byteLength(body));
        await untilInFlight(t, 1);
        // Let the handler reach the lock, then hang up.
        await new Promise((resolve) => setTimeout(resolve, 300));
        socket.destroy();
        await new Promise((resolve) => setTimeout(resolve, 300));
        // Its handler still waits on the lock, holding its memory: the slot is still taken.
        expect(t.app.ingestGate.stats.inFlight).toBe(1);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      await untilInFlight(t, 0);
      // The handler did finish its work for the client that left.
      const claimed = await t.db
        .selectFrom('ingested_events')
        .select('event_id')
        .where('event_id', '=', 'abandoned-1')
        .execute();
      expect(claimed).toHaveLength(1);
      await expectAllSlotsFree();
    },
  );
});
