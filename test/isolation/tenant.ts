// One tenant of the isolation matrix, built through the front door: users of every org role,
// workspaces in the three id forms the surfaces address (integer for 001, UUID for 002, a plain
// string for 004; the integer one also carries a UUID alias, API.md §1), workspace owners and staff with each permission and with none, agents, a hired
// agent, integrations, tokens of every kind, and records of every kind. Every stored string
// carries the tenant's prefix, so a leak of any of it is visible in a response body.
import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Role } from '../helpers/factories.js';
import { bearer, type TestApp } from '../helpers/test-app.js';
import type { MarkerSet } from './leaks.js';
import { tenantEvents } from './tenant-records.js';

export type StaffGrant = 'activity:read' | 'usage:read_others' | 'ai_usage:read' | 'workspace:read' | 'none';
export const STAFF_GRANTS: StaffGrant[] = [
  'activity:read',
  'usage:read_others',
  'ai_usage:read',
  'workspace:read',
  'none',
];
export const SINGLE_ABILITIES = ['read', 'use_agents', 'ingest', 'admin'] as const;

export interface Person {
  id: string;
  email: string;
  orgRole: Role;
  /** Standing on every workspace of the tenant. */
  workspaceRole: 'owner' | 'staff' | null;
  permissions: string[];
}

export interface Credential {
  label: string;
  /** The Authorization header; null sends none. */
  authorization: string | null;
  kind: 'anonymous' | 'user' | 'service';
  person: Person | null;
  abilities: string[];
}

export interface Tenant {
  prefix: string;
  org: string;
  people: Record<string, Person>;
  workspaces: { int: string; uuid: string; str: string };
  /** The integer workspace's UUID alias, which names it on surfaces 002 and 000 (API.md §1). */
  intAlias: string;
  agents: { chat: string; image: string };
  /** Attributes of the tenant's activity records (004 addresses them as path segments). */
  attributes: { app: string; endpoint: string; augmentation: string; resource: string };
  serviceTokenId: string;
  ownerToken: string;
  serviceToken: string;
  credentials: Credential[];
  markers: MarkerSet;
}

export function credentialOf(tenant: Tenant, label: string): Credential {
  const found = tenant.credentials.find((c) => c.label === label);
  if (!found) throw new Error(`no credential "${label}"`);
  return found;
}

/** A 15-digit id: integer form for surface 001, long enough never to appear by chance. */
const integerId = (): string => String(100_000_000_000_000 + randomInt(0, 2 ** 47));

