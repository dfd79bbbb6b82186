// The request-recording middleware in real Fastify 5, Express 4 and Express 5 apps listening on a
// port, sending through a TallyRecorder to a running Tally: every request served becomes one
// activity record on seed 004's listing, with its route template (not the URL), status, a
// measured duration, the user and workspace the app names, the default action and resource;
// excluded routes leave nothing, and secrets never reach the ledger.
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyExpress } from '../src/express.js';
import { tallyFastify } from '../src/fastify.js';
import { TallyRecorder, type TallyRecorderError } from '../src/recorder.js';
import { type ActivityRecord, readActivity, startTally, type Tally } from './helpers/tally.js';

let tally: Tally;

beforeAll(async () => {
  tally = await startTally();
}, 120_000);

afterAll(async () => {
  await tally?.close();
});

interface Served {
  url: string;
  close(): Promise<void>;
}

/** Each framework's app with the same routes: one owner per app, the user from a header. */
type AppFactory = (recorder: TallyRecorder, world: Tally['world'], appId: string) => Promise<Served>;

const userOf = (headers: Record<string, string | string[] | undefined>) => {
  const user = headers['x-user'];
  return typeof user === 'string' ? user : undefined;
};

const fastifyApp: AppFactory = async (recorder, world, appId) => {
  const app = Fastify();
  await app.register(tallyFastify, {
    recorder,
    userId: (request) => userOf(request.headers),
    workspaceId: () => world.workspaceId,
    appId: () => appId,
    exclude: (request) => request.url === '/healthz',
    tokenUsage: (_request, reply) => (reply.statusCode === 201 ? { input: 10, output: 5 } : undefined),
    captureHeaders: true,
    captureBody: true,
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/v1/reports/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.post('/v1/reports', async (_request, reply) => reply.code(201).send({ id: 'new' }));
  app.delete('/v1/reports/:id', async (_request, reply) => reply.code(404).send({ error: 'not found' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
};

function expressApp(express: typeof express5): AppFactory {
  return async (recorder, world, appId) => {
    const app = express();
    app.use(express.json());
    app.use(
      tallyExpress({
        recorder,
        userId: (request) => userOf(request.headers),
        workspaceId: () => world.workspaceId,
        appId: () => appId,
        exclude: (request) => request.path === '/healthz',
        tokenUsage: (_request, response) =>
          response.statusCode === 201 ? { input: 10, output: 5 } : undefined,
        captureHeaders: true,
        captureBody: true,
      }),
    );
    app.get('/healthz', (_request, response) => {
      response.json({ ok: true });
    });
    // The reports routes live on a router mounted at /v1, so the template joins baseUrl and path.
    const router = express.Router();
    router.get('/reports/:id', (request, response) => {
      response.json({ id: request.params.id });
    });
    router.post('/reports', (_request, response) => {
      response.status(201).json({ id: 'new' });
    });
    router.delete('/reports/:id', (_request, response) => {
      response.status(404).json({ error: 'not found' });
    });
    app.use('/v1', router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  };
}

const FRAMEWORKS: [string, AppFactory][] = [
  ['fastify 5', fastifyApp],
  ['express 4', expressApp(express4)],
  ['express 5', expressApp(express5)],
];

describe.each(FRAMEWORKS)('%s', (name, factory) => {
  it('records every request served, once, with its route template, and nothing of excluded ones', async () => {
    const errors: TallyRecorderError[] = [];
    const recorder = new TallyRecorder({
      baseUrl: tally.url,
      token: tally.token,
      source: `sdk-test/${name}`,
      flushIntervalMs: 50,
      onError: (error) => errors.push(error),
    });
    const appId = `app-${name.replace(' ', '-')}`;
    const served = await factory(recorder, tally.world, appId);
    const before = (await readActivity(tally)).filter((r) => r.app_id === appId);
    expect(before).toEqual([]);

    const N = 12;
    const sent: { method: string; path: string; status: number; user: string }[] = [];
    for (let i = 0; i < N; i += 1) {
      const user = `user-${i % 3}`;
      const kind = i % 3;
      const request =
        kind === 0
          ? { method: 'GET', path: `/v1/reports/r-${i}`, status: 200 }
          : kind === 1
            ? { method: 'POST', path: '/v1/reports', status: 201 }
            : { method: 'DELETE', path: `/v1/reports/r-${i}`, status: 404 };
      const response = await fetch(`${served.url}${request.path}`, {
        method: request.method,
        headers: {
          'x-user': user,
          authorization: 'Bearer app-secret-token',
          cookie: 'sid=cookie-secret',
          ...(request.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: request.method === 'POST' ? JSON.stringify({ title: 't', password: 'body-secret' }) : undefined,
      });
      await response.text();
      expect(response.status).toBe(request.status);
      sent.push({ ...request, user });
      // Health checks in between are excluded.
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
    }
    await served.close();
    await recorder.close();

    expect(errors).toEqual([]);
    expect(recorder.stats).toMatchObject({ accepted: N, duplicates: 0, rejected: 0, dropped: 0, failed: 0 });
    const records = (await readActivity(tally)).filter((r) => r.app_id === appId);
    expect(records).toHaveLength(N);
    const byResource = (r: ActivityRecord) =>
      `${r.method} ${r.resource_id ?? ''} ${r.user_id} ${r.status_code}`;
    expect(records.map(byResource).sort()).toEqual(
      sent
        .map((s) => `${s.method} ${s.method === 'POST' ? '' : s.path.split('/').pop()} ${s.user} ${s.status}`)
        .sort(),
    );
    for (const record of records) {
      const template = record.method === 'POST' ? '/v1/reports' : '/v1/reports/:id';
      expect(record).toMatchObject({
        path: template,
        workspace_id: tally.world.workspaceId,
        resource_type: 'reports',
        action: { GET: 'read', POST: 'create', DELETE: 'delete' }[record.method!],
        success: record.status_code! < 400,
        token_usage: record.method === 'POST' ? { input: 10, output: 5 } : null,
      });
      expect(record.duration_ms).toBeGreaterThan(0);
      expect(record.duration_ms).toBeLessThan(5_000);
      // Headers are kept only because the app opted in, and then without their secrets.
      const captured = record.metadata.request as { headers: Record<string, string>; body?: unknown };
      expect(captured.headers.authorization).toBe('[REDACTED]');
      expect(captured.headers.cookie).toBe('[REDACTED]');
      expect(captured.headers['x-user']).toBe(record.user_id);
      if (record.method === 'POST') expect(captured.body).toEqual({ title: 't', password: '[REDACTED]' });
      expect(JSON.stringify(record)).not.toMatch(/app-secret-token|cookie-secret|body-secret/);
    }
    expect(records.some((r) => r.path === '/healthz' || r.resource_type === 'healthz')).toBe(false);
  });
});

describe('never breaks the host', () => {
  it('serves the request when an app function throws or the recorder fails, and reports it', async () => {
    const failures: unknown[] = [];
    const recorder = {
      record: () => {
        throw new Error('recorder exploded');
      },
    } as unknown as TallyRecorder;
    const fastify = Fastify();
    await fastify.register(tallyFastify, {
      recorder,
      userId: () => {
        throw new Error('userId exploded');
      },
      exclude: () => {
        throw new Error('exclude exploded');
      },
      onError: (error) => failures.push(error),
    });
    fastify.get('/v1/things/:id', async () => ({ ok: true }));
    const app = express5();
    app.use(
      tallyExpress({
        recorder,
        userId: () => {
          throw new Error('userId exploded');
        },
        onError: (error) => failures.push(error),
      }),
    );
    app.get('/v1/things/:id', (_request, response) => {
      response.json({ ok: true });
    });
    const fastifyAnswer = await fastify.inject({ method: 'GET', url: '/v1/things/1' });
    expect([fastifyAnswer.statusCode, fastifyAnswer.json()]).toEqual([200, { ok: true }]);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const expressAnswer = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/things/1`,
    );
    expect([expressAnswer.status, await expressAnswer.json()]).toEqual([200, { ok: true }]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fastify.close();
    // Fastify: exclude threw (so the request is not recorded). Express: userId, then the recorder.
    expect(failures.map((e) => (e as Error).message)).toEqual([
      'exclude exploded',
      'userId exploded',
      'recorder exploded',
    ]);
  });
});
