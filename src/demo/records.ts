// Realistic synthetic records for a planned world: API activity with its mix of actions, status
// codes and durations; agent executions with credits, tokens and outputs; AI tool usages. Records
// land mostly in the biggest workspaces (Zipf) and mostly in the recent past.
import type { NewActivity } from '../db/schema.js';
import { tokensTotal } from '../ledger/activity/tokens-total.js';
import type { AiUsageRow } from '../ledger/ai-usages/write.js';
import type { ExecutionRow } from '../ledger/executions/write.js';
import { createRandom, Dice, ZipfPicker } from './random.js';
import type { DemoOrg, DemoWorkspace } from './world.js';

const ACTIONS = [
  ['read', 50],
  ['create', 14],
  ['update', 10],
  ['delete', 3],
  ['execute', 18],
  ['trigger', 5],
] as const;
const METHOD_OF: Record<string, string> = {
  read: 'GET',
  create: 'POST',
  update: 'PATCH',
  delete: 'DELETE',
  execute: 'POST',
  trigger: 'POST',
};
const STATUS_CODES = [
  [200, 80],
  [201, 8],
  [204, 3],
  [400, 3],
  [401, 1],
  [403, 1],
  [404, 2],
  [422, 1],
  [500, 0.7],
  [503, 0.3],
] as const;
const TOOL_TYPES = [
  ['product-marketing-post', 35],
  ['image-generation', 30],
  ['session-summary', 25],
  ['other', 10],
] as const;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'llama-3-70b'];

export interface RecordContext {
  workspaces: (DemoWorkspace & { agents: DemoOrg['agents'] })[];
  dice: Dice;
  picker: ZipfPicker;
  /** Records fall in [now − days, now), denser toward now. */
  now: number;
  days: number;
  seed: number;
}

/** `stream` separates the random sequences of record kinds loaded concurrently (deterministic). */
export function recordContext(
  orgs: DemoOrg[],
  options: { seed: number; days: number; now: number; stream?: number },
): RecordContext {
  const workspaces = orgs.flatMap((org) => org.workspaces.map((w) => ({ ...w, agents: org.agents })));
  return {
    workspaces,
    dice: new Dice(createRandom(options.seed * 7919 + 17 + (options.stream ?? 0) * 104_729)),
    picker: new ZipfPicker(workspaces.length, 0.9),
    now: options.now,
    days: options.days,
    seed: options.seed,
  };
}

function pickWorkspace(ctx: RecordContext) {
  return ctx.workspaces[ctx.picker.index(ctx.dice.next())]!;
}

/** Traffic grows 4% a day: a 90-day window holds ~25% of its records in its last week. */
const GROWTH_PER_DAY = 0.04;

/**
 * The time of record n of `total`: records come in time order (as a platform sends them), with a
 * density growing exponentially toward now — steady growth, no spike at the end — so the share
 * of records younger than `age` days is (1 − e^(−r·age)) / (1 − e^(−r·days)).
 */
function timeOf(ctx: RecordContext, n: number, total: number): Date {
  const u = Math.min((n + ctx.dice.next()) / Math.max(total, 1), 1);
  const span = 1 - Math.exp(-GROWTH_PER_DAY * ctx.days);
  const ageDays = -Math.log(1 - (1 - u) * span) / GROWTH_PER_DAY;
  return new Date(ctx.now - ageDays * 86_400_000 - 1);
}

export function activityBatch(
  ctx: RecordContext,
  start: number,
  count: number,
  total: number,
): NewActivity[] {
  const { dice } = ctx;
  const rows: NewActivity[] = [];
  for (let n = start; n < start + count; n += 1) {
    const workspace = pickWorkspace(ctx);
    const action = dice.weighted(ACTIONS);
    const app = dice.pick(workspace.apps);
    const target = dice.weighted([
      ['endpoint', 45],
      ['app', 20],
      ['augmentation', 15],
      ['workspace', 10],
      ['file', 10],
    ] as const);
    const endpoint = dice.pick(app.endpoints);
    const augmentation = dice.pick(workspace.augmentations);
    const resourceId =
      target === 'endpoint'
        ? endpoint
        : target === 'app'
          ? app.id
          : target === 'augmentation'
            ? augmentation
            : target === 'workspace'
              ? workspace.id
              : `file-${dice.int(1, 500)}`;
    const statusCode = dice.weighted(STATUS_CODES);
    const executes = action === 'execute' || action === 'trigger';
    const tokenUsage = executes
      ? (() => {
          const prompt = dice.int(50, 4000);
          const completion = dice.int(20, 2000);
          return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
        })()
      : null;
    const stages = executes ? dice.int(1, 6) : null;
    const userId = dice.pick(workspace.userIds);
    rows.push({
      org_id: workspace.orgId,
      id: `demo-${ctx.seed}-act-${n}`,
      timestamp: timeOf(ctx, n, total),
      trace_id: `trace-${ctx.seed}-${n}`,
      user_id: userId,
      workspace_id: workspace.id,
      app_id: target === 'workspace' || target === 'file' ? null : app.id,
      principal_type: 'user',
      principal_id: userId,
      token_id: `tok-${userId}`,
      token_type: 'user',
      method: METHOD_OF[action]!,
      path: `/v1/workspaces/${workspace.id}/${target}s/${resourceId}${executes ? '/execute' : ''}`,
      resource_type: target,
      resource_id: resourceId,
      action,
      status_code: statusCode,
      success: statusCode < 400,
      error_code: statusCode >= 400 ? `E${statusCode}` : null,
      duration_ms: Math.round(dice.logNormal(executes ? 900 : 45, 0.9) * 100) / 100,
      execution_id: executes ? `demo-${ctx.seed}-run-${n}` : null,
      augmentation_id: target === 'augmentation' ? augmentation : null,
      stages_completed: stages === null ? null : statusCode < 400 ? stages : dice.int(0, stages - 1),
      total_stages: stages,
      token_usage: tokenUsage === null ? null : JSON.stringify(tokenUsage),
      metadata: JSON.stringify({
        client: dice.pick(['web', 'ios', 'android', 'api']),
        region: dice.pick(['eu', 'us']),
      }),
      tokens_total: tokensTotal(tokenUsage),
    });
  }
  return rows;
}

