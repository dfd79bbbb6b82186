// Request and response schemas of the administration API (API.md §4.2).
import { Type } from 'typebox';
import { ABILITIES, PERMISSIONS } from '../../auth/permissions.js';
import { AUTHENTICATED, type ErrorStatus, errorAnswers, WITH_BODY } from '../../http/error-answers.js';
import { AGENT_TYPES } from '../../ledger/agents/agents.js';
import { HIRED_AGENT_STATUSES } from '../../ledger/workspaces/hired-agent.js';
import { problemFormat } from '../shared/error-answers.js';
import {
  AnyObject,
  DateTime,
  NullableDateTime,
  NullableString,
  PlatformId,
  StringEnum,
  Uuid,
} from '../shared/schemas.js';
import { HiredAgentResponse as SeedHiredAgent } from '../shared/workspace-parts.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Provider = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' });

export const OrgParams = Type.Object({ org_id: PlatformId });
export const OrgUserParams = Type.Object({ org_id: PlatformId, user_id: PlatformId });
export const OrgWorkspaceParams = Type.Object({ org_id: PlatformId, workspace_id: PlatformId });
export const OrgAgentParams = Type.Object({ org_id: PlatformId, agent_id: PlatformId });
export const WorkspaceParams = Type.Object({ workspace_id: PlatformId });
export const WorkspaceMemberParams = Type.Object({ workspace_id: PlatformId, user_id: PlatformId });
export const IntegrationParams = Type.Object({ workspace_id: PlatformId, provider: Provider });
export const TokenParams = Type.Object({ token_id: Uuid });

export const CreateOrgBody = Type.Object({ id: PlatformId, name: Name }, { additionalProperties: false });

export const PutUserBody = Type.Object(
  {
    email: Email,
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    role: StringEnum(['owner', 'admin', 'member'] as const),
  },
  { additionalProperties: false },
);

/**
 * A hyphenated UUID in either case (stored in lower case), or null to remove it: the alias of a
 * workspace (API.md §1). One type list rather than a union, so the validator's coercion never
 * turns "" into null (a union's null branch would).
 */
const NullableWorkspaceUuid = Type.Unsafe<string | null>({
  type: ['string', 'null'],
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'UUID alias of the workspace, unique in the deployment; null removes it',
});

export const PutWorkspaceBody = Type.Object(
  {
    name: Name,
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    owner_user_id: PlatformId,
    settings: Type.Optional(AnyObject),
    // Omitted: an update keeps the alias; null removes it.
    uuid: Type.Optional(NullableWorkspaceUuid),
  },
  { additionalProperties: false },
);

export const PutMemberBody = Type.Object(
  {
    role: StringEnum(['owner', 'staff'] as const),
    permissions: Type.Optional(Type.Array(StringEnum(PERMISSIONS), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const PutAgentBody = Type.Object(
  { slug: Type.String({ minLength: 1, maxLength: 200 }), name: Name, type: StringEnum(AGENT_TYPES) },
  { additionalProperties: false },
);

export const PutHiredAgentBody = Type.Object(
  {
    agent_type: Type.String({ minLength: 1, maxLength: 100 }),
    display_name: Name,
    status: StringEnum(HIRED_AGENT_STATUSES),
    tier: Type.String({ minLength: 1, maxLength: 100 }),
    stripe_subscription_id: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    config: Type.Optional(AnyObject),
    persona_name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const PutIntegrationBody = Type.Object(
  {
    secret: Type.String({ minLength: 1, maxLength: 16384 }),
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  },
  { additionalProperties: false },
);

export const CreateTokenBody = Type.Object(
  {
    name: Name,
    user_id: Type.Optional(Type.Union([PlatformId, Type.Null()])),
    abilities: Type.Array(StringEnum(ABILITIES), { minItems: 1, maxItems: 10 }),
    expires_at: Type.Optional(Type.Union([DateTime, Type.Null()])),
  },
  { additionalProperties: false },
);

export const OrgResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});

export const UserResponse = Type.Object({
  org_id: Type.String(),
  id: Type.String(),
  email: NullableString,
  name: NullableString,
  role: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});

export const WorkspaceResponse = Type.Object({
  org_id: Type.String(),
  id: Type.String(),
  uuid: NullableString,
  name: Type.String(),
  status: Type.String(),
  owner_user_id: Type.String(),
  settings: AnyObject,
  hired_agent_id: NullableString,
  last_active_at: NullableDateTime,
  created_at: DateTime,
  updated_at: DateTime,
});

export const MemberResponse = Type.Object({
  org_id: Type.String(),
  workspace_id: Type.String(),
  user_id: Type.String(),
  role: Type.String(),
  permissions: Type.Array(Type.String()),
  created_at: DateTime,
  updated_at: DateTime,
});

export const AgentResponse = Type.Object({
  org_id: Type.String(),
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  type: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});

export const HiredAgentResponse = Type.Object({ ...SeedHiredAgent.properties, workspace_id: Type.String() });

export const TokenResponse = Type.Object({
  id: Type.String(),
  org_id: Type.String(),
  user_id: NullableString,
  name: Type.String(),
  abilities: Type.Array(Type.String()),
  expires_at: NullableDateTime,
  revoked_at: NullableDateTime,
  last_used_at: NullableDateTime,
  created_at: DateTime,
});

export const CreatedTokenResponse = Type.Object({ ...TokenResponse.properties, token: Type.String() });

export const TokenListResponse = Type.Object({ tokens: Type.Array(TokenResponse) });

/** The error answers of an administration route, besides those every route can give. */
export const errorsOf = (...extra: ErrorStatus[]) =>
  errorAnswers(problemFormat, [...AUTHENTICATED, ...WITH_BODY, 403, 422, ...extra]);
/** A GET route reads no body, so it never answers 413 or 415. */
export const readErrors = errorAnswers(problemFormat, [...AUTHENTICATED, 403, 404, 422]);

export const NoContent = Type.Unsafe<void>({ type: 'null', description: 'Done; no body' });
