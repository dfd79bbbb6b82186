// The embedded data folder's lock (issue 12, item 1): one holder at a time; a lock left by a dead
// process, or by a pid now reused by another process, is taken over; a live holder is named.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DataFolderBusyError,
  DataFolderLock,
  type LockHolder,
  liveHolder,
  lockPathOf,
  processStart,
} from '../../src/db/data-dir-lock.js';

let root: string;
let folder: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tally-lock-'));
  folder = join(root, 'pglite');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function plant(holder: Partial<LockHolder> & { pid: number }): void {
  const full: LockHolder = {
    start: null,
    command: 'demo',
    socket: null,
    since: '2026-01-01T00:00:00.000Z',
    ...holder,
  };
  writeFileSync(lockPathOf(folder), JSON.stringify(full));
}

function holderOnDisk(): LockHolder {
  return JSON.parse(readFileSync(lockPathOf(folder), 'utf8')) as LockHolder;
}

it('admits one holder, names it to the next, and is gone once released', () => {
  const lock = DataFolderLock.acquire(folder);
  expect(statSync(lockPathOf(folder)).mode & 0o777).toBe(0o600);
  expect(holderOnDisk()).toMatchObject({ pid: process.pid, start: processStart(process.pid), socket: null });
  expect(liveHolder(folder)?.pid).toBe(process.pid);
  // Even this very process may not open the folder twice.
  expect(() => DataFolderLock.acquire(folder)).toThrow(DataFolderBusyError);
  lock.publishSocket('/tmp/x.sock');
  expect(holderOnDisk().socket).toBe('/tmp/x.sock');
  lock.release();
  expect(existsSync(lockPathOf(folder))).toBe(false);
  expect(liveHolder(folder)).toBeNull();
});

it('takes over the lock of a process that is gone', () => {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  plant({ pid: Number(gone.stdout.toString()) });
  expect(liveHolder(folder)).toBeNull();
  const lock = DataFolderLock.acquire(folder);
  expect(holderOnDisk().pid).toBe(process.pid);
  lock.release();
});

// The start identity is read from /proc: elsewhere a live pid is trusted as the holder.
it.runIf(process.platform === 'linux')(
  'takes over a lock whose pid now belongs to another process, or to this one',
  () => {
    // process.ppid is alive, but started at another time than the holder recorded.
    plant({ pid: process.ppid, start: 'another-boot:1' });
    const reused = DataFolderLock.acquire(folder);
    reused.release();
    // Our own pid, not held by us: an earlier process that had this pid (a container restart).
    plant({ pid: process.pid, start: processStart(process.pid) });
    const restarted = DataFolderLock.acquire(folder);
    expect(holderOnDisk().since).not.toBe('2026-01-01T00:00:00.000Z');
    restarted.release();
  },
);

it('refuses a live holder and names it, leaving its lock alone', () => {
  plant({ pid: process.ppid, start: processStart(process.ppid), command: 'demo --events 20000' });
  let refused: unknown = null;
  try {
    DataFolderLock.acquire(folder);
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(DataFolderBusyError);
  expect((refused as Error).message).toBe(
    `the data folder ${folder} is in use by process ${process.ppid} (tally demo --events 20000, since ` +
      '2026-01-01T00:00:00.000Z); only one process may open an embedded database: wait for it to finish or stop it',
  );
  expect(holderOnDisk().pid).toBe(process.ppid);
  rmSync(lockPathOf(folder));
});