export function executionBatch(
  ctx: RecordContext,
  start: number,
  count: number,
  total: number,
): ExecutionRow[] {
  const { dice } = ctx;
  const rows: ExecutionRow[] = [];
  for (let n = start; n < start + count; n += 1) {
    const workspace = pickWorkspace(ctx);
    const agent = dice.pick(workspace.agents);
    const status = dice.weighted([
      ['succeeded', 85],
      ['failed', 10],
      ['running', 3],
      ['cancelled', 2],
    ] as const);
    const media = agent.type === 'image' || agent.type === 'video' || agent.type === 'voiceover';
    const tokens = media
      ? null
      : (() => {
          const input = dice.int(20, 3000);
          const output = dice.int(10, 1500);
          return { input, output, total: input + output };
        })();
    const createdAt = timeOf(ctx, n, total);
    const id = String(300_000_000 + ctx.seed * 100_000_000 + n);
    const extension = agent.type === 'image' ? 'png' : agent.type === 'video' ? 'mp4' : 'mp3';
    rows.push({
      id,
      workspace_id: workspace.id,
      user_id: dice.pick(workspace.userIds),
      agent_id: agent.id,
      agent_type: agent.type,
      status,
      credits: status === 'succeeded' ? Math.round(dice.logNormal(media ? 8 : 2, 0.6) * 100) / 100 : 0,
      output: media ? `${agent.name} output #${n}` : `Answer ${n} from ${agent.name}.`,
      output_url:
        media && status === 'succeeded'
          ? `https://cdn.example.test/${workspace.id}/${id}.${extension}`
          : null,
      output_private: media && dice.chance(0.3),
      root_id:
        agent.type === 'chat' && dice.chance(0.6)
          ? String(300_000_000 + ctx.seed * 100_000_000 + dice.int(0, n))
          : null,
      execution_origin: dice.pick(['web', 'api', 'schedule', 'workflow']),
      used_model: media ? null : dice.pick(MODELS),
      tokens_input: tokens?.input ?? null,
      tokens_output: tokens?.output ?? null,
      tokens_total: tokens?.total ?? null,
      created_at: createdAt,
      event_time: createdAt,
    });
  }
  return rows;
}

export function aiUsageBatch(ctx: RecordContext, start: number, count: number, total: number): AiUsageRow[] {
  const { dice } = ctx;
  const rows: AiUsageRow[] = [];
  for (let n = start; n < start + count; n += 1) {
    const workspace = pickWorkspace(ctx);
    const toolType = dice.weighted(TOOL_TYPES);
    const status = dice.weighted([
      ['completed', 85],
      ['failed', 5],
      ['pending', 10],
    ] as const);
    const createdAt = timeOf(ctx, n, total);
    const responseData: Record<string, unknown> =
      status !== 'completed'
        ? {}
        : toolType === 'product-marketing-post'
          ? { postText: `Check out product ${n}!`, overlaysSaved: [] }
          : toolType === 'image-generation'
            ? { imageUrl: `https://cdn.example.test/gen/${n}.png` }
            : { summary: `Session ${n} summary.` };
    rows.push({
      id: `demo-${ctx.seed}-use-${n}`,
      workspace_id: workspace.id,
      tool_type: toolType,
      status,
      cost: status === 'completed' ? Math.round(dice.logNormal(0.08, 0.7) * 10000) / 10000 : 0,
      input_data: { prompt: `Prompt ${n}`, locale: dice.pick(['en', 'fr', 'de']) },
      response_data: responseData,
      created_at: createdAt,
      completed_at: status === 'completed' ? new Date(createdAt.getTime() + dice.int(500, 20_000)) : null,
      event_time: createdAt,
    });
  }
  return rows;
}
