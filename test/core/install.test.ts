// A fresh clone installs with `npm ci` on every platform and on the supported Node versions.
// `npm ci` refuses a lockfile that lacks a package some locked package lists as optional (the
// other platforms' rollup and esbuild binaries): a lockfile written after a partial install did,
// and every clean clone failed to install.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
};

/** Where Node would find `name` from the package installed at `path` (walking up node_modules). */
function resolves(path: string, name: string): boolean {
  let dir = path;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (Object.hasOwn(lock.packages, candidate)) return true;
    if (!dir) return false;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
}

describe('install', () => {
  it("locks every package's optional dependencies, for every platform", () => {
    const missing: string[] = [];
    for (const [path, locked] of Object.entries(lock.packages)) {
      for (const name of Object.keys(locked.optionalDependencies ?? {})) {
        if (!resolves(path, name)) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
    // The check itself reaches the packages that broke `npm ci` before.
    expect(resolves('node_modules/rollup', '@rollup/rollup-darwin-arm64')).toBe(true);
    expect(resolves('node_modules/rollup', '@rollup/rollup-not-a-platform')).toBe(false);
  });

  it('supports Node 22 and 24 and runs the suite on one of them', () => {
    expect(manifest.engines.node).toBe('^22.12.0 || >=24.0.0');
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
  });
});
