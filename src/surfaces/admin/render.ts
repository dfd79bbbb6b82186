// Ledger rows → administration API bodies (snake_case, RFC 3339 UTC times, never a secret).
import type { Agent, HiredAgent, Org, User, Workspace, WorkspaceMember } from '../../db/schema.js';
import type { TokenView } from '../../ledger/tokens/tokens.js';
import { iso } from '../shared/time.js';
import { renderHiredAgent as renderHiredAgentShape } from '../shared/workspace-parts.js';

export const renderOrg = (org: Org) => ({
  id: org.id,
  name: org.name,
  created_at: iso(org.created_at),
  updated_at: iso(org.updated_at),
});

export const renderUser = (user: User) => ({
  org_id: user.org_id,
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  created_at: iso(user.created_at),
  updated_at: iso(user.updated_at),
});

export const renderWorkspace = (workspace: Workspace) => ({
  org_id: workspace.org_id,
  id: workspace.id,
  uuid: workspace.uuid,
  name: workspace.name,
  status: workspace.status,
  owner_user_id: workspace.owner_user_id,
  settings: workspace.settings as Record<string, unknown>,
  hired_agent_id: workspace.hired_agent_id,
  last_active_at: iso(workspace.last_active_at),
  created_at: iso(workspace.created_at),
  updated_at: iso(workspace.updated_at),
});

export const renderMember = (member: WorkspaceMember) => ({
  org_id: member.org_id,
  workspace_id: member.workspace_id,
  user_id: member.user_id,
  role: member.role,
  permissions: member.permissions,
  created_at: iso(member.created_at),
  updated_at: iso(member.updated_at),
});

export const renderAgent = (agent: Agent) => ({
  org_id: agent.org_id,
  id: agent.id,
  slug: agent.slug,
  name: agent.name,
  type: agent.type,
  created_at: iso(agent.created_at),
  updated_at: iso(agent.updated_at),
});

export const renderHiredAgent = (agent: HiredAgent) => ({
  ...renderHiredAgentShape(agent),
  workspace_id: agent.workspace_id,
});

export const renderToken = (token: TokenView) => ({
  id: token.id,
  org_id: token.org_id,
  user_id: token.user_id,
  name: token.name,
  abilities: token.abilities,
  expires_at: iso(token.expires_at),
  revoked_at: iso(token.revoked_at),
  last_used_at: iso(token.last_used_at),
  created_at: iso(token.created_at),
});
