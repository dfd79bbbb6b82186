// The service under test: the compiled `tally serve`, spawned as its own process so that its
// memory can be read from /proc and the load generator's work is not counted as the server's.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunningServer {
  pid: number;
  baseUrl: string;
  /** Largest VmRSS seen by the sampler since the last `resetPeak()`, in bytes. */
  sampledPeak(): number;
  resetPeak(): void;
  /** Peak resident set of the whole process life (VmHWM, or a larger sample), in bytes. */
  lifetimePeak(): number;
  /** How the service ended, when it has ended ("signal SIGKILL", "code 1"); null while running. */
  exited(): string | null;
  stop(): Promise<void>;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function waitReady(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the service exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the service was not ready within ${timeoutMs} ms`);
}

/**
 * The node flags `npm start` gives the service (package.json's start script: the heap's limits), so
 * the benchmark measures the process users run; a `--before` build's own, from its checkout (`dir`).
 */
export function startFlags(dir = '.'): string[] {
  const scripts = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;
  const match = /\bnode ((?:--\S+ )*)dist\/cli\/main\.js serve\b/.exec(scripts.start ?? '');
  if (!match)
    throw new Error('package.json: the start script no longer runs `node … dist/cli/main.js serve`');
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

export async function startServer(options: {
  databaseUrl: string;
  secretKey: string;
  port: number;
  adminToken?: string;
  profileDir?: string | null;
  env?: Record<string, string>;
  /** Where the compiled service is (`dist/cli/main.js` below it); this checkout by default. */
  cwd?: string;
  /** The script and its arguments: `tally serve` unless given (the service floor, say). */
  entry?: string[];
}): Promise<RunningServer> {
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...startFlags(options.cwd), ...profile, ...(options.entry ?? ['dist/cli/main.js', 'serve'])],
    {
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        TALLY_SECRET_KEY: options.secretKey,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // The benchmark measures capacity, not the per-token rate limiter (docs/overload.md).
        TALLY_RATE_LIMIT_RPS: '0',
        ...(options.adminToken ? { TALLY_ADMIN_TOKEN: options.adminToken } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the service');
  let exit: string | null = null;
  child.once('exit', (code, signal) => {
    exit = signal ? `signal ${signal}` : `code ${code}`;
    if (!stopping) process.stderr.write(`bench: the service (pid ${pid}) exited unexpectedly (${exit})\n`);
  });
  let stopping = false;
  const baseUrl = `http://127.0.0.1:${options.port}`;
  await waitReady(baseUrl, child, 60_000);

  let peak = 0;
  let runPeak = 0;
  const sample = () => {
    try {
      const rss = statusField(pid, 'VmRSS');
      peak = Math.max(peak, rss);
      runPeak = Math.max(runPeak, rss);
    } catch {
      // the process is gone
    }
  };
  sample();
  const sampler = setInterval(sample, 50);
  sampler.unref();

  return {
    pid,
    baseUrl,
    sampledPeak: () => {
      sample();
      return peak;
    },
    resetPeak: () => {
      peak = 0;
      sample();
    },
    // The kernel updates VmHWM lazily, so a sample can exceed it: the larger of the two.
    lifetimePeak: () => {
      sample();
      try {
        return Math.max(runPeak, statusField(pid, 'VmHWM'));
      } catch {
        return runPeak; // the process is gone: the sampled peak is all there is
      }
    },
    exited: () => exit,
    stop: async () => {
      stopping = true;
      clearInterval(sampler);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 35_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
