// The layering the architecture review asked for (issue 13), held by reading the sources: http/
// never imports a surface (each surface registers its prefix and error dialect when installed),
// the ledger never names where a request carried a field (the surface says), and access is
// decided in src/access alone (routes declare, src/access/authorize.ts decides).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({
      path: relative(SRC, join(SRC, dir, name)),
      text: readFileSync(join(SRC, dir, name), 'utf8'),
    }));
}

/** `path: line` for each line of `files` matching `pattern`. */
function matching(files: { path: string; text: string }[], pattern: RegExp): string[] {
  return files.flatMap(({ path, text }) =>
    text
      .split('\n')
      .filter((line) => pattern.test(line))
      .map((line) => `${path}: ${line.trim()}`),
  );
}

describe('layers', () => {
  it('http/ imports no surface', () => {
    expect(matching(sources('http'), /from '.*surfaces\//)).toEqual([]);
  });

  it('the ledger names no request location in its errors', () => {
    expect(matching(sources('ledger'), /\blocation:/)).toEqual([]);
  });

  it('only src/access turns standing, roles and abilities into decisions', () => {
    const outside = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'access')
      .flatMap((entry) => sources(entry.name));
    expect(
      matching(outside, /from '.*access\/(standing|authorize)\.js'|\b(hasAbility|orgStanding|forbidden)\(/),
    ).toEqual([
      "auth/permissions.ts: export function hasAbility(abilities: ReadonlySet<string>, ability: Exclude<Ability, '*'>): boolean {",
    ]);
  });
});
