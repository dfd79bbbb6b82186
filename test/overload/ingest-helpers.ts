// Ingestion requests held open (their body still arriving) and probes of the ingestion gate.
import { PassThrough } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { bearer, type TestApp } from '../helpers/test-app.js';

export const MiB = 1024 * 1024;

export interface HeldRequest {
  body: PassThrough;
  response: Promise<LightMyRequestResponse>;
}

/** Starts an ingestion whose body is not sent yet; `declaredBytes` sets its Content-Length. */
export function hold(t: TestApp, token: string, declaredBytes?: number): HeldRequest {
  const body = new PassThrough();
  // inject dispatches when its answer is awaited; Promise.resolve does that now.
  const response = Promise.resolve(
    t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: {
        ...bearer(token),
        'content-type': 'application/json',
        ...(declaredBytes !== undefined ? { 'content-length': String(declaredBytes) } : {}),
      },
      payload: body,
    }),
  );
  return { body, response };
}

/** Sends the rest of a held request's body: an empty batch padded to its declared length. */
export async function finish(held: HeldRequest, declaredBytes = 2) {
  held.body.end(`[${' '.repeat(declaredBytes - 2)}]`);
  return held.response;
}

export const probe = (t: TestApp, token: string, payload: string | Buffer = '[]', headers = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(token), 'content-type': 'application/json', ...headers },
    payload,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the ingestion gate holds `inFlight` requests (admission happens after
 * authentication, and release after the connection closes, both asynchronously).
 */
export async function untilInFlight(t: TestApp, inFlight: number) {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (t.app.ingestGate.stats.inFlight === inFlight) return;
    await sleep(10);
  }
  expect(t.app.ingestGate.stats.inFlight, 'requests in flight').toBe(inFlight);
}

export const busyProblem = {
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'Too many ingestion requests in progress; retry shortly',
};

export const fullProblem = { ...busyProblem, detail: 'Too much ingestion data in progress; retry shortly' };
