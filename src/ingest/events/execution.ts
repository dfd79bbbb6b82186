// `execution.recorded`, `execution.archived` and `execution.edited` (API.md §4.1).
import { AGENT_TYPES } from '../../ledger/agents/agents.js';
import type { ExecutionSourceWrite, ExecutionWrite } from '../../ledger/write/types.js';
import type { Envelope } from '../envelope.js';
import { Fields } from '../fields.js';
import { eventWrite } from './types.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function readExecution(envelope: Envelope): { write?: ExecutionWrite; errors: string[] } {
  const f = new Fields(envelope.data, 'data.');
  const id = f.id('id', { required: true });
  const workspaceId = f.id('workspace_id', { required: true });
  const userId = f.id('user_id', { required: true });
  const userEmail = f.string('user_email', { max: 320 });
  if (userEmail !== undefined && !EMAIL.test(userEmail))
    f.errors.push('data.user_email: must be an email address');
  const agentData = f.object('agent', { required: true });
  let agent: ExecutionWrite['agent'] | undefined;
  if (agentData) {
    const a = f.nested(agentData, 'agent');
    const agentId = a.id('id', { required: true });
    const slug = a.string('slug', { required: true, max: 200 });
    const name = a.string('name', { required: true, max: 200 });
    const type = a.oneOf('type', AGENT_TYPES, { required: true });
    if (agentId && slug && name && type) agent = { id: agentId, slug, name, type };
  }
  const status = f.string('status', { required: true, max: 64 });
  const credits = f.number('credits', { min: 0 }) ?? 0;
  const outputUrl = f.string('output_url', { max: 4096 });
  if (outputUrl !== undefined && !/^https?:\/\/\S+$/i.test(outputUrl)) {
    f.errors.push('data.output_url: must be an http(s) URL');
  }
  let tokens: { input: number; output: number; total: number } | null = null;
  const tokenData = f.object('tokens');
  if (tokenData) {
    const t = f.nested(tokenData, 'tokens');
    const input = t.number('input', { required: true, integer: true, min: 0 });
    const output = t.number('output', { required: true, integer: true, min: 0 });
    const total = t.number('total', { integer: true, min: 0 });
    if (input !== undefined && output !== undefined)
      tokens = { input, output, total: total ?? input + output };
  }
  const createdAt = f.timestamp('created_at') ?? envelope.time;
  const row = {
    id: id ?? '',
    status: status ?? '',
    credits,
    output: f.string('output', { max: 100_000 }) ?? null,
    output_url: outputUrl ?? null,
    output_private: f.boolean('output_private') ?? false,
    root_id: f.string('root_id', { max: 256 }) ?? null,
    execution_origin: f.string('execution_origin', { max: 256 }) ?? null,
    used_model: f.string('used_model', { max: 256 }) ?? null,
    tokens_input: tokens?.input ?? null,
    tokens_output: tokens?.output ?? null,
    tokens_total: tokens?.total ?? null,
    created_at: createdAt,
  };
  if (f.errors.length > 0 || !id || !workspaceId || !userId || !agent || !status) return { errors: f.errors };
  return {
    write: {
      kind: 'execution',
      ...eventWrite(envelope),
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
  const id = f.id('id', { required: true });
  const workspaceId = f.id('workspace_id', { required: true });
  if (f.errors.length > 0 || !id || !workspaceId) return { errors: f.errors };
  return {
    write: {
      kind: 'execution_source',
      ...eventWrite(envelope),
      change: source,
      executionId: id,
      workspaceId,
    },
    errors: [],
  };
}