export async function buildTenant(t: TestApp, prefix: string): Promise<Tenant> {
  const values: string[] = [];
  const mark = <T extends string>(value: T): T => {
    values.push(value);
    return value;
  };
  const admin = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await t.app.inject({ method, url, headers: bearer(t.adminToken), payload });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  };

  const org = mark(`${prefix}-org`);
  await admin('POST', '/v1/admin/orgs', { id: org, name: mark(`${prefix}_name_org`) });

  const people: Record<string, Person> = {};
  const person = async (
    label: string,
    orgRole: Role,
    workspaceRole: Person['workspaceRole'],
    permissions: string[],
  ) => {
    const id = mark(integerId());
    const email = mark(`${label}.${id}@${prefix}.test`);
    await admin('PUT', `/v1/admin/orgs/${org}/users/${id}`, {
      email,
      name: mark(`${prefix}_name_${label}`),
      role: orgRole,
    });
    people[label] = { id, email, orgRole, workspaceRole, permissions };
    return people[label]!;
  };
  await person('owner', 'owner', null, []);
  await person('admin', 'admin', null, []);
  await person('member', 'member', null, []);
  const wsOwner = await person('wsOwner', 'member', 'owner', []);
  await person('coOwner', 'member', 'owner', []);
  for (const grant of STAFF_GRANTS)
    await person(`staff:${grant}`, 'member', 'staff', grant === 'none' ? [] : [grant]);

  const workspaces = { int: mark(integerId()), uuid: mark(randomUUID()), str: mark(`${prefix}-ws`) };
  const intAlias = mark(randomUUID());
  for (const [form, id] of Object.entries(workspaces)) {
    await admin('PUT', `/v1/admin/orgs/${org}/workspaces/${id}`, {
      name: mark(`${prefix}_name_ws_${form}`),
      owner_user_id: wsOwner.id,
      settings: { label: mark(`${prefix}_settings_${form}`) },
      ...(form === 'int' ? { uuid: intAlias } : {}),
    });
    for (const p of Object.values(people)) {
      if (p.workspaceRole === null || p === wsOwner) continue;
      await admin('PUT', `/v1/admin/workspaces/${id}/members/${p.id}`, {
        role: p.workspaceRole,
        permissions: p.permissions,
      });
    }
  }

  const agents = { chat: mark(`${prefix}-agent-chat`), image: mark(`${prefix}-agent-image`) };
  for (const [type, id] of Object.entries(agents)) {
    await admin('PUT', `/v1/admin/orgs/${org}/agents/${id}`, {
      slug: mark(`${prefix}-${type}-slug`),
      name: mark(`${prefix}_name_agent_${type}`),
      type,
    });
  }
  await admin('PUT', `/v1/admin/workspaces/${workspaces.uuid}/hired-agent`, {
    agent_type: mark(`${prefix}_agent_type`),
    display_name: mark(`${prefix}_hired_display`),
    status: 'active',
    tier: mark(`${prefix}_tier`),
    stripe_subscription_id: mark(`${prefix}_sub`),
    config: { note: mark(`${prefix}_config`) },
    persona_name: mark(`${prefix}_persona`),
  });
  for (const provider of ['slack', 'github']) {
    await admin('PUT', `/v1/admin/workspaces/${workspaces.uuid}/integrations/${provider}`, {
      secret: mark(`${prefix}_secret_${provider}`),
      status: 'connected',
    });
  }

  const credentials: Credential[] = [];
  const token = async (label: string, p: Person | null, abilities: string[]) => {
    const created = await admin('POST', `/v1/admin/orgs/${org}/tokens`, {
      name: mark(`${prefix}_token_${label.replaceAll(' ', '_')}`),
      abilities,
      ...(p ? { user_id: p.id } : {}),
    });
    mark(created.id);
    credentials.push({
      label,
      authorization: `Bearer ${created.token}`,
      kind: p ? 'user' : 'service',
      person: p,
      abilities,
    });
    return created as { id: string; token: string };
  };
  const ownerToken = await token('owner *', people.owner!, ['*']);
  for (const [label, p] of Object.entries(people)) if (label !== 'owner') await token(`${label} *`, p, ['*']);
  const serviceToken = await token('service *', null, ['*']);
  for (const ability of SINGLE_ABILITIES) {
    await token(`service ${ability}`, null, [ability]);
    await token(`owner ${ability}`, people.owner!, [ability]);
  }

  const attributes = {
    app: mark(`${prefix}-app`),
    endpoint: mark(`${prefix}-ep`),
    augmentation: mark(`${prefix}-aug`),
    resource: mark(`${prefix}-res`),
  };
  const { events, stored } = tenantEvents({ prefix, people, workspaces, agents, attributes });
  values.push(...stored);
  const ingest = await t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: {
      authorization: `Bearer ${serviceToken.token}`,
      'content-type': 'application/cloudevents-batch+json',
    },
    payload: JSON.stringify(events),
  });
  expect(ingest.statusCode, ingest.body).toBe(200);
  expect(ingest.json().accepted).toBe(events.length);

  return {
    prefix,
    org,
    people,
    workspaces,
    intAlias,
    agents,
    attributes,
    serviceTokenId: serviceToken.id,
    ownerToken: ownerToken.token,
    serviceToken: serviceToken.token,
    credentials,
    markers: { prefix, values },
  };
}
