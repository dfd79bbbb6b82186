// The built console (console/dist, made by `npm install` and `npm run build`): small enough to load
// quickly (issue 15: under 150 KB of JavaScript gzipped), and nothing in it is inline or from
// elsewhere, so the strict Content-Security-Policy the server sends holds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../src/console/routes.js';

const files = readdirSync(CONSOLE_DIST, { recursive: true, encoding: 'utf8' });

it('ships under 150 KB of JavaScript, gzipped', () => {
  const scripts = files.filter((name) => name.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  const gzipped = scripts.reduce(
    (sum, name) => sum + gzipSync(readFileSync(join(CONSOLE_DIST, name))).length,
    0,
  );
  expect(gzipped).toBeLessThan(150 * 1024);
});

it('loads nothing inline and nothing from another origin', () => {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  for (const name of files.filter((n) => /\.(html|js|css)$/.test(n))) {
    const text = readFileSync(join(CONSOLE_DIST, name), 'utf8');
    // No stylesheet, font or script is fetched from elsewhere (data: URLs are refused by the CSP too).
    expect(text, name).not.toMatch(/@import|url\((["']?)(https?:|\/\/|data:)/);
    expect(text, name).not.toMatch(/<script[^>]+src="(https?:)?\/\//);
  }
});
