// `npm run bench:sdk`: what @tally/sdk's request-recording middleware costs a host app. A
// hello-world route on Fastify 5 and on Express 5, each served twice, by an app without the
// middleware and by one with it (recording every request through a TallyRecorder into a live
// Tally on PGlite), measured side by side in one run: each app is a process of its own (so its
// CPU time is its own), and the rounds alternate between the two so drift hits both alike.
// Budget (issue 14): at most 50 µs added at p50 and at most 10% of throughput lost.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TallyRecorder, tallyExpress, tallyFastify } from '@tally/sdk';
import express from 'express';
import Fastify from 'fastify';
import { processCpuMs } from './lib/cpu.js';
import { measure, type Stats } from './lib/http-load.js';

type Framework = 'fastify' | 'express';
/** `sink`: the middleware sending to a stub that answers 200 at once, to tell its own cost from Tally's. */
type Variant = 'plain' | 'sdk' | 'sink';

const ADMIN = 'tly_admin_bench-sdk-admin-token-0123456789';
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_SDK_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_SDK_CONCURRENCY ?? 16);

// ---- the app processes -------------------------------------------------------------------------

async function serve(framework: Framework, variant: Variant): Promise<void> {
  const recorder =
    variant !== 'plain'
      ? new TallyRecorder({
          baseUrl: variant === 'sink' ? process.env.SINK_URL! : process.env.TALLY_URL!,
          token: process.env.TALLY_TOKEN!,
          source: `bench/${framework}`,
          onError: (error) => process.stderr.write(`tally: ${error.message}\n`),
        })
      : null;
  const options = recorder
    ? {
        recorder,
        userId: () => 'bench-user',
        workspaceId: () => process.env.TALLY_WORKSPACE!,
        appId: () => framework,
      }
    : null;
  let port: number;
  let close: () => Promise<void>;
  if (framework === 'fastify') {
    const app = Fastify();
    if (options) await app.register(tallyFastify, options);
    app.get('/hello/:name', async (request) => ({ hello: (request.params as { name: string }).name }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    close = () => app.close();
  } else {
    const app = express();
    if (options) app.use(tallyExpress(options));
    app.get('/hello/:name', (request, response) => {
      response.json({ hello: request.params.name });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  }
  process.send!({ port });
  process.once('message', async () => {
    await close();
    await recorder?.close();
    process.send!({ stats: recorder?.stats ?? null }, () => process.exit(0));
  });
}

// ---- the parent: Tally, the apps, the load ------------------------------------------------------

interface App {
  framework: Framework;
  variant: Variant;
  child: ChildProcess;
  url: string;
  rounds: (Stats & { cpuUsPerRequest: number; tallyCpuUsPerRequest: number })[];
}

async function startTally(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-sdk-'));
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      TALLY_DATA_DIR: dataDir,
      TALLY_ADMIN_TOKEN: ADMIN,
      TALLY_RATE_LIMIT_RPS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) return { url, child, dataDir };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('Tally did not start');
}

async function admin(url: string, method: string, path: string, body: object) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function startApp(framework: Framework, variant: Variant, env: Record<string, string>): Promise<App> {
  const child = fork(import.meta.filename, ['--serve', framework, variant], {
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${framework}/${variant} exited with ${code}`)));
  });
  return { framework, variant, child, url: `http://127.0.0.1:${port}`, rounds: [] };
}

async function stopApp(app: App): Promise<unknown> {
  const stats = new Promise((resolve) =>
    app.child.once('message', (m) => resolve((m as { stats: unknown }).stats)),
  );
  app.child.send('stop');
  return stats;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const tally = await startTally();
  try {
    await admin(tally.url, 'POST', '/v1/admin/orgs', { id: 'bench', name: 'Bench' });
    await admin(tally.url, 'PUT', '/v1/admin/orgs/bench/users/bench-user', {
      email: 'b@bench.test',
      role: 'owner',
    });
    await admin(tally.url, 'PUT', '/v1/admin/orgs/bench/workspaces/w1', {
      name: 'W',
      owner_user_id: 'bench-user',
    });
    const { token } = await admin(tally.url, 'POST', '/v1/admin/orgs/bench/tokens', {
      name: 'bench',
      abilities: ['ingest', 'read'],
    });
    const sink = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const env = {
      TALLY_URL: tally.url,
      TALLY_TOKEN: String(token),
      TALLY_WORKSPACE: 'w1',
      SINK_URL: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    };
    const apps: App[] = [];
    for (const framework of ['fastify', 'express'] as const) {
      for (const variant of ['plain', 'sdk', 'sink'] as const)
        apps.push(await startApp(framework, variant, env));
    }
    let sent = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const app of apps) {
        let cpuBefore = 0;
        let tallyBefore = 0;
        const stats = await measure({
          baseUrl: app.url,
          concurrency: CONCURRENCY,
          warmup: round === 0 ? 2_000 : 500,
          requests: REQUESTS,
          next: () => ({ path: `/hello/n${sent++ % 100}`, headers: {} }),
          beforeMeasured: async () => {
            cpuBefore = processCpuMs(app.child.pid!) ?? 0;
            tallyBefore = processCpuMs(tally.child.pid!) ?? 0;
          },
          afterMeasured: async () => {
            cpuBefore = (processCpuMs(app.child.pid!) ?? 0) - cpuBefore;
            tallyBefore = (processCpuMs(tally.child.pid!) ?? 0) - tallyBefore;
          },
        });
        app.rounds.push({
          ...stats,
          cpuUsPerRequest: (cpuBefore * 1000) / stats.requests,
          tallyCpuUsPerRequest: (tallyBefore * 1000) / stats.requests,
        });
        process.stderr.write(
          `round ${round + 1} ${app.framework}/${app.variant}: p50 ${stats.p50Ms} ms p99 ${stats.p99Ms} ms ${stats.requestsPerSecond} req/s\n`,
        );
      }
    }
    const recorded: Record<string, unknown> = {};
    for (const app of apps) {
      if (app.variant === 'sdk') recorded[app.framework] = await stopApp(app);
      else await stopApp(app);
    }
    sink.close();

    const lines = [
      `SDK middleware overhead: ${ROUNDS} alternating rounds of ${REQUESTS} GET /hello/:name at concurrency ${CONCURRENCY} (medians of the rounds)`,
      '',
      '| framework | variant | p50 ms | p99 ms | req/s | app CPU µs/req | Tally CPU µs/req |',
      '|---|---|---|---|---|---|---|',
    ];
    const verdicts: string[] = [];
    for (const framework of ['fastify', 'express'] as const) {
      const row = (variant: Variant) => {
        const app = apps.find((a) => a.framework === framework && a.variant === variant)!;
        return {
          p50: median(app.rounds.map((r) => r.p50Ms)),
          p99: median(app.rounds.map((r) => r.p99Ms)),
          rps: median(app.rounds.map((r) => r.requestsPerSecond)),
          cpu: median(app.rounds.map((r) => r.cpuUsPerRequest)),
          tally: median(app.rounds.map((r) => r.tallyCpuUsPerRequest)),
        };
      };
      const plain = row('plain');
      const sdk = row('sdk');
      const sunk = row('sink');
      for (const [variant, r] of [
        ['without', plain],
        ['with @tally/sdk → live Tally', sdk],
        ['with @tally/sdk → 200 stub', sunk],
      ] as const) {
        lines.push(
          `| ${framework} | ${variant} | ${r.p50} | ${r.p99} | ${r.rps} | ${r.cpu.toFixed(1)} | ${r.tally.toFixed(1)} |`,
        );
      }
      const addedUs = Math.round((sdk.p50 - plain.p50) * 1000);
      const lost = (1 - sdk.rps / plain.rps) * 100;
      verdicts.push(
        `${framework} → live Tally: +${addedUs} µs at p50 (budget 50), ${lost.toFixed(1)}% throughput lost (budget 10%), +${(sdk.cpu - plain.cpu).toFixed(1)} µs app CPU per request`,
        `${framework} → 200 stub: +${Math.round((sunk.p50 - plain.p50) * 1000)} µs at p50, ${((1 - sunk.rps / plain.rps) * 100).toFixed(1)}% throughput lost, +${(sunk.cpu - plain.cpu).toFixed(1)} µs app CPU per request`,
      );
    }
    lines.push('', ...verdicts, '', `live-Tally recorders at close: ${JSON.stringify(recorded)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    tally.child.kill('SIGTERM');
    await new Promise((resolve) => tally.child.once('exit', resolve));
    rmSync(tally.dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Framework, process.argv[4] as Variant);
else await main();
