// A private PostgreSQL 15 instance for tests that crash the database: the machine's shared server
// serves every other test file at the same time, so it is never stopped. The instance lives in a
// temporary directory owned by the `postgres` user (PostgreSQL refuses to run as root), listens on
// 127.0.0.1 only, on a free port, with fsync on, and is crashed with `pg_ctl stop -m immediate`.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

async function asPostgres(command: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], {
    timeout: 60_000,
  });
  return stdout;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Creates the cluster (initdb) and starts it. */
  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'tally-private-pg-'));
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
    const instance = new PrivatePostgres(dir, await freePort());
    try {
      await asPostgres('initdb', [
        '-D',
        instance.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      await instance.start();
      return instance;
    } catch (error) {
      await instance.destroy();
      throw error;
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and waits until it accepts connections (after crash recovery, if any). */
  async start(): Promise<void> {
    const options = [
      `-c port=${this.port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${this.dir}'`,
      '-c fsync=on',
      '-c shared_buffers=32MB',
      '-c max_connections=40',
    ].join(' ');
    await asPostgres('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** A crash: every backend is killed at once, no checkpoint; the next start replays the WAL. */
  async crash(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  log(): string {
    const path = join(this.dir, 'server.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** Stops the server whatever state it is in and removes its directory. Safe to call twice. */
  async destroy(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    // If pg_ctl could not stop it, kill the postmaster named in its pid file (ours alone).
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
