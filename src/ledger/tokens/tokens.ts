// API tokens: created with a secret shown once, listed without it, revoked by id.
import { type Kysely, sql } from 'kysely';
import { type Ability, isAbility } from '../../auth/permissions.js';
import { hashToken, newTokenSecret } from '../../auth/tokens.js';
import type { ApiToken, Database } from '../../db/schema.js';
import { type DomainIssue, invalidInput, notFound } from '../../errors.js';
import { uuidv7 } from '../../ids.js';
import { INSTANT_RANGE_TEXT, parseRfc3339 } from '../../instants.js';

export type TokenView = Omit<ApiToken, 'secret_hash'>;

const VIEW_COLUMNS = [
  'id',
  'org_id',
  'user_id',
  'name',
  'abilities',
  'expires_at',
  'revoked_at',
  'last_used_at',
  'created_at',
] as const;

export interface TokenInput {
  name: string;
  user_id?: string | null | undefined;
  abilities: string[];
  expires_at?: string | null | undefined;
}

export async function createToken(
  db: Kysely<Database>,
  orgId: string,
  input: TokenInput,
  now: Date = new Date(),
): Promise<{ token: TokenView; secret: string }> {
  const issues: DomainIssue[] = [];
  input.abilities.forEach((ability, index) => {
    if (!isAbility(ability)) {
      issues.push({
        field: ['abilities', index],
        kind: 'literal_error',
        message: `unknown ability "${ability}" (read, use_agents, ingest, admin or *)`,
        input: ability,
      });
    }
  });
  let expiresAt: Date | null = null;
  if (input.expires_at) {
    const parsed = parseRfc3339(input.expires_at);
    expiresAt = 'date' in parsed ? parsed.date : null;
    if (expiresAt === null) {
      issues.push({
        field: ['expires_at'],
        kind: 'datetime_parsing',
        message:
          'error' in parsed && parsed.error === 'range'
            ? `must be ${INSTANT_RANGE_TEXT}`
            : 'must be an RFC 3339 date-time',
        input: input.expires_at,
      });
    } else if (expiresAt.getTime() <= now.getTime()) {
      issues.push({
        field: ['expires_at'],
        kind: 'value_error',
        message: 'must be in the future: a token cannot be created already expired',
        input: input.expires_at,
      });
    }
  }
  if (input.user_id) {
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', input.user_id)
      .executeTakeFirst();
    if (!user) {
      issues.push({
        field: ['user_id'],
        kind: 'value_error',
        message: `no user "${input.user_id}" in org "${orgId}"`,
        input: input.user_id,
      });
    }
  }
  if (issues.length > 0) throw invalidInput(issues);
  const id = uuidv7();
  const secret = newTokenSecret(id);
  const token = await db
    .insertInto('api_tokens')
    .values({
      org_id: orgId,
      id,
      user_id: input.user_id ?? null,
      name: input.name,
      abilities: [...new Set(input.abilities as Ability[])],
      secret_hash: hashToken(secret),
      expires_at: expiresAt,
    })
    .returning(VIEW_COLUMNS)
    .executeTakeFirstOrThrow();
  return { token, secret };
}

export async function listTokens(db: Kysely<Database>, orgId: string): Promise<TokenView[]> {
  return db
    .selectFrom('api_tokens')
    .select(VIEW_COLUMNS)
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The org of a token, for routes that name only the token (null when unknown). */
export async function tokenOrg(db: Kysely<Database>, tokenId: string): Promise<string | null> {
  const row = await db.selectFrom('api_tokens').select('org_id').where('id', '=', tokenId).executeTakeFirst();
  return row?.org_id ?? null;
}

export async function revokeToken(db: Kysely<Database>, orgId: string, tokenId: string): Promise<TokenView> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('org_id', '=', orgId)
    .where('id', '=', tokenId)
    .returning(VIEW_COLUMNS)
    .executeTakeFirst();
  if (!row) throw notFound('token', tokenId);
  return row;
}
