// Builds the web console (console/) into console/dist with Vite, for the Tally process to serve at
// /console/. Run by `npm run build`, by `npm install` (the `prepare` script), and with
// `--if-needed` by `npm start` and the test suite, which rebuild only when a source is newer than
// the build. The build goes to a fresh folder that replaces console/dist in one rename, under a
// lock, so a server or test reading console/dist never sees it half-written.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const consoleDir = join(root, 'console');
const dist = join(consoleDir, 'dist');
const stamp = join(dist, '.build-stamp');
const lock = join(root, '.console-build-lock');
const STALE_LOCK_MS = 5 * 60 * 1000;

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const sources = () =>
  Math.max(
    newestMtime(join(consoleDir, 'src')),
    newestMtime(join(consoleDir, 'public')),
    newestMtime(join(consoleDir, 'index.html')),
    newestMtime(join(consoleDir, 'vite.config.ts')),
    newestMtime(join(root, 'package-lock.json')),
  );
const stale = () => !existsSync(stamp) || sources() > statSync(stamp).mtimeMs;

function acquireLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

async function build() {
  let viteBuild;
  try {
    ({ build: viteBuild } = await import('vite'));
  } catch {
    // An install without dev dependencies (npm install --omit=dev) has no Vite: the service runs,
    // and /console/ answers 404 until the console is built where Vite is installed.
    process.stderr.write(
      'tally: Vite is not installed (dev dependencies omitted): the web console is not built\n',
    );
    return;
  }
  const next = join(consoleDir, `.dist-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  await viteBuild({ configFile: join(consoleDir, 'vite.config.ts'), build: { outDir: next } });
  writeFileSync(join(next, '.build-stamp'), new Date().toISOString());
  const old = join(consoleDir, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}

const ifNeeded = process.argv.includes('--if-needed');
if (!ifNeeded || stale()) {
  acquireLock();
  try {
    if (!ifNeeded || stale()) {
      if (ifNeeded)
        process.stderr.write('tally: building the web console (first start or sources changed)…\n');
      await build();
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
