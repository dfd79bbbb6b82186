// The data of each event type POST /v1/ingest accepts, as TypeScript types. They restate
// docs/events.md and the served JSON Schemas (GET /schemas/events/{type}.json); the SDK never
// imports the service's code, so these are written out here and the SDK's tests send every
// type to a running Tally.

/** A platform id: 1–128 characters of `[A-Za-z0-9._:-]`. */
export type PlatformId = string;
/** RFC 3339 with an offset (`2026-11-22T10:00:00Z`), or a Date the SDK formats. */
export type Timestamp = string | Date;

interface OrgScoped {
  /** Optional with an org token; required with the deployment admin token. */
  org_id?: string;
}

/** Every field of an activity record; {@link ActivityData} requires `status_code` or `success`. */
export interface ActivityFields extends OrgScoped {
  id?: string;
  timestamp?: Timestamp;
  trace_id?: string;
  user_id?: PlatformId;
  workspace_id?: PlatformId;
  app_id?: string;
  principal_type?: string;
  principal_id?: string;
  token_id?: string;
  token_type?: string;
  method?: string;
  path?: string;
  resource_type?: string;
  resource_id?: string;
  action?: string;
  /** 100–599; either `status_code` or `success` is required. */
  status_code?: number;
  /** Defaults to `status_code < 400`; required without `status_code`. */
  success?: boolean;
  error_code?: string;
  duration_ms?: number;
  execution_id?: string;
  augmentation_id?: string;
  stages_completed?: number;
  total_stages?: number;
  /** Token counts by kind; `total_tokens`, when given, is the total. */
  token_usage?: Record<string, number>;
  metadata?: Record<string, unknown>;
}

/**
 * Seed 004's activity record: either `status_code` or `success` is required (the served schema's
 * `anyOf`), so an event the service would refuse for lacking both does not compile.
 */
export type ActivityData = ActivityFields & ({ status_code: number } | { success: boolean });

export type AgentType = 'chat' | 'image' | 'text' | 'voiceover' | 'video' | 'code';

export interface ExecutionData extends OrgScoped {
  id: PlatformId;
  workspace_id: PlatformId;
  user_id: PlatformId;
  user_email?: string;
  agent: { id: PlatformId; slug: string; name: string; type: AgentType };
  /** `succeeded` counts as a success. */
  status: string;
  credits?: number;
  output?: string;
  output_url?: string;
  output_private?: boolean;
  root_id?: string;
  execution_origin?: string;
  used_model?: string;
  tokens?: { input: number; output: number; total?: number };
  created_at?: Timestamp;
}

export interface ExecutionRefData extends OrgScoped {
  id: PlatformId;
  workspace_id: PlatformId;
}

export type ToolType = 'product-marketing-post' | 'image-generation' | 'session-summary' | 'other';

export interface AiUsageData extends OrgScoped {
  id: PlatformId;
  workspaceId: PlatformId;
  toolType: ToolType;
  status: 'pending' | 'completed' | 'failed';
  cost?: number;
  inputData?: Record<string, unknown>;
  responseData?: Record<string, unknown>;
  createdAt?: Timestamp;
  completedAt?: Timestamp;
}

export interface EventDataByType {
  'activity.recorded': ActivityData;
  'execution.recorded': ExecutionData;
  'execution.archived': ExecutionRefData;
  'execution.edited': ExecutionRefData;
  'ai_usage.recorded': AiUsageData;
}

export type EventType = keyof EventDataByType;

/** What `record` takes: the type and its data, plus optional envelope attributes. */
export type TallyEvent = {
  [T in EventType]: {
    type: T;
    data: EventDataByType[T];
    /** When it happened (orders updates: the newest wins). Default: now, at record time. */
    time?: Timestamp;
    /** The CloudEvents id. Default: a UUIDv7 assigned at record time, kept across retries. */
    id?: string;
    subject?: string;
  };
}[EventType];

/** A CloudEvents 1.0 event as sent (structured JSON). */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}
