// createTallyClient against a running Tally: the checked-in types match the service's OpenAPI
// document (regenerated here and compared, so a stale file fails), every read route answers the
// typed call with data the recorder sent, and an error arrives as the surface's error body.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED, renderTypes } from '../scripts/generate.mjs';
import { createTallyClient, TallyApiError, type TallyClient, unwrap } from '../src/client.js';
import { TallyRecorder } from '../src/recorder.js';
import { startTally, type Tally } from './helpers/tally.js';

let tally: Tally;
let client: TallyClient;
let owner: TallyClient;
/**
 * Seed 001's usage history names a workspace by a numeric id and seed 002's workspace surface by
 * its UUID alias: the executions and AI usages go to a workspace that has both.
 */
const numbered = { id: '7001', uuid: crypto.randomUUID() };

beforeAll(async () => {
  tally = await startTally();
  client = createTallyClient({ baseUrl: tally.url, token: tally.token });
  const admin = createTallyClient({ baseUrl: tally.url, token: tally.adminToken });
  const created = await unwrap(
    admin.POST('/v1/admin/orgs/{org_id}/tokens', {
      params: { path: { org_id: tally.world.orgId } },
      body: { name: 'owner', abilities: ['read', 'use_agents'], user_id: tally.world.userId },
    }),
  );
  owner = createTallyClient({ baseUrl: tally.url, token: created.token });
  await unwrap(
    admin.PUT('/v1/admin/orgs/{org_id}/workspaces/{workspace_id}', {
      params: { path: { org_id: tally.world.orgId, workspace_id: numbered.id } },
      body: { name: 'Numbered', owner_user_id: tally.world.userId, uuid: numbered.uuid },
    }),
  );
  // A little of everything, sent the way a platform would.
  const recorder = new TallyRecorder({ baseUrl: tally.url, token: tally.token, source: 'sdk-test/client' });
  const { workspaceId: ws, userId: user } = tally.world;
  for (let i = 0; i < 5; i += 1) {
    await recorder.record({
      type: 'activity.recorded',
      data: {
        workspace_id: ws,
        user_id: user,
        app_id: 'app-1',
        method: 'GET',
        path: '/v1/endpoints/:id',
        resource_type: 'endpoint',
        resource_id: 'ep-1',
        augmentation_id: 'aug-1',
        action: 'read',
        status_code: 200,
        duration_ms: 3,
        token_usage: { input: 10, output: 2 },
      },
    });
  }
  await recorder.record({
    type: 'execution.recorded',
    data: {
      id: 'exec-1',
      workspace_id: numbered.id,
      user_id: user,
      agent: { id: 'writer', slug: 'blog-writer', name: 'Blog Writer', type: 'chat' },
      status: 'succeeded',
      credits: 2,
    },
  });
  await recorder.record({
    type: 'ai_usage.recorded',
    data: { id: 'u-1', workspaceId: numbered.id, toolType: 'other', status: 'completed', cost: 0.5 },
  });
  await recorder.close();
  expect(recorder.stats).toMatchObject({ accepted: 7, rejected: 0, failed: 0 });
}, 120_000);

afterAll(async () => {
  await tally?.close();
});

