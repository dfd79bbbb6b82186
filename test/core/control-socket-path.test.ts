// The control socket's path (issue 12, item 1): in the data folder, unless that path is too long
// for a Unix socket (sun_path: 108 bytes on Linux, 104 on macOS); then a private directory in the
// system's temporary folder.
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { controlSocketPath } from '../../src/control/control-server.js';

it('keeps the socket in the data folder when its path is short enough', () => {
  expect(controlSocketPath('/srv/tally/data')).toEqual({
    path: '/srv/tally/data/tally.sock',
    privateDir: null,
  });
  expect(controlSocketPath('./data').path).toBe(resolve('data', 'tally.sock'));
});

it('moves it to a private temporary directory when the data folder path is long', () => {
  const long = join('/srv', 'a'.repeat(120));
  const chosen = controlSocketPath(long);
  try {
    expect(chosen.privateDir).not.toBeNull();
    expect(chosen.path).toBe(join(chosen.privateDir!, 'tally.sock'));
    expect(chosen.path.startsWith(join(tmpdir(), 'tally-')) || chosen.path.startsWith('/tmp/tally-')).toBe(
      true,
    );
    expect(Buffer.byteLength(chosen.path)).toBeLessThanOrEqual(100);
    expect(statSync(chosen.privateDir!).mode & 0o777).toBe(0o700);
  } finally {
    if (chosen.privateDir) rmSync(chosen.privateDir, { recursive: true, force: true });
  }
});
