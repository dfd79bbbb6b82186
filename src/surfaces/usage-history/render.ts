// Ledger rows → seed 001's items. Content never leaves Tally for archived or edited rows, and for
// current rows only the media types show their real output; the rest show a fixed sentence.

import { signLink } from '../../ledger/executions/signed-links.js';
import type { UsageHistoryRow } from '../../ledger/executions/usage-history.js';
import { isoOfMillis } from '../shared/time.js';

export const ARCHIVED_OUTPUT = 'This item was deleted.';
export const EDITED_OUTPUT = 'This item was edited.';
const MEDIA_TYPES = new Set(['image', 'video', 'voiceover']);

export interface RenderContext {
  outputPlaceholder: string;
  linkKey: Buffer;
  now: Date;
}

/** Seed 001 types ids as integers: an id in integer form is a JSON number when it fits one exactly. */
export function integerOrString(id: string): number | string {
  if (!/^-?(0|[1-9]\d*)$/.test(id)) return id;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : id;
}

function tokens(row: UsageHistoryRow) {
  if (row.tokens_input === null && row.tokens_output === null && row.tokens_total === null) return null;
  const input = row.tokens_input ?? 0;
  const output = row.tokens_output ?? 0;
  return { input, output, total: row.tokens_total ?? input + output };
}

function output(row: UsageHistoryRow, context: RenderContext): string | null {
  if (row.source === 'archived') return ARCHIVED_OUTPUT;
  if (row.source === 'edited') return EDITED_OUTPUT;
  return MEDIA_TYPES.has(row.agent_type) ? row.output : context.outputPlaceholder;
}

function link(row: UsageHistoryRow, context: RenderContext): string | null {
  if (row.source !== 'current') return null;
  if (row.agent_type === 'chat') {
    if (row.agent_slug === null) return null;
    // Platform ids ([A-Za-z0-9._:-]) are safe in a query string as they are.
    return `/dashboard/user/ai/chat/ai-chat/${encodeURIComponent(row.agent_slug)}?_chat_id=${row.root_id ?? row.id}`;
  }
  if (!MEDIA_TYPES.has(row.agent_type) || !row.output_url) return null;
  return row.output_private ? signLink(context.linkKey, row.output_url, context.now) : row.output_url;
}

export function renderItem(row: UsageHistoryRow, context: RenderContext) {
  const succeeded = row.status === 'succeeded';
  return {
    id: row.source === 'edited' ? `chat-edited-${row.id}` : integerOrString(row.id),
    created_at: isoOfMillis(row.created_at),
    user_id: integerOrString(row.user_id),
    type: row.agent_type,
    status: succeeded ? ('succeeded' as const) : ('failed' as const),
    email: row.email,
    credits: succeeded ? row.credits : 0,
    name: row.agent_name,
    slug: row.agent_slug,
    output: output(row, context),
    root_id: row.root_id,
    execution_origin: row.execution_origin,
    source: row.source,
    used_model: row.source === 'edited' ? null : row.used_model,
    tokens: tokens(row),
    link: link(row, context),
  };
}
