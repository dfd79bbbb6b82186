// `execution.recorded`, `execution.archived` and `execution.edited` (API.md §4.1).
import { AGENT_TYPES } from '../../ledger/agents/agents.js';
import type { ExecutionSourceWrite, ExecutionWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { Fields, NOT_NEGATIVE, type NumberLimits, REQUIRED } from '../fields.js';
import { writeKey } from './types.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const TOKEN_COUNT: NumberLimits = { required: true, integer: true, min: 0 };
const TOKEN_TOTAL: NumberLimits = { integer: true, min: 0 };

export function readExecution(envelope: Envelope): { write?: ExecutionWrite; errors: string[] } {
  const f = new Fields(envelope.data, 'data.');
  const id = f.id('id', REQUIRED);
  const workspaceId = f.id('workspace_id', REQUIRED);
  const userId = f.id('user_id', REQUIRED);
  const userEmail = f.string('user_email', 320);
  if (userEmail !== undefined && !EMAIL.test(userEmail))
    f.errors.push('data.user_email: must be an email address');
  const agentData = f.object('agent', REQUIRED);
  let agent: ExecutionWrite['agent'] | undefined;
  if (agentData) {
    const a = f.nested(agentData, 'agent');
    const agentId = a.id('id', REQUIRED);
    const slug = a.string('slug', 200, REQUIRED);
    const name = a.string('name', 200, REQUIRED);
    const type = a.oneOf('type', AGENT_TYPES, REQUIRED);
    if (agentId && slug && name && type) agent = { id: agentId, slug, name, type };
  }
  const status = f.string('status', 64, REQUIRED);
  const credits = f.number('credits', NOT_NEGATIVE) ?? 0;
  const outputUrl = f.string('output_url', 4096);
  if (outputUrl !== undefined && !/^https?:\/\/\S+$/i.test(outputUrl)) {
    f.errors.push('data.output_url: must be an http(s) URL');
  }
  let tokens: { input: number; output: number; total: number } | null = null;
  const tokenData = f.object('tokens');
  if (tokenData) {
    const t = f.nested(tokenData, 'tokens');
    const input = t.number('input', TOKEN_COUNT);
    const output = t.number('output', TOKEN_COUNT);
    const total = t.number('total', TOKEN_TOTAL);
    if (input !== undefined && output !== undefined)
      tokens = { input, output, total: total ?? input + output };
  }
  const createdAt = f.timestamp('created_at') ?? envelope.time;
  const row = {
    id: id ?? '',
    status: status ?? '',
    credits,
    output: f.string('output', 100_000) ?? null,
    output_url: outputUrl ?? null,
    output_private: f.boolean('output_private') ?? false,
    root_id: f.string('root_id', 256) ?? null,
    execution_origin: f.string('execution_origin', 256) ?? null,
    used_model: f.string('used_model', 256) ?? null,
    tokens_input: tokens?.input ?? null,
    tokens_output: tokens?.output ?? null,
    tokens_total: tokens?.total ?? null,
    created_at: createdAt,
  };
  if (f.errors.length > 0 || !id || !workspaceId || !userId || !agent || !status) return { errors: f.errors };
  return {
    write: {
      kind: 'execution',
      key: writeKey(envelope),
      time: envelope.time,
      record: { ...row, workspace_id: workspaceId, user_id: userId },
      agent,
      userEmail: userEmail ?? null,
    },
    errors: [],
  };
}

export function readExecutionSource(
  envelope: Envelope,
  source: 'archived' | 'edited',
): { write?: ExecutionSourceWrite; errors: string[] } {
  const f = new Fields(envelope.data, 'data.');
  const id = f.id('id', REQUIRED);
  const workspaceId = f.id('workspace_id', REQUIRED);
  if (f.errors.length > 0 || !id || !workspaceId) return { errors: f.errors };
  return {
    write: {
      kind: 'execution_source',
      key: writeKey(envelope),
      time: envelope.time,
      change: source,
      executionId: id,
      workspaceId,
    },
    errors: [],
  };
}
