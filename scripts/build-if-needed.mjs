// Compiles src/ to dist/ when dist/ is missing or older than any source file, so that
// `npm start` on a fresh clone serves compiled JavaScript without a dev-only transpiler.
// Concurrent callers (two test workers, a CLI started during `npm start`) take a lock, so only
// one compiles and none runs a half-written dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// tsc emits only what changed, so a stamp written after each build marks the build's time.
const marker = join(root, 'dist', '.build-stamp');
const lock = join(root, '.build-lock');
const STALE_LOCK_MS = 5 * 60 * 1000;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const stale = () => !existsSync(marker) || newestMtime(join(root, 'src')) > statSync(marker).mtimeMs;

function acquireLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock left behind by a killed build is taken over after a while.
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

if (stale()) {
  acquireLock();
  try {
    // Someone else may have built while we waited.
    if (stale()) {
      process.stderr.write('tally: compiling TypeScript (first start or sources changed)…\n');
      execFileSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        { cwd: root, stdio: 'inherit' },
      );
      writeFileSync(marker, new Date().toISOString());
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// The web console too (scripts/build-console.mjs): normally built by `npm install`, rebuilt here
// when its sources changed, so `npm start` always serves the current one.
execFileSync(process.execPath, [join(root, 'scripts', 'build-console.mjs'), '--if-needed'], {
  cwd: root,
  stdio: 'inherit',
});
