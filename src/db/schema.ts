// Row types of the ledger's tables, as Kysely sees them after type-parsers.ts has normalised the
// drivers (int8 and numeric arrive as numbers, timestamptz as Date, jsonb parsed).
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;
type DefaultedJson = ColumnType<unknown, string | undefined, string>;

export interface DeploymentSettingsTable {
  key: string;
  value: string;
  updated_at: DefaultedTimestamp;
}

export interface OrgsTable {
  id: string;
  name: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export type OrgRole = 'owner' | 'admin' | 'member';

export interface UsersTable {
  org_id: string;
  id: string;
  email: string | null;
  name: string | null;
  role: Generated<OrgRole>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface WorkspacesTable {
  org_id: string;
  id: string;
  name: string;
  status: Generated<string>;
  owner_user_id: string;
  /** The public UUID alias (canonical lower case), unique across the deployment; see API.md §1. */
  uuid: ColumnType<string | null, string | null | undefined, string | null>;
  settings: DefaultedJson;
  metrics_cache: DefaultedJson;
  hired_agent_id: string | null;
  last_active_at: Date | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export type WorkspaceRole = 'owner' | 'staff';

export interface WorkspaceMembersTable {
  org_id: string;
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  permissions: ColumnType<string[], string[] | undefined, string[]>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export type AgentType = 'chat' | 'image' | 'text' | 'voiceover' | 'video' | 'code';

export interface AgentsTable {
  org_id: string;
  id: string;
  slug: string;
  name: string;
  type: AgentType;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface HiredAgentsTable {
  org_id: string;
  id: string;
  workspace_id: string;
  user_id: string;
  agent_type: string;
  display_name: string;
  status: string;
  tier: string;
  stripe_subscription_id: string | null;
  config: DefaultedJson;
  persona_name: string | null;
  hired_at: DefaultedTimestamp;
  paused_at: Date | null;
  cancelled_at: Date | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface IntegrationCredentialsTable {
  org_id: string;
  workspace_id: string;
  provider: string;
  secret_ciphertext: Uint8Array;
  key_id: string;
  status: Generated<string>;
  connected_at: DefaultedTimestamp;
  last_verified_at: Date | null;
  last_error: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface ApiTokensTable {
  org_id: string;
  id: string;
  user_id: string | null;
  name: string;
  abilities: ColumnType<string[], string[], string[]>;
  secret_hash: Uint8Array;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: DefaultedTimestamp;
}

export interface IngestedEventsTable {
  org_id: string;
  source: string;
  event_id: string;
  received_at: DefaultedTimestamp;
}

export interface ActivitiesTable {
  org_id: string;
  id: string;
  /** Inserted as a Date only: the writer sends it in binary (src/db/array-param.ts). */
  timestamp: ColumnType<Date, Date, Date | string>;
  trace_id: string | null;
  user_id: string | null;
  workspace_id: string | null;
  app_id: string | null;
  principal_type: string | null;
  principal_id: string | null;
  token_id: string | null;
  token_type: string | null;
  method: string | null;
  path: string | null;
  resource_type: string | null;
  resource_id: string | null;
  action: string | null;
  status_code: number | null;
  success: boolean;
  error_code: string | null;
  duration_ms: number | null;
  execution_id: string | null;
  augmentation_id: string | null;
  stages_completed: number | null;
  total_stages: number | null;
  token_usage: Json | null;
  metadata: Json | null;
  tokens_total: ColumnType<number, number | undefined, number>;
}

export type ExecutionSource = 'current' | 'archived' | 'edited';

export interface ExecutionsTable {
  org_id: string;
  id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  agent_type: string;
  status: string;
  credits: ColumnType<number, number | undefined, number>;
  output: string | null;
  output_url: string | null;
  output_private: ColumnType<boolean, boolean | undefined, boolean>;
  root_id: string | null;
  execution_origin: string | null;
  used_model: string | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_total: number | null;
  source: ColumnType<ExecutionSource, ExecutionSource | undefined, ExecutionSource>;
  created_at: Timestamp;
  event_time: Timestamp;
  source_event_time: Date | null;
  updated_at: DefaultedTimestamp;
}

export interface AiUsagesTable {
  org_id: string;
  id: string;
  workspace_id: string;
  tool_type: string;
  status: string;
  cost: ColumnType<number, number | undefined, number>;
  input_data: DefaultedJson;
  response_data: DefaultedJson;
  created_at: Timestamp;
  completed_at: Date | null;
  event_time: Timestamp;
  updated_at: DefaultedTimestamp;
}

/** Usages per workspace, tool type and status, kept by triggers (migration 0006). */
export interface AiUsageCountsTable {
  org_id: string;
  workspace_id: string;
  tool_type: string;
  status: string;
  usages: ColumnType<string, string | number, string | number>;
}

export interface Database {
  deployment_settings: DeploymentSettingsTable;
  orgs: OrgsTable;
  users: UsersTable;
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  agents: AgentsTable;
  hired_agents: HiredAgentsTable;
  integration_credentials: IntegrationCredentialsTable;
  api_tokens: ApiTokensTable;
  ingested_events: IngestedEventsTable;
  activities: ActivitiesTable;
  executions: ExecutionsTable;
  ai_usages: AiUsagesTable;
  ai_usage_counts: AiUsageCountsTable;
}

export type Org = Selectable<OrgsTable>;
export type User = Selectable<UsersTable>;
export type Workspace = Selectable<WorkspacesTable>;
export type WorkspaceMember = Selectable<WorkspaceMembersTable>;
export type Agent = Selectable<AgentsTable>;
export type HiredAgent = Selectable<HiredAgentsTable>;
export type IntegrationCredential = Selectable<IntegrationCredentialsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Activity = Selectable<ActivitiesTable>;
export type NewActivity = Insertable<ActivitiesTable>;
export type Execution = Selectable<ExecutionsTable>;
export type NewExecution = Insertable<ExecutionsTable>;
export type AiUsage = Selectable<AiUsagesTable>;
export type NewAiUsage = Insertable<AiUsagesTable>;
