// Factories that build each test's own world through the administration API (the front door), so
// tests never depend on one another's leftovers. Ids are unique per call. Every secret the
// Factory receives or sends is registered for the run's log scan (run-log.ts).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { registerSecret } from './run-log.js';
import { bearer, type TestApp } from './test-app.js';

export { registerSecret } from './run-log.js';

let counter = 0;

/** A unique platform id with a readable prefix. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** A unique id in integer form (surface 001 addresses workspaces and users by integers). */
export function numericId(): string {
  return String(randomInt(1, 2 ** 47));
}

export const uuid = (): string => randomUUID();

export type Role = 'owner' | 'admin' | 'member';

export class Factory {
  constructor(private readonly t: TestApp) {
    registerSecret(t.adminToken, 'admin token');
  }

  private async admin(method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: object) {
    const response = await this.t.app.inject({
      method,
      url,
      headers: bearer(this.t.adminToken),
      ...(payload ? { payload } : {}),
    });
    if (response.statusCode >= 300) {
      throw new Error(`${method} ${url} failed with ${response.statusCode}: ${response.body}`);
    }
    return response.body ? response.json() : null;
  }

  async org(id: string = uid('org')): Promise<{ id: string }> {
    await this.admin('POST', '/v1/admin/orgs', { id, name: `Org ${id}` });
    return { id };
  }

  async user(
    orgId: string,
    options: { id?: string; role?: Role; email?: string } = {},
  ): Promise<{ id: string; email: string }> {
    const id = options.id ?? uid('user');
    const email = options.email ?? `${id}@example.test`;
    await this.admin('PUT', `/v1/admin/orgs/${orgId}/users/${id}`, { email, role: options.role ?? 'member' });
    return { id, email };
  }

  async workspace(
    orgId: string,
    options: { id?: string; ownerId?: string; name?: string; uuid?: string } = {},
  ): Promise<{ id: string; ownerId: string }> {
    const ownerId = options.ownerId ?? (await this.user(orgId)).id;
    const id = options.id ?? uid('ws');
    await this.admin('PUT', `/v1/admin/orgs/${orgId}/workspaces/${id}`, {
      name: options.name ?? `Workspace ${id}`,
      owner_user_id: ownerId,
      ...(options.uuid !== undefined ? { uuid: options.uuid } : {}),
    });
    return { id, ownerId };
  }

  async member(workspaceId: string, userId: string, role: 'owner' | 'staff', permissions: string[] = []) {
    return this.admin('PUT', `/v1/admin/workspaces/${workspaceId}/members/${userId}`, { role, permissions });
  }

  async agent(orgId: string, options: { id?: string; type?: string; slug?: string; name?: string } = {}) {
    const id = options.id ?? uid('agent');
    const body = {
      slug: options.slug ?? `${id}-slug`,
      name: options.name ?? `Agent ${id}`,
      type: options.type ?? 'chat',
    };
    await this.admin('PUT', `/v1/admin/orgs/${orgId}/agents/${id}`, body);
    return { id, ...body };
  }

  async token(
    orgId: string,
    options: { userId?: string; abilities?: string[]; expiresAt?: string } = {},
  ): Promise<{ id: string; token: string }> {
    const body = await this.admin('POST', `/v1/admin/orgs/${orgId}/tokens`, {
      name: uid('token'),
      abilities: options.abilities ?? ['*'],
      ...(options.userId ? { user_id: options.userId } : {}),
      ...(options.expiresAt ? { expires_at: options.expiresAt } : {}),
    });
    registerSecret(body.token, 'token secret');
    return { id: body.id, token: body.token };
  }

  /** Stores an integration secret (a random one unless given) through the administration API. */
  async integration(
    workspaceId: string,
    provider: string,
    secret = `sk_${randomBytes(24).toString('base64url')}`,
    token = this.t.adminToken,
  ): Promise<{ secret: string; status: number }> {
    registerSecret(secret, 'integration secret');
    const response = await this.t.app.inject({
      method: 'PUT',
      url: `/v1/admin/workspaces/${workspaceId}/integrations/${provider}`,
      headers: bearer(token),
      payload: { secret },
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return { secret, status: response.statusCode };
  }

  async revoke(tokenId: string): Promise<void> {
    await this.admin('DELETE', `/v1/admin/tokens/${tokenId}`);
  }

  /**
   * An org with an owner (user token), a service token and one workspace owned by the owner:
   * the usual starting point of a test.
   */
  async world(options: { workspaceId?: string; ownerId?: string } = {}) {
    const org = await this.org();
    const owner = await this.user(org.id, {
      role: 'owner',
      ...(options.ownerId ? { id: options.ownerId } : {}),
    });
    const workspace = await this.workspace(org.id, {
      ownerId: owner.id,
      ...(options.workspaceId ? { id: options.workspaceId } : {}),
    });
    const ownerToken = await this.token(org.id, { userId: owner.id });
    const serviceToken = await this.token(org.id);
    return { org, owner, workspace, ownerToken, serviceToken };
  }

  /** Sends CloudEvents to /v1/ingest and expects every one accepted or duplicate. */
  async ingest(token: string, events: object[]) {
    const response = await this.t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify(events),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { accepted: number; duplicates: number; rejected: unknown[] };
  }
}
