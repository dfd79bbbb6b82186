// The isolation checks every route gets: no token, a bad token, an expired token, a revoked token
// (all 401) and another org's token (the surface's "not yours" answer: 404, or 403 in 001).
import { expect } from 'vitest';
import { type Factory, uid } from './factories.js';
import { bearer, type TestApp } from './test-app.js';

export interface RouteCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: object | string;
  headers?: Record<string, string>;
}

export interface IsolationExpectations {
  /** Exact 401 body of the surface (compared with toEqual after dropping volatile `timestamp`). */
  unauthenticated: unknown;
  /** Status and exact body for a valid token of another org. */
  otherOrg: { status: number; body: unknown };
  /** Keys removed from bodies before comparing (e.g. 'timestamp'). */
  volatile?: string[];
  /** Abilities of the tokens used (the other org's token gets them too). */
  abilities?: string[];
}

function strip(body: unknown, volatile: string[]): unknown {
  if (!body || typeof body !== 'object') return body;
  const copy = { ...(body as Record<string, unknown>) };
  for (const key of volatile) delete copy[key];
  return copy;
}

/**
 * Runs the five isolation cases against `call`. `orgId` is the org owning the addressed resource;
 * the expired and revoked tokens are that org's own (owner-level) tokens.
 */
export async function expectIsolation(
  t: TestApp,
  f: Factory,
  orgId: string,
  call: RouteCall,
  expected: IsolationExpectations,
): Promise<void> {
  const volatile = expected.volatile ?? [];
  const abilities = expected.abilities ?? ['*'];
  const send = (headers: Record<string, string>) =>
    t.app.inject({
      method: call.method,
      url: call.url,
      headers: { ...(call.headers ?? {}), ...headers },
      ...(call.payload !== undefined ? { payload: call.payload } : {}),
    });
  const expect401 = async (label: string, headers: Record<string, string>) => {
    const response = await send(headers);
    expect(response.statusCode, `${label}: ${response.body}`).toBe(401);
    expect(strip(response.json(), volatile), label).toEqual(expected.unauthenticated);
  };

  await expect401('no token', {});
  await expect401('malformed header', { authorization: 'Token abc' });
  await expect401('bad token', bearer(`tly_${'0'.repeat(32)}_${'A'.repeat(43)}`));

  const owner = await f.user(orgId, { role: 'owner' });
  const expiring = await f.token(orgId, {
    userId: owner.id,
    abilities,
    expiresAt: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
  });
  t.clock.pinned = new Date(Date.now() + 2 * 60 * 60 * 1000);
  try {
    await expect401('expired token', bearer(expiring.token));
  } finally {
    t.clock.pinned = null;
  }

  const revoked = await f.token(orgId, { userId: owner.id, abilities });
  await f.revoke(revoked.id);
  await expect401('revoked token', bearer(revoked.token));

  const other = await f.org(uid('other-org'));
  const otherOwner = await f.user(other.id, { role: 'owner' });
  for (const [label, token] of [
    ['other org owner', await f.token(other.id, { userId: otherOwner.id, abilities })],
    ['other org service', await f.token(other.id, { abilities })],
  ] as const) {
    const response = await send(bearer(token.token));
    expect(response.statusCode, `${label}: ${response.body}`).toBe(expected.otherOrg.status);
    expect(strip(response.json(), volatile), label).toEqual(expected.otherOrg.body);
  }
}
