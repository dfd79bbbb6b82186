// The middleware's defaults and the recorder's retry arithmetic, as documented in the README: what
// a request's action and resource are when the app does not say, which fields are redacted, how
// long a retry waits. Pure functions, so no Tally is needed here.
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../src/recorder.js';
import { defaultAction, defaultResource, redact } from '../src/request-recording.js';

describe('defaultAction', () => {
  it.each([
    ['GET', 'read'],
    ['HEAD', 'read'],
    ['POST', 'create'],
    ['PUT', 'update'],
    ['PATCH', 'update'],
    ['DELETE', 'delete'],
    ['OPTIONS', 'options'],
    ['get', 'read'],
  ])('%s → %s', (method, action) => {
    expect(defaultAction(method)).toBe(action);
  });
});

describe('defaultResource', () => {
  it.each([
    ['/v1/reports/:id', { id: 'r-7' }, { type: 'reports', id: 'r-7' }],
    ['/v1/reports/:id/share', { id: 'r-7' }, { type: 'reports', id: 'r-7' }],
    ['/api/v2.1/users/:userId/reports', { userId: 'u-1' }, { type: 'users', id: 'u-1' }],
    ['/reports', {}, { type: 'reports' }],
    ['/healthz', {}, { type: 'healthz' }],
    ['/v1/:org/reports', { org: 'acme' }, { type: 'reports' }],
    ['/files/:name?', {}, { type: 'files' }],
    ['/', {}, {}],
    [undefined, {}, {}],
  ])('%s → %j', (route, params, resource) => {
    expect(defaultResource(route, params as Record<string, string>)).toEqual(resource);
  });
});

describe('redact', () => {
  it('replaces the values of secret-named fields at any depth, and only those', () => {
    expect(
      redact(
        {
          Authorization: 'Bearer x',
          cookie: 'a=b',
          'set-cookie': ['c=d'],
          'x-api-key': 'k',
          api_key: 'k',
          apiKey: 'k',
          user: { name: 'Ada', password: 'p', session_id: 's', tokens: [{ refresh_token: 't' }] },
          client_secret: 's',
          privateKey: 'k',
          'x-request-id': 'r-1',
          ssn: '123',
          items: [{ otp: '1', title: 't' }],
        },
        ['ssn'],
      ),
    ).toEqual({
      Authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      'set-cookie': '[REDACTED]',
      'x-api-key': '[REDACTED]',
      api_key: '[REDACTED]',
      apiKey: '[REDACTED]',
      user: { name: 'Ada', password: '[REDACTED]', session_id: '[REDACTED]', tokens: '[REDACTED]' },
      client_secret: '[REDACTED]',
      privateKey: '[REDACTED]',
      'x-request-id': 'r-1',
      ssn: '[REDACTED]',
      items: [{ otp: '[REDACTED]', title: 't' }],
    });
  });
});

describe('retry arithmetic', () => {
  it('doubles the backoff per attempt up to the cap, with half of it random', () => {
    const low = (attempt: number) => backoffDelay(attempt, 250, 30_000, () => 0);
    const high = (attempt: number) => backoffDelay(attempt, 250, 30_000, () => 1);
    expect([0, 1, 2, 3, 10].map(low)).toEqual([125, 250, 500, 1_000, 15_000]);
    expect([0, 1, 2, 3, 10].map(high)).toEqual([250, 500, 1_000, 2_000, 30_000]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 05 Dec 2026 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
