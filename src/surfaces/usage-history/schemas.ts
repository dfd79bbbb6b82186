// Parameters and body of GET /workspaces/usage (seeds 001/003). The query and header schemas only
// document the parameters and accept any string: the rules are Laravel's validation rules, checked
// in params.ts so that every violation is reported in Laravel's words, all at once.
import type { SwaggerTransform } from '@fastify/swagger';
import { Type } from 'typebox';
import { WORKSPACE_HEADER } from './params.js';

const optionalText = (description: string) => Type.Optional(Type.String({ description }));

export const UsageQuery = Type.Object({
  range: optionalText(
    '1d, 7d or 30d, relative to the end of the current day; default 30d; ignored when both dates are sent.',
  ),
  start_date: optionalText('YYYY-MM-DD, inclusive; required with end_date.'),
  end_date: optionalText(
    'YYYY-MM-DD, inclusive, on or after start_date, at most 90 days after it counted inclusively; required with start_date.',
  ),
  user_id: optionalText('Integer: only executions of this user (another user needs usage:read_others).'),
  type: optionalText('all, chat, image, text, voiceover, video or code; all or omitted means every type.'),
  page: optionalText('Integer ≥ 1, default 1.'),
  per_page: optionalText('Integer between 1 and 100, default 20.'),
});

export const UsageHeaders = Type.Object({
  [WORKSPACE_HEADER]: optionalText('Numeric workspace id.'),
});

/**
 * The document marks the workspace header required, as it is. The validating schema leaves it
 * optional so that a missing one is reported by the surface's own rules (params.ts): in
 * Laravel's words, together with every other violation.
 */
export const documentWorkspaceHeaderRequired: SwaggerTransform = ({ schema, url }) => ({
  url,
  schema: { ...schema, headers: { ...(schema.headers as object), required: [WORKSPACE_HEADER] } },
});

const IntegerOrString = Type.Union([Type.Integer(), Type.String()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const UsageItem = Type.Object({
  id: IntegerOrString,
  created_at: Type.String({ format: 'date-time' }),
  user_id: IntegerOrString,
  type: Type.String(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  email: NullableString,
  credits: Type.Number(),
  name: NullableString,
  slug: NullableString,
  output: NullableString,
  root_id: NullableString,
  execution_origin: NullableString,
  source: Type.Union([Type.Literal('current'), Type.Literal('archived'), Type.Literal('edited')]),
  used_model: NullableString,
  tokens: Type.Union([
    Type.Object({ input: Type.Number(), output: Type.Number(), total: Type.Number() }),
    Type.Null(),
  ]),
  link: NullableString,
});

export const UsageResponse = Type.Object({
  items: Type.Array(UsageItem),
  has_more: Type.Boolean(),
  page: Type.Integer(),
  per_page: Type.Integer(),
});
