// `npm run bench:sdk`: what @tally/sdk's request-recording middleware costs a host app. A
// hello-world route on Fastify 5 and on Express 5, each served by four app processes: without
// the middleware; with a no-op middleware (the framework hook and the event built, handed to a
// recorder that does nothing: the floor of any recording middleware); with the SDK sending to a
// stub answering 200 at once; and with the SDK sending to a live Tally on PGlite. All are measured
// side by side in one run, in rounds that alternate between them so drift hits all alike.
//
// Budget (issue 14): at most 50 µs added at p50 and at most 10% of throughput lost. On a small
// machine the app, the load generator and Tally share the cores, so unless BENCH_SDK_PIN=0 every
// app process (all its threads: zlib's pool too) is pinned to CPU 0 and the rest (this process:
// load generator and stub; Tally) to CPU 1: the app's figures are then its own core's work.
// "Throughput lost" is measured twice: requests/s as served (which the other core can limit: the
// live Tally's ingestion shares it with the load generator), and the app core's capacity,
// 1 / (app CPU per request), with the recorder's CPU counted until its queue is empty.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TallyRecorder, type TallyRecorderOptions, tallyExpress, tallyFastify } from '@tally/sdk';
import express from 'express';
import Fastify from 'fastify';
import { rawLoad } from './lib/raw-load.js';

type Framework = 'fastify' | 'express';
type Variant = 'plain' | 'noop' | 'sink' | 'sdk';
const VARIANTS: Variant[] = ['plain', 'noop', 'sink', 'sdk'];
const LABEL: Record<Variant, string> = {
  plain: 'without',
  noop: 'no-op middleware (floor)',
  sink: '@tally/sdk → 200 stub',
  sdk: '@tally/sdk → live Tally',
};

