// An embedded (PGlite) data folder is opened by one process at a time: two PGlite instances on one
// folder each keep their own buffers and WAL position, and the folder ends up unusable. The
// holder is named in a lock file beside the folder (`<folder>.lock`), created atomically (written
// under a temporary name, then hard-linked into place, which fails if the lock exists), holding
// the pid, the process's start identity and, once it serves, its control socket.
//
// A lock whose process is gone, or whose pid now belongs to another process (the start identity
// differs: Linux's boot id and /proc/<pid>/stat start time), is stale and taken over. The lock is
// removed at close and, failing that, when the process exits; only SIGKILL leaves one behind.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface LockHolder {
  pid: number;
  /** `<boot id>:<start time in clock ticks>` on Linux, null where it cannot be read cheaply. */
  start: string | null;
  /** What the holder runs, e.g. "serve" or "demo --events 2000". */
  command: string;
  /** The control socket of a serving holder (src/control), null until it listens. */
  socket: string | null;
  since: string;
}

export class DataFolderBusyError extends Error {
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the data folder ${folder} is in use by process ${holder.pid} (tally ${holder.command}` +
        `${holder.socket === null ? '' : ', serving'}, since ${holder.since}); ` +
        'only one process may open an embedded database: wait for it to finish or stop it',
    );
    this.name = 'DataFolderBusyError';
  }
}

/** The lock file of a PGlite data folder. */
export function lockPathOf(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

/** Locks this process holds, so a same-pid lock is told apart from one of an earlier process. */
const heldHere = new Set<string>();
let exitHookInstalled = false;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The start identity of a process, or null when it cannot be read (not Linux, or gone). */
export function processStart(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Fields after the command name (which may hold spaces and parentheses) start at field 3;
  // the start time is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = fields[19];
  if (startTicks === undefined) return null;
  const boot = readText('/proc/sys/kernel/random/boot_id')?.trim() ?? '';
  return `${boot}:${startTicks}`;
}

function parseHolder(text: string | null): LockHolder | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as LockHolder;
    return Number.isInteger(value.pid) && value.pid > 0 ? value : null;
  } catch {
    return null;
  }
}

/** The live holder of a data folder's lock, or null when it is free or stale. */
export function liveHolder(dataDir: string): LockHolder | null {
  const path = lockPathOf(dataDir);
  const holder = parseHolder(readText(path));
  return holder !== null && isAlive(holder, path) ? holder : null;
}

function isAlive(holder: LockHolder, path: string): boolean {
  // Our own pid: either we hold it, or an earlier process had our pid (a container restart).
  if (holder.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user; it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.start === null) return true;
  const now = processStart(holder.pid);
  return now === null || now === holder.start;
}

function writeAtomically(path: string, holder: LockHolder, install: (temp: string) => void): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  try {
    install(temp);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // renamed into place
    }
  }
}

export class DataFolderLock {
  private constructor(
    readonly path: string,
    private holder: LockHolder,
  ) {}

  /** Takes the lock of `dataDir`, or throws DataFolderBusyError naming the live holder. */
  static acquire(dataDir: string): DataFolderLock {
    const path = lockPathOf(dataDir);
    const holder: LockHolder = {
      pid: process.pid,
      start: processStart(process.pid),
      command: process.argv.slice(2).join(' ').slice(0, 200) || 'node',
      socket: null,
      since: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      try {
        writeAtomically(path, holder, (temp) => linkSync(temp, path));
        heldHere.add(path);
        if (!exitHookInstalled) {
          exitHookInstalled = true;
          process.on('exit', () => {
            for (const held of heldHere) removeIfOurs(held);
          });
        }
        return new DataFolderLock(path, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = readText(path);
      const current = parseHolder(text);
      if (current !== null && isAlive(current, path))
        throw new DataFolderBusyError(resolve(dataDir), current);
      // Stale (or unreadable, which the atomic write never leaves): remove it unless it changed
      // since we read it (another process taking it over first), then try again.
      if (text !== null && readText(path) === text) {
        try {
          unlinkSync(path);
        } catch {
          // removed by a competitor
        }
      }
    }
    throw new Error(`could not take the lock ${path}`);
  }

  /** Publishes the control socket of the serving holder (replacing the file atomically). */
  publishSocket(socket: string | null): void {
    this.holder = { ...this.holder, socket };
    writeAtomically(this.path, this.holder, (temp) => renameSync(temp, this.path));
  }

  release(): void {
    if (!heldHere.delete(this.path)) return;
    removeIfOurs(this.path);
  }
}

function removeIfOurs(path: string): void {
  const holder = parseHolder(readText(path));
  if (holder?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
