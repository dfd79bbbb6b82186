// The limits over a real connection, where Node's HTTP parser meets the bytes first: below its
// cap the application answers in the surface's format; past it Node answers 431 on its own.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, MAX_URL_BYTES, TRANSPORT_MAX_HEADER_BYTES } from '../../src/http/limits.js';
import { type HostileWorld, hostileWorld } from './harness.js';

let world: HostileWorld;
let port: number;

beforeAll(async () => {
  world = await hostileWorld();
  await world.t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (world.t.app.server.address() as { port: number }).port;
});
afterAll(() => world?.t.close());

/** Sends a raw request head and returns the status code and body of the answer. */
function rawRequest(target: string, extraHeaders = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${world.tokens[1]}\r\n${extraHeaders}Connection: close\r\n\r\n`,
      );
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
  });
}

describe('limits over a real connection', () => {
  it('a URL past the application limit is the surface 414', async () => {
    const answer = await rawRequest(`/v1/orgs/${world.orgId}/activity?pad=${'p'.repeat(MAX_URL_BYTES)}`);
    expect(answer.status).toBe(414);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'URI_TOO_LONG', status_code: 414 });
  });

  it('headers past the application limit are the surface 431', async () => {
    const answer = await rawRequest('/workspaces/usage', `X-Padding: ${'p'.repeat(MAX_HEADER_BYTES)}\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Header Fields Too Large' });
  });

  it('a request head past the transport cap is refused by Node itself with a 431', async () => {
    const answer = await rawRequest(
      `/v1/orgs/${world.orgId}/activity?pad=${'p'.repeat(TRANSPORT_MAX_HEADER_BYTES)}`,
    );
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'Request Header Fields Too Large',
      message: 'Exceeded maximum allowed HTTP header size',
      statusCode: 431,
    });
  });

  it('still serves an ordinary request afterwards', async () => {
    const answer = await rawRequest(`/v1/orgs/${world.orgId}/activity?limit=1`);
    expect(answer.status).toBe(200);
  });
});