describe('createTallyClient', () => {
  it('has types generated from the running service’s current OpenAPI document', async () => {
    const document = await (await fetch(`${tally.url}/openapi.json`)).json();
    const fresh = await renderTypes(document);
    // On failure: run `npm run -w @tally/sdk generate` and commit src/generated/openapi.ts.
    expect(readFileSync(GENERATED, 'utf8') === fresh, 'src/generated/openapi.ts is stale').toBe(true);
  });

  it('calls every read route with typed parameters and answers', async () => {
    const org_id = tally.world.orgId;
    const workspace_id = tally.world.workspaceId;
    const user_id = tally.world.userId;
    const page = { limit: 50 };
    const summary = { hours: 24 };
    const listings = [
      await unwrap(client.GET('/v1/orgs/{org_id}/activity', { params: { path: { org_id }, query: page } })),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/users/{user_id}/activity', {
          params: { path: { org_id, user_id }, query: page },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/activity', {
          params: { path: { org_id, workspace_id }, query: page },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/activity/actions/{action}', {
          params: { path: { org_id, workspace_id, action: 'read' }, query: page },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/activity/search', {
          params: { path: { org_id, workspace_id }, query: { ...page, action: 'read' } },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/apps/{app_id}/activity', {
          params: { path: { org_id, workspace_id, app_id: 'app-1' }, query: page },
        }),
      ),
      await unwrap(
        client.GET(
          '/v1/orgs/{org_id}/workspaces/{workspace_id}/apps/{app_id}/endpoints/{endpoint_id}/activity',
          {
            params: { path: { org_id, workspace_id, app_id: 'app-1', endpoint_id: 'ep-1' }, query: page },
          },
        ),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/augmentations/{augmentation_id}/activity', {
          params: { path: { org_id, workspace_id, augmentation_id: 'aug-1' }, query: page },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/resources/{resource_id}/activity', {
          params: { path: { org_id, workspace_id, resource_id: 'ep-1' }, query: page },
        }),
      ),
      await unwrap(owner.GET('/v1/orgs/{org_id}/me/activity', { params: { path: { org_id }, query: page } })),
    ];
    // The service records its own API requests too (self-recording): the SDK's five are app-1's.
    for (const listing of listings) {
      const sent = listing.activities.filter((a) => a.app_id === 'app-1');
      expect(sent).toHaveLength(5);
      expect(sent[0]).toMatchObject({
        path: '/v1/endpoints/:id',
        user_id,
        status_code: 200,
        token_usage: { input: 10, output: 2 },
      });
    }
    const summaries = [
      await unwrap(
        client.GET('/v1/orgs/{org_id}/activity/summary', { params: { path: { org_id }, query: summary } }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/users/{user_id}/activity/summary', {
          params: { path: { org_id, user_id }, query: summary },
        }),
      ),
      await unwrap(
        client.GET('/v1/orgs/{org_id}/workspaces/{workspace_id}/activity/summary', {
          params: { path: { org_id, workspace_id }, query: summary },
        }),
      ),
      await unwrap(
        client.GET(
          '/v1/orgs/{org_id}/workspaces/{workspace_id}/apps/{app_id}/endpoints/{endpoint_id}/activity/summary',
          {
            params: { path: { org_id, workspace_id, app_id: 'app-1', endpoint_id: 'ep-1' }, query: summary },
          },
        ),
      ),
      await unwrap(
        owner.GET('/v1/orgs/{org_id}/me/activity/summary', { params: { path: { org_id }, query: summary } }),
      ),
    ];
    for (const one of summaries) {
      expect(one.total_requests).toBeGreaterThanOrEqual(5);
      expect(one.total_tokens_used).toBe(60);
    }

    const usages = await unwrap(
      client.GET('/api/v1/workspace/{workspaceId}/ai/usages', {
        params: { path: { workspaceId: numbered.id }, query: { limit: 10, offset: 0 } },
      }),
    );
    expect(JSON.stringify(usages)).toContain('u-1');
    const admin = createTallyClient({ baseUrl: tally.url, token: tally.adminToken });
    const workspace = await unwrap(
      client.GET('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: numbered.uuid } } }),
    );
    expect(JSON.stringify(workspace)).toContain(numbered.uuid);
    const history = await unwrap(
      owner.GET('/workspaces/usage', { params: { header: { 'x-workspace-id': numbered.id } } }),
    );
    expect(JSON.stringify(history)).toContain('exec-1');
    const tokens = await unwrap(
      admin.GET('/v1/admin/orgs/{org_id}/tokens', { params: { path: { org_id } } }),
    );
    expect(JSON.stringify(tokens)).toContain('owner');
    const schemas = await unwrap(client.GET('/schemas/events'));
    expect(JSON.stringify(schemas)).toContain('activity.recorded');
  });

  it('gives an error answer as the surface’s typed error body, or as a TallyApiError', async () => {
    const answer = await client.GET('/v1/orgs/{org_id}/activity', {
      params: { path: { org_id: 'another-org' }, query: { limit: 10 } },
    });
    expect(answer.data).toBeUndefined();
    // Another org's data is not there for this token: 404, as for an org that does not exist.
    expect(answer.response.status).toBe(404);
    expect(answer.error).toMatchObject({
      status_code: 404,
      error: expect.any(String),
      message: expect.any(String),
    });
    const thrown = await unwrap(
      client.GET('/v1/orgs/{org_id}/activity', {
        params: { path: { org_id: 'another-org' }, query: { limit: 10 } },
      }),
    ).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(TallyApiError);
    expect(thrown).toMatchObject({ status: 404, body: { ...answer.error, timestamp: expect.any(String) } });
  });

  it('refuses to compile a call missing a required parameter', () => {
    // Checked by `npm run typecheck` (tsc over the SDK's tests): each line below must not compile.
    const typeOnly = (fn: () => unknown) => fn;
    typeOnly(() =>
      // @ts-expect-error the path parameter org_id is required
      client.GET('/v1/orgs/{org_id}/activity', { params: { path: {}, query: { limit: 1 } } }),
    );
    typeOnly(() =>
      // @ts-expect-error params are required on a route with path parameters
      client.GET('/v1/orgs/{org_id}/activity'),
    );
    typeOnly(() =>
      // @ts-expect-error not a route of the service
      client.GET('/v1/orgs/{org_id}/nothing', { params: { path: { org_id: 'x' } } }),
    );
  });
});
