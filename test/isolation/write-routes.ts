// The routes that write (ingestion and administration) in the matrix's route table, each called
// with a valid body so that only access decides the answer. Bodies carry probe values, never the
// target's own strings, so that anything of the target in an answer is a leak.
import type { RouteCall } from '../helpers/isolation.js';
import type { RouteSpec } from './route-table.js';
import type { Tenant } from './tenant.js';

const orgMissing = (t: Tenant) => ({ type: 'org', id: t.org });
const uuidWorkspaceMissing = (t: Tenant) => ({ type: 'workspace', id: t.workspaces.uuid });

/** A batch addressing the target org: explicitly by `data.org_id`, and through its workspaces. */
function ingestCall(t: Tenant): RouteCall {
  const at = new Date(Date.now() - 60_000).toISOString();
  const event = (n: number, type: string, data: object) => ({
    specversion: '1.0',
    id: `probe-evt-${n}`,
    source: 'isolation/probe',
    type,
    time: at,
    data,
  });
  const agent = { id: 'probe-agent', slug: 'probe', name: 'Probe', type: 'chat' };
  return {
    method: 'POST',
    url: '/v1/ingest',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify([
      event(1, 'activity.recorded', { org_id: t.org, workspace_id: t.workspaces.str, status_code: 200 }),
      event(2, 'activity.recorded', { workspace_id: t.workspaces.str, status_code: 200 }),
      event(3, 'execution.recorded', {
        id: '990000000000001',
        workspace_id: t.workspaces.int,
        user_id: t.people.wsOwner!.id,
        agent,
        status: 'succeeded',
      }),
      event(4, 'ai_usage.recorded', {
        id: 'probe-usage',
        workspaceId: t.workspaces.uuid,
        toolType: 'other',
        status: 'completed',
      }),
      event(5, 'execution.archived', { id: '990000000000001', workspace_id: t.workspaces.int }),
      // The integer workspace named by its UUID alias (API.md §1).
      event(6, 'activity.recorded', { workspace_id: t.intAlias, status_code: 200 }),
    ]),
  };
}
export const INGEST_PROBE_EVENTS = 6;

/**
 * An OTLP/JSON export addressing the target: each span names one of its workspaces (each id form),
 * and one names its org by `tally.org.id`.
 */
function otlpCall(t: Tenant): RouteCall {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  const attribute = (key: string, value: string | number) => ({
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  });
  const span = (n: number, workspace: string, attributes: ReturnType<typeof attribute>[], kind = 1) => ({
    traceId: '7a'.repeat(16),
    spanId: `${n}`.padStart(16, 'b'),
    name: `probe ${n}`,
    kind,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_000_000n),
    attributes: [
      attribute('tally.workspace.id', workspace),
      attribute('enduser.id', t.people.wsOwner!.id),
      ...attributes,
    ],
  });
  const agent = [attribute('gen_ai.operation.name', 'invoke_agent'), attribute('gen_ai.agent.id', 'probe')];
  const spans = [
    span(1, t.workspaces.str, agent),
    span(2, t.workspaces.int, [
      attribute('gen_ai.operation.name', 'chat'),
      attribute('gen_ai.usage.input_tokens', 5),
    ]),
    span(3, t.workspaces.uuid, [attribute('gen_ai.operation.name', 'execute_tool')]),
    span(
      4,
      t.intAlias,
      [attribute('http.request.method', 'GET'), attribute('http.response.status_code', 200)],
      2,
    ),
    span(5, t.workspaces.str, [...agent, attribute('tally.org.id', t.org)]),
  ];
  return {
    method: 'POST',
    url: '/otlp/v1/traces',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] }),
  };
}
export const OTLP_PROBE_SPANS = 5;

export const WRITE_ROUTES: Record<string, RouteSpec> = {
  'POST /v1/ingest': { guard: 'ingest', calls: (t) => [ingestCall(t)] },
  'POST /otlp/v1/traces': { guard: 'otlp', calls: (t) => [otlpCall(t)] },

  'POST /v1/admin/orgs': {
    guard: 'admin-deployment',
    calls: (t) => [{ method: 'POST', url: '/v1/admin/orgs', payload: { id: t.org, name: 'Probe' } }],
  },
  'PUT /v1/admin/orgs/:org_id/users/:user_id': {
    guard: 'admin-org',
    missing: orgMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/orgs/${t.org}/users/${t.people.member!.id}`,
        payload: { email: 'probe@probe.test', role: 'owner' },
      },
    ],
  },
  'PUT /v1/admin/orgs/:org_id/workspaces/:workspace_id': {
    guard: 'admin-org',
    missing: orgMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/orgs/${t.org}/workspaces/${t.workspaces.str}`,
        payload: { name: 'Probe', owner_user_id: t.people.member!.id },
      },
    ],
  },
  'PUT /v1/admin/workspaces/:workspace_id/members/:user_id': {
    guard: 'admin-org',
    missing: uuidWorkspaceMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/workspaces/${t.workspaces.uuid}/members/${t.people.member!.id}`,
        payload: { role: 'owner' },
      },
    ],
  },
  'PUT /v1/admin/orgs/:org_id/agents/:agent_id': {
    guard: 'admin-org',
    missing: orgMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/orgs/${t.org}/agents/${t.agents.chat}`,
        payload: { slug: 'probe', name: 'Probe', type: 'code' },
      },
    ],
  },
  'PUT /v1/admin/workspaces/:workspace_id/hired-agent': {
    guard: 'admin-org',
    missing: uuidWorkspaceMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/workspaces/${t.workspaces.uuid}/hired-agent`,
        payload: { agent_type: 'probe', display_name: 'Probe', status: 'cancelled', tier: 'probe' },
      },
    ],
  },
  'PUT /v1/admin/workspaces/:workspace_id/integrations/:provider': {
    guard: 'admin-org',
    missing: uuidWorkspaceMissing,
    calls: (t) => [
      {
        method: 'PUT',
        url: `/v1/admin/workspaces/${t.workspaces.uuid}/integrations/slack`,
        payload: { secret: 'probe-secret', status: 'error' },
      },
    ],
  },
  'DELETE /v1/admin/workspaces/:workspace_id/integrations/:provider': {
    guard: 'admin-org',
    missing: uuidWorkspaceMissing,
    calls: (t) => [
      { method: 'DELETE', url: `/v1/admin/workspaces/${t.workspaces.uuid}/integrations/github` },
    ],
  },
  'POST /v1/admin/orgs/:org_id/tokens': {
    guard: 'admin-org',
    missing: orgMissing,
    calls: (t) => [
      {
        method: 'POST',
        url: `/v1/admin/orgs/${t.org}/tokens`,
        payload: { name: 'probe', abilities: ['*'], user_id: t.people.owner!.id },
      },
    ],
  },
  'GET /v1/admin/orgs/:org_id/tokens': {
    guard: 'admin-org',
    missing: orgMissing,
    calls: (t) => [{ method: 'GET', url: `/v1/admin/orgs/${t.org}/tokens` }],
  },
  'DELETE /v1/admin/tokens/:token_id': {
    guard: 'admin-org',
    missing: (t) => ({ type: 'token', id: t.serviceTokenId }),
    calls: (t) => [{ method: 'DELETE', url: `/v1/admin/tokens/${t.serviceTokenId}` }],
  },
};