const ADMIN = 'tly_admin_bench-sdk-admin-token-0123456789';
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_SDK_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_SDK_CONCURRENCY ?? 16);
const LATENCY_REQUESTS = Number(process.env.BENCH_SDK_LATENCY_REQUESTS ?? 3_000);
/** Requests each of the loaded phase's sockets writes at once (see bench/lib/raw-load.ts). */
const PIPELINE = Number(process.env.BENCH_SDK_PIPELINE ?? 8);
const PIN = process.env.BENCH_SDK_PIN !== '0' && cpus().length >= 2 && hasTaskset();
const APP_CPU = '0';
const REST_CPU = '1';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasNice(): boolean {
  try {
    execFileSync('nice', ['-n', '19', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins a process and every thread it has (those it starts later inherit it). */
function pin(pid: number, cpu: string): void {
  if (PIN) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

const TICK_MS = 10; // USER_HZ 100

/** utime + stime in ms of a process (tid undefined) or of one of its threads. */
function cpuMs(pid: number, tid?: number): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

// ---- the app processes -------------------------------------------------------------------------

async function serve(framework: Framework, variant: Variant): Promise<void> {
  let dropped = 0;
  const recorderOptions: TallyRecorderOptions = {
    baseUrl: variant === 'sink' ? process.env.SINK_URL! : process.env.TALLY_URL!,
    token: process.env.TALLY_TOKEN!,
    source: `bench/${framework}`,
    // Tally on the other core ingests more slowly than the app serves (~75 µs of CPU per event):
    // room for a whole round, so a backlog is sent late (and its CPU counted) rather than dropped.
    maxQueueEvents: 1_000_000,
    maxQueueBytes: 1024 * 1024 * 1024,
    onError: (error) => {
      if (error.kind === 'overflow') dropped += 1;
      else process.stderr.write(`tally: ${error.message}\n`);
    },
  };
  const recorder = variant === 'sdk' || variant === 'sink' ? new TallyRecorder(recorderOptions) : null;
  const noop = { record: () => Promise.resolve(true) };
  const options =
    variant === 'plain'
      ? null
      : {
          recorder: recorder ?? noop,
          userId: () => 'bench-user',
          workspaceId: () => process.env.TALLY_WORKSPACE!,
          appId: () => framework,
        };
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
  process.on('message', async (message) => {
    if (message === 'flush') {
      await recorder?.flush();
      process.send!('flushed');
    } else if (message === 'stop') {
      await close();
      await recorder?.close();
      process.send!({ stats: recorder ? { ...recorder.stats, overflow: dropped } : null }, () =>
        process.exit(0),
      );
    }
  });
}

// ---- the middleware and recorder alone ---------------------------------------------------------

/**
 * The SDK's own cost per request without any HTTP server around it: the Express middleware called
 * with a minimal request and response, the response finished, over and over, the recorder sending
 * real batches to the stub (`recorder`) or a recorder that does nothing (`noop`). The event loop
 * is let run every 64 requests, as a server would. Much less noisy than the served figures.
 */
async function isolated(variant: 'noop' | 'recorder'): Promise<void> {
  const { EventEmitter } = await import('node:events');
  const recorder =
    variant === 'recorder'
      ? new TallyRecorder({
          baseUrl: process.env.SINK_URL!,
          token: 't',
          source: 'bench/isolated',
          maxQueueEvents: 1_000_000,
          maxQueueBytes: 1024 * 1024 * 1024,
        })
      : { record: () => Promise.resolve(true) };
  const middleware = tallyExpress({
    recorder,
    userId: () => 'bench-user',
    workspaceId: () => 'w1',
    appId: () => 'isolated',
  });
  const next = () => {};
  const run = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      const response = Object.assign(new EventEmitter(), { statusCode: 200 });
      const request = {
        method: 'GET',
        path: `/hello/n${i % 100}`,
        baseUrl: '',
        route: { path: '/hello/:name' },
        params: { name: `n${i % 100}` },
        headers: {},
      };
      middleware(request, response, next);
      response.emit('finish');
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    if (recorder instanceof TallyRecorder) await recorder.flush();
  };
  await run(50_000);
  const results: { process: number; main: number }[] = [];
  for (let round = 0; round < 5; round += 1) {
    const count = 200_000;
    const cpu = process.cpuUsage();
    const main = process.threadCpuUsage();
    await run(count);
    const c = process.cpuUsage(cpu);
    const m = process.threadCpuUsage(main);
    results.push({ process: (c.user + c.system) / count, main: (m.user + m.system) / count });
  }
  if (recorder instanceof TallyRecorder) await recorder.close();
  process.send!({ results }, () => process.exit(0));
}

async function measureIsolated(variant: 'noop' | 'recorder', env: Record<string, string>) {
  const child = fork(import.meta.filename, ['--isolated', variant], { env: { ...process.env, ...env } });
  pin(child.pid!, APP_CPU);
  return new Promise<{ process: number; main: number }[]>((resolve, reject) => {
    child.once('message', (message) =>
      resolve((message as { results: { process: number; main: number }[] }).results),
    );
    child.once('exit', (code) => reject(new Error(`the isolated ${variant} run exited with ${code}`)));
  });
}

// ---- the parent: Tally, the apps, the load ------------------------------------------------------

interface Round {
  rps: number;
  p50: number;
  p99: number;
  /** p50 of one request at a time (µs). */
  idleP50Us: number;
  /** CPU µs per request: the app process (all threads), its main thread, Tally, the load generator. */
  appCpu: number;
  mainCpu: number;
  tallyCpu: number;
  genCpu: number;
  /** How busy the app's core was during the loaded phase (1: the app was the bottleneck). */
  appBusy: number;
}

interface App {
  framework: Framework;
  variant: Variant;
  child: ChildProcess;
  port: number;
  rounds: Round[];
}

async function startTally(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-sdk-'));
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  // Niced: on the core it shares with the load generator, Tally ingests when the generator waits,
  // so it does not slow the generator down (which would lower the app's served rate, not its
  // cost). Its backlog is what the recorders' flush after each round waits for.
  const command = PIN && hasNice() ? 'nice' : process.execPath;
  const args = ['dist/cli/main.js', 'serve'];
  const child = spawn(command, command === 'nice' ? ['-n', '19', process.execPath, ...args] : args, {
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
  // A Tally that dies mid-run would leave the recorders retrying (and the run waiting) forever.
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`Tally exited (code ${code}, signal ${signal}) during the run\n`);
      process.exit(1);
    }
  });
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
  pin(child.pid!, APP_CPU);
  return { framework, variant, child, port, rounds: [] };
}

function ask(app: App, message: string): Promise<unknown> {
  return new Promise((resolve) => {
    app.child.once('message', resolve);
    app.child.send(message);
  });
}

let stopping = false;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
const spread = (values: number[], digits = 1) =>
  `${Math.min(...values).toFixed(digits)}…${Math.max(...values).toFixed(digits)}`;

async function measureRound(app: App, tallyPid: number, path: (i: number) => string, warmup: number) {
  const pid = app.child.pid!;
  await rawLoad({ port: app.port, concurrency: CONCURRENCY, pipeline: PIPELINE, requests: warmup, path });
  await ask(app, 'flush');
  // One request at a time: the latency a request sees on an idle app.
  const idle = await rawLoad({ port: app.port, concurrency: 1, requests: LATENCY_REQUESTS, path });
  await ask(app, 'flush');
  const before = { app: cpuMs(pid), main: cpuMs(pid, pid), tally: cpuMs(tallyPid), gen: process.cpuUsage() };
  const load = await rawLoad({
    port: app.port,
    concurrency: CONCURRENCY,
    pipeline: PIPELINE,
    requests: REQUESTS,
    path,
  });
  const gen = process.cpuUsage(before.gen);
  const busy = cpuMs(pid) - before.app;
  // The recorder's work is the app's too, even when it finishes after the last answer.
  await ask(app, 'flush');
  const per = (after: number, start: number) => ((after - start) * 1000) / load.requests;
  const round: Round = {
    rps: load.requestsPerSecond,
    p50: load.p50Ms,
    p99: load.p99Ms,
    idleP50Us: idle.p50Ms * 1000,
    appCpu: per(cpuMs(pid), before.app),
    mainCpu: per(cpuMs(pid, pid), before.main),
    tallyCpu: per(cpuMs(tallyPid), before.tally),
    genCpu: (gen.user + gen.system) / load.requests,
    appBusy: busy / (load.seconds * 1000),
  };
  const bad = Object.keys(load.statuses).filter((status) => status !== '200');
  if (bad.length > 0)
    throw new Error(`${app.framework}/${app.variant} answered ${JSON.stringify(load.statuses)}`);
  return round;
}

async function main(): Promise<void> {
  // This process (load generator, stub) and Tally on one core; the apps get the other.
  pin(process.pid, REST_CPU);
  const loadBefore = loadavg();
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
    // The middleware and recorder alone, before the servers start (so nothing else runs).
    const alone = {
      noop: await measureIsolated('noop', env),
      recorder: await measureIsolated('recorder', env),
    };
    const apps: App[] = [];
    for (const framework of ['fastify', 'express'] as const) {
      for (const variant of VARIANTS) apps.push(await startApp(framework, variant, env));
    }
    let sent = 0;
    const path = () => `/hello/n${sent++ % 100}`;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const app of apps) {
        const r = await measureRound(app, tally.child.pid!, path, round === 0 ? 5_000 : 1_000);
        app.rounds.push(r);
        process.stderr.write(
          `round ${round + 1} ${app.framework}/${app.variant}: ${r.rps} req/s, p50 ${r.p50} ms, idle p50 ${r.idleP50Us.toFixed(0)} µs, app CPU ${r.appCpu.toFixed(1)} µs/req (main thread ${r.mainCpu.toFixed(1)}), app core busy ${(r.appBusy * 100).toFixed(0)}%, generator ${r.genCpu.toFixed(1)} µs/req\n`,
        );
      }
    }
    const recorded: Record<string, unknown> = {};
    for (const app of apps) {
      const answer = (await ask(app, 'stop')) as { stats: unknown };
      if (app.variant === 'sdk') recorded[app.framework] = answer.stats;
    }
    sink.close();
    const loadAfter = loadavg();

    const lines = [
      `SDK middleware overhead: ${ROUNDS} alternating rounds; each: ${LATENCY_REQUESTS} GET /hello/:name one at a time (idle p50), then ${REQUESTS} over ${CONCURRENCY} keep-alive connections, ${PIPELINE} pipelined per connection (the rest). Medians of the rounds.`,
      PIN
        ? `Apps pinned to CPU ${APP_CPU}; load generator, stub and Tally to CPU ${REST_CPU}.`
        : 'Not pinned: the apps, the load generator and Tally share every core.',
      `Load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (other work on the machine makes the figures noisy).`,
      '',
      '| framework | variant | idle p50 µs | p50 ms | p99 ms | req/s | app core busy | app CPU µs/req | main thread µs/req | capacity req/s | Tally CPU µs/req |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    const verdicts: string[] = [];
    for (const framework of ['fastify', 'express'] as const) {
      const of = (variant: Variant) => apps.find((a) => a.framework === framework && a.variant === variant)!;
      for (const variant of VARIANTS) {
        const rounds = of(variant).rounds;
        const m = (pick: (r: Round) => number) => median(rounds.map(pick));
        lines.push(
          `| ${framework} | ${LABEL[variant]} | ${m((r) => r.idleP50Us).toFixed(0)} | ${m((r) => r.p50)} | ${m((r) => r.p99)} | ${m((r) => r.rps)} | ${(m((r) => r.appBusy) * 100).toFixed(0)}% | ${m((r) => r.appCpu).toFixed(1)} | ${m((r) => r.mainCpu).toFixed(1)} | ${Math.round(1e6 / m((r) => r.appCpu))} | ${variant === 'plain' || variant === 'noop' ? '–' : m((r) => r.tallyCpu).toFixed(1)} |`,
        );
      }
      const plain = of('plain').rounds;
      for (const variant of ['noop', 'sink', 'sdk'] as const) {
        const rounds = of(variant).rounds;
        // Paired by round: each round's variant against the same round's app without middleware.
        const addedUs = rounds.map((r, i) => r.idleP50Us - plain[i]!.idleP50Us);
        const lostServed = rounds.map((r, i) => (1 - r.rps / plain[i]!.rps) * 100);
        const lostCapacity = rounds.map((r, i) => (1 - plain[i]!.appCpu / r.appCpu) * 100);
        const addedCpu = rounds.map((r, i) => r.appCpu - plain[i]!.appCpu);
        verdicts.push(
          `${framework} ${LABEL[variant]}: idle p50 ${signed(median(addedUs), 0)} µs (budget +50; rounds ${spread(addedUs, 0)}), ` +
            `app core capacity lost ${median(lostCapacity).toFixed(1)}% (budget 10%; rounds ${spread(lostCapacity)}), ` +
            `served req/s lost ${median(lostServed).toFixed(1)}% (rounds ${spread(lostServed)}), ` +
            `app CPU ${signed(median(addedCpu), 1)} µs/req (rounds ${spread(addedCpu)})`,
        );
      }
    }
    const isolatedLine = (name: string, rounds: { process: number; main: number }[]) =>
      `${name}: ${median(rounds.map((r) => r.process)).toFixed(2)} µs of CPU per request (process; rounds ${spread(
        rounds.map((r) => r.process),
        2,
      )}), ${median(rounds.map((r) => r.main)).toFixed(2)} µs on the event loop's thread (rounds ${spread(
        rounds.map((r) => r.main),
        2,
      )})`;
    lines.push(
      '',
      ...verdicts,
      '',
      'The Express middleware and the recorder alone (no server; 5 rounds of 200,000 requests, pinned like the apps):',
      isolatedLine('- no-op recorder (the middleware building the event)', alone.noop),
      isolatedLine('- TallyRecorder sending to the stub (gzip and HTTP included)', alone.recorder),
      '',
      `live-Tally recorders at close: ${JSON.stringify(recorded)}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    stopping = true;
    tally.child.kill('SIGTERM');
    await new Promise((resolve) => tally.child.once('exit', resolve));
    rmSync(tally.dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Framework, process.argv[4] as Variant);
else if (process.argv[2] === '--isolated') await isolated(process.argv[3] as 'noop' | 'recorder');
else await main();
