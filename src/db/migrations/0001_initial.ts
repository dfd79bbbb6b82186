// The ledger's tables. Every record belongs to one org and `org_id` leads every key and index,
// so each query is a range scan inside one tenant. Two indexes are global on purpose, both on
// ids that are unique across the deployment and used before the tenant is known: token ids
// (authentication) and workspace ids (routes that name only a workspace).
import { type Kysely, sql } from 'kysely';

const statements = [
  sql`CREATE TABLE deployment_settings (
    key text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  sql`CREATE TABLE orgs (
    id text PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  sql`CREATE TABLE users (
    org_id text NOT NULL REFERENCES orgs (id),
    id text NOT NULL,
    email text,
    name text,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
  )`,

  sql`CREATE TABLE workspaces (
    org_id text NOT NULL REFERENCES orgs (id),
    id text NOT NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    owner_user_id text NOT NULL,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    metrics_cache jsonb NOT NULL DEFAULT '{}'::jsonb,
    hired_agent_id uuid,
    last_active_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, owner_user_id) REFERENCES users (org_id, id)
  )`,
  sql`CREATE UNIQUE INDEX workspaces_id_key ON workspaces (id)`,

  sql`CREATE TABLE workspace_members (
    org_id text NOT NULL,
    workspace_id text NOT NULL,
    user_id text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'staff')),
    permissions text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, workspace_id, user_id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
  )`,

  sql`CREATE TABLE agents (
    org_id text NOT NULL REFERENCES orgs (id),
    id text NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    type text NOT NULL CHECK (type IN ('chat', 'image', 'text', 'voiceover', 'video', 'code')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
  )`,

  sql`CREATE TABLE hired_agents (
    org_id text NOT NULL,
    id uuid NOT NULL,
    workspace_id text NOT NULL,
    user_id text NOT NULL,
    agent_type text NOT NULL,
    display_name text NOT NULL,
    status text NOT NULL,
    tier text NOT NULL,
    stripe_subscription_id text,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    persona_name text,
    hired_at timestamptz NOT NULL DEFAULT now(),
    paused_at timestamptz,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
  )`,
  sql`CREATE INDEX hired_agents_workspace_idx ON hired_agents (org_id, workspace_id, created_at DESC)`,

  sql`CREATE TABLE integration_credentials (
    org_id text NOT NULL,
    workspace_id text NOT NULL,
    provider text NOT NULL,
    secret_ciphertext bytea NOT NULL,
    key_id text NOT NULL,
    status text NOT NULL DEFAULT 'connected',
    connected_at timestamptz NOT NULL DEFAULT now(),
    last_verified_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, workspace_id, provider),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
  )`,

  sql`CREATE TABLE api_tokens (
    org_id text NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    user_id text,
    name text NOT NULL,
    abilities text[] NOT NULL,
    secret_hash bytea NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
  )`,
  sql`CREATE UNIQUE INDEX api_tokens_id_key ON api_tokens (id)`,

  sql`CREATE TABLE ingested_events (
    org_id text NOT NULL,
    source text NOT NULL,
    event_id text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, source, event_id)
  )`,

  sql`CREATE TABLE activities (
    org_id text NOT NULL,
    id text NOT NULL,
    "timestamp" timestamptz NOT NULL,
    trace_id text,
    user_id text,
    workspace_id text,
    app_id text,
    principal_type text,
    principal_id text,
    token_id text,
    token_type text,
    method text,
    path text,
    resource_type text,
    resource_id text,
    action text,
    status_code integer,
    success boolean NOT NULL,
    error_code text,
    duration_ms double precision,
    execution_id text,
    augmentation_id text,
    stages_completed integer,
    total_stages integer,
    token_usage jsonb,
    metadata jsonb,
    tokens_total double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, id)
  )`,
  sql`CREATE INDEX activities_org_time_idx ON activities (org_id, "timestamp" DESC, id DESC)`,
  sql`CREATE INDEX activities_workspace_time_idx ON activities (org_id, workspace_id, "timestamp" DESC, id DESC)`,
  sql`CREATE INDEX activities_user_time_idx ON activities (org_id, user_id, "timestamp" DESC, id DESC)`,
  sql`CREATE INDEX activities_app_time_idx
    ON activities (org_id, workspace_id, app_id, "timestamp" DESC, id DESC) WHERE app_id IS NOT NULL`,
  sql`CREATE INDEX activities_resource_time_idx
    ON activities (org_id, workspace_id, resource_id, "timestamp" DESC, id DESC) WHERE resource_id IS NOT NULL`,
  sql`CREATE INDEX activities_augmentation_time_idx
    ON activities (org_id, workspace_id, augmentation_id, "timestamp" DESC, id DESC) WHERE augmentation_id IS NOT NULL`,
  sql`CREATE INDEX activities_action_time_idx
    ON activities (org_id, workspace_id, action, "timestamp" DESC, id DESC) WHERE action IS NOT NULL`,

  sql`CREATE TABLE executions (
    org_id text NOT NULL,
    id text NOT NULL,
    workspace_id text NOT NULL,
    user_id text NOT NULL,
    agent_id text NOT NULL,
    agent_type text NOT NULL,
    status text NOT NULL,
    credits numeric NOT NULL DEFAULT 0,
    output text,
    output_url text,
    output_private boolean NOT NULL DEFAULT false,
    root_id text,
    execution_origin text,
    used_model text,
    tokens_input bigint,
    tokens_output bigint,
    tokens_total bigint,
    source text NOT NULL DEFAULT 'current' CHECK (source IN ('current', 'archived', 'edited')),
    created_at timestamptz NOT NULL,
    -- time of the newest execution.recorded event applied (a late older one changes nothing)
    event_time timestamptz NOT NULL,
    -- time of the newest execution.archived/edited event applied
    source_event_time timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
  )`,
  sql`CREATE INDEX executions_workspace_time_idx ON executions (org_id, workspace_id, created_at DESC, id DESC)`,
  sql`CREATE INDEX executions_user_time_idx
    ON executions (org_id, workspace_id, user_id, created_at DESC, id DESC)`,
  sql`CREATE INDEX executions_type_time_idx
    ON executions (org_id, workspace_id, agent_type, created_at DESC, id DESC)`,

  sql`CREATE TABLE ai_usages (
    org_id text NOT NULL,
    id text NOT NULL,
    workspace_id text NOT NULL,
    tool_type text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
    cost numeric NOT NULL DEFAULT 0,
    input_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    response_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    completed_at timestamptz,
    event_time timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
  )`,
  sql`CREATE INDEX ai_usages_workspace_time_idx ON ai_usages (org_id, workspace_id, created_at DESC, id DESC)`,
  sql`CREATE INDEX ai_usages_tool_time_idx
    ON ai_usages (org_id, workspace_id, tool_type, created_at DESC, id DESC)`,
  sql`CREATE INDEX ai_usages_status_time_idx
    ON ai_usages (org_id, workspace_id, status, created_at DESC, id DESC)`,
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
