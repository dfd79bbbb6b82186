// Provisions an org, its owner, a workspace and service tokens over HTTP with the deployment admin
// token, as an operator would against a fresh deployment.
import { randomBytes } from 'node:crypto';
import type { World } from './events.js';
import { RELIABILITY_ADMIN_TOKEN } from './service-process.js';

async function admin(url: string, method: 'POST' | 'PUT', path: string, body: object) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface Provisioned {
  world: World;
  /** Service token with `ingest` and `read`. */
  token: string;
  /** A second token, never presented before it is needed (so no instance has it cached). */
  spareToken: string;
}

export async function provision(url: string): Promise<Provisioned> {
  const suffix = randomBytes(4).toString('hex');
  const world: World = { orgId: `crash-${suffix}`, workspaceId: `ws-${suffix}`, userId: `owner-${suffix}` };
  await admin(url, 'POST', '/v1/admin/orgs', { id: world.orgId, name: 'Crash safety' });
  await admin(url, 'PUT', `/v1/admin/orgs/${world.orgId}/users/${world.userId}`, {
    email: `${world.userId}@example.test`,
    role: 'owner',
  });
  await admin(url, 'PUT', `/v1/admin/orgs/${world.orgId}/workspaces/${world.workspaceId}`, {
    name: 'Crash safety',
    owner_user_id: world.userId,
  });
  const token = async (name: string) =>
    (
      await admin(url, 'POST', `/v1/admin/orgs/${world.orgId}/tokens`, {
        name,
        abilities: ['ingest', 'read'],
      })
    ).token as string;
  return { world, token: await token('clients'), spareToken: await token('spare') };
}
