// The compiled service as a real child process, for tests that crash it or its database. It
// listens on a port chosen here, so a restart comes back on the same address (clients keep their
// URL, as they would in front of a real deployment), and its pino lines are kept for inspection.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export const RELIABILITY_ADMIN_TOKEN = 'tly_admin_reliability-admin-token-0123456789';

/** Compiles src/ to dist/ when needed (a lock keeps concurrent test files from racing). */
export function buildService(): void {
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.mjs')], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building the service failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** A port free right now (the kernel's pick), for a service that must come back on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class ServiceProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout!.on('data', (chunk) => {
      this.output += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  /**
   * Starts `tally serve` on `port` with `env` (plus the reliability admin token, no rate limit)
   * and waits until it answers /healthz.
   */
  static async start(port: number, env: Record<string, string>): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'serve'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        TALLY_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        TALLY_RATE_LIMIT_RPS: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the service exited at start:\n${service.output}`);
      const alive = await fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (alive) return service;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`the service did not start within 60 s:\n${service.output}`);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The pino lines it printed (anything else it printed is skipped). */
  logLines(): LogLine[] {
    const lines: LogLine[] = [];
    for (const text of this.output.split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // a line cut by a SIGKILL
      }
    }
    return lines;
  }

  rawOutput(): string {
    return this.output;
  }

  /** SIGKILL: no shutdown hook runs, nothing buffered is flushed. */
  async crash(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and the exit code of the graceful shutdown. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }
}
