// Seed 002's HiredAgentResponse and IntegrationStatusResponse: the workspace route embeds them and
// the administration API answers with them (the hired agent there also names its workspace).
import { Type } from 'typebox';
import type { HiredAgent } from '../../db/schema.js';
import type { IntegrationStatus } from '../../ledger/workspaces/integrations.js';
import { AnyObject, DateTime, NullableDateTime, NullableString } from './schemas.js';
import { iso } from './time.js';

export const HiredAgentResponse = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  agent_type: Type.String(),
  display_name: Type.String(),
  status: Type.String(),
  tier: Type.String(),
  stripe_subscription_id: NullableString,
  config: AnyObject,
  hired_at: DateTime,
  paused_at: NullableDateTime,
  cancelled_at: NullableDateTime,
  created_at: DateTime,
  updated_at: DateTime,
  persona_name: NullableString,
});

export const IntegrationStatusResponse = Type.Object({
  provider: Type.String(),
  status: Type.String(),
  connected_at: DateTime,
  last_verified_at: NullableDateTime,
  last_error: NullableString,
});

export const renderHiredAgent = (agent: HiredAgent) => ({
  id: agent.id,
  user_id: agent.user_id,
  agent_type: agent.agent_type,
  display_name: agent.display_name,
  status: agent.status,
  tier: agent.tier,
  stripe_subscription_id: agent.stripe_subscription_id,
  config: agent.config as Record<string, unknown>,
  hired_at: iso(agent.hired_at),
  paused_at: iso(agent.paused_at),
  cancelled_at: iso(agent.cancelled_at),
  created_at: iso(agent.created_at),
  updated_at: iso(agent.updated_at),
  persona_name: agent.persona_name,
});

export const renderIntegrationStatus = (integration: IntegrationStatus) => ({
  provider: integration.provider,
  status: integration.status,
  connected_at: iso(integration.connected_at),
  last_verified_at: iso(integration.last_verified_at),
  last_error: integration.last_error,
});
