// GET /workspaces/usage: every item field, by source and type, and the order of rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLink, verifySignedLink } from '../../src/ledger/executions/signed-links.js';
import { Factory, numericId } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, sourceEvent, usage } from './helpers.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const NOW = new Date('2025-06-15T12:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
const PLACEHOLDER = 'This content is only available in the app.';

describe('GET /workspaces/usage items', () => {
  it('renders every field of current, archived and edited rows of each kind', async () => {
    const w = await numericWorld(f);
    const ws = w.workspace.id;
    const owner = w.owner.id;
    const email = `${owner}@example.test`;
    const agents = {
      chat: w.chat,
      image: await f.agent(w.org.id, { type: 'image', slug: 'pic', name: 'Picture maker' }),
      video: await f.agent(w.org.id, { type: 'video' }),
      voiceover: await f.agent(w.org.id, { type: 'voiceover' }),
      text: await f.agent(w.org.id, { type: 'text' }),
      code: await f.agent(w.org.id, { type: 'code' }),
    };
    const ids = Array.from({ length: 11 }, () => numericId());
    const base = { workspaceId: ws, userId: owner };
    const tokens = { input: 120, output: 80, total: 200 };
    const events = [
      executionEvent({
        ...base,
        id: ids[0],
        agent: agents.chat,
        credits: 3,
        rootId: '777',
        origin: 'api',
        usedModel: 'gpt-4o',
        tokens,
        output: 'secret chat',
        createdAt: at(1),
      }),
      executionEvent({
        ...base,
        id: ids[1],
        agent: agents.chat,
        status: 'error',
        credits: 5,
        usedModel: 'gpt-4o',
        createdAt: at(2),
      }),
      executionEvent({
        ...base,
        id: ids[2],
        agent: agents.image,
        credits: 2.5,
        output: 'a red fox',
        outputUrl: 'https://cdn.example.test/fox.png',
        createdAt: at(3),
      }),
      executionEvent({
        ...base,
        id: ids[3],
        agent: agents.video,
        output: 'clip',
        outputUrl: 'https://storage.example.test/v/clip.mp4?x=1',
        outputPrivate: true,
        createdAt: at(4),
      }),
      executionEvent({ ...base, id: ids[4], agent: agents.voiceover, output: 'narration', createdAt: at(5) }),
      executionEvent({
        ...base,
        id: ids[5],
        agent: agents.text,
        status: 'pending',
        output: 'essay',
        tokens: { input: 10, output: 20, total: 30 },
        createdAt: at(6),
      }),
      executionEvent({ ...base, id: ids[6], agent: agents.code, output: 'code', createdAt: at(7) }),
      executionEvent({
        ...base,
        id: ids[7],
        agent: agents.chat,
        credits: 4,
        rootId: '42',
        usedModel: 'claude',
        output: 'gone',
        createdAt: at(8),
      }),
      executionEvent({
        ...base,
        id: ids[8],
        agent: agents.chat,
        credits: 6,
        usedModel: 'claude',
        tokens,
        output: 'old',
        createdAt: at(9),
      }),
      executionEvent({
        ...base,
        id: ids[9],
        agent: agents.image,
        output: 'old pic',
        outputUrl: 'https://cdn.example.test/old.png',
        createdAt: at(10),
      }),
      executionEvent({
        ...base,
        id: ids[10],
        agent: agents.video,
        status: 'failed',
        output: 'broken',
        outputUrl: 'https://cdn.example.test/broken.mp4',
        createdAt: at(11),
      }),
    ];
    await f.ingest(w.serviceToken.token, events);
    await f.ingest(w.serviceToken.token, [
      sourceEvent('archived', ids[7]!, ws, at(8)),
      sourceEvent('edited', ids[8]!, ws, at(9)),
      sourceEvent('archived', ids[9]!, ws, at(10)),
    ]);

    t.clock.pinned = NOW;
    try {
      const response = await usage(t, w.ownerToken.token, ws);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      const item = (n: number, rest: object) => ({
        id: Number(ids[n]),
        created_at: at(n + 1),
        user_id: Number(owner),
        email,
        root_id: null,
        execution_origin: null,
        source: 'current',
        used_model: null,
        tokens: null,
        ...rest,
      });
      const signed = signLink(t.app.deps.keyring.linkKey, 'https://storage.example.test/v/clip.mp4?x=1', NOW);
      expect(response.json()).toEqual({
        items: [
          item(0, {
            type: 'chat',
            status: 'succeeded',
            credits: 3,
            name: agents.chat.name,
            slug: agents.chat.slug,
            output: PLACEHOLDER,
            root_id: '777',
            execution_origin: 'api',
            used_model: 'gpt-4o',
            tokens: { input: 120, output: 80, total: 200 },
            link: `/dashboard/user/ai/chat/ai-chat/${agents.chat.slug}?_chat_id=777`,
          }),
          item(1, {
            type: 'chat',
            status: 'failed',
            credits: 0,
            name: agents.chat.name,
            slug: agents.chat.slug,
            output: PLACEHOLDER,
            used_model: 'gpt-4o',
            link: `/dashboard/user/ai/chat/ai-chat/${agents.chat.slug}?_chat_id=${ids[1]}`,
          }),
          item(2, {
            type: 'image',
            status: 'succeeded',
            credits: 2.5,
            name: 'Picture maker',
            slug: 'pic',
            output: 'a red fox',
            link: 'https://cdn.example.test/fox.png',
          }),
          item(3, {
            type: 'video',
            status: 'succeeded',
            credits: 1,
            name: agents.video.name,
            slug: agents.video.slug,
            output: 'clip',
            link: signed,
          }),
          item(4, {
            type: 'voiceover',
            status: 'succeeded',
            credits: 1,
            name: agents.voiceover.name,
            slug: agents.voiceover.slug,
            output: 'narration',
            link: null,
          }),
          item(5, {
            type: 'text',
            status: 'failed',
            credits: 0,
            name: agents.text.name,
            slug: agents.text.slug,
            output: PLACEHOLDER,
            tokens: { input: 10, output: 20, total: 30 },
            link: null,
          }),
          item(6, {
            type: 'code',
            status: 'succeeded',
            credits: 1,
            name: agents.code.name,
            slug: agents.code.slug,
            output: PLACEHOLDER,
            link: null,
          }),
          item(7, {
            type: 'chat',
            status: 'succeeded',
            credits: 4,
            name: agents.chat.name,
            slug: agents.chat.slug,
            output: 'This item was deleted.',
            root_id: '42',
            source: 'archived',
            used_model: 'claude',
            link: null,
          }),
          item(8, {
            id: `chat-edited-${ids[8]}`,
            type: 'chat',
            status: 'succeeded',
            credits: 6,
            name: agents.chat.name,
            slug: agents.chat.slug,
            output: 'This item was edited.',
            source: 'edited',
            used_model: null,
            tokens: { input: 120, output: 80, total: 200 },
            link: null,
          }),
          item(9, {
            type: 'image',
            status: 'succeeded',
            credits: 1,
            name: 'Picture maker',
            slug: 'pic',
            output: 'This item was deleted.',
            source: 'archived',
            link: null,
          }),
          item(10, {
            type: 'video',
            status: 'failed',
            credits: 0,
            name: agents.video.name,
            slug: agents.video.slug,
            output: 'broken',
            link: 'https://cdn.example.test/broken.mp4',
          }),
        ],
        has_more: false,
        page: 1,
        per_page: 20,
      });
      // The signed link verifies with the deployment's link key until it expires, and not after.
      const key = t.app.deps.keyring.linkKey;
      expect(signed).toMatch(
        /^https:\/\/storage\.example\.test\/v\/clip\.mp4\?x=1&tally_expires=\d+&tally_signature=[\w-]+$/,
      );
      expect(verifySignedLink(key, signed, NOW)).toBe(true);
      expect(verifySignedLink(key, signed, new Date(NOW.getTime() + 3601_000))).toBe(false);
      expect(verifySignedLink(key, signed.replace('clip.mp4', 'clap.mp4'), NOW)).toBe(false);
      expect(verifySignedLink(Buffer.alloc(32), signed, NOW)).toBe(false);
    } finally {
      t.clock.pinned = null;
    }
  });

  it('orders by created_at desc then id desc and keeps non-integer ids as strings', async () => {
    const w = await numericWorld(f);
    const same = at(30);
    await f.ingest(w.serviceToken.token, [
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        agent: w.chat,
        id: 'exec-a',
        createdAt: same,
      }),
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        agent: w.chat,
        id: 'exec-c',
        createdAt: same,
      }),
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        agent: w.chat,
        id: 'exec-b',
        createdAt: same,
      }),
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        agent: w.chat,
        id: '900',
        createdAt: at(20),
      }),
    ]);
    t.clock.pinned = NOW;
    try {
      const response = await usage(t, w.ownerToken.token, w.workspace.id);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().items.map((item: { id: unknown }) => item.id)).toEqual([
        900,
        'exec-c',
        'exec-b',
        'exec-a',
      ]);
    } finally {
      t.clock.pinned = null;
    }
  });
});
