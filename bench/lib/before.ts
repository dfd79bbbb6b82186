// `--before REV`: the same run measures the service as it was at REV beside the service as it is,
// so every row of the results file has its before and after from one run, on one dataset, under
// one machine load (issue #16: "publish the before and after of every row in one results file").
// REV's sources are exported with `git archive` into <tmpdir>/tally-bench-before-<commit> (outside the
// checkout, where no tool of this one picks them up) and compiled there with this checkout's node_modules; both services then run against the same
// database, on neighbouring ports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BeforeBuild {
  /** The revision as given, and the commit it names. */
  ref: string;
  commit: string;
  /** Where its compiled service lives (run `dist/cli/main.js` from here). */
  dir: string;
}

const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

export function buildBefore(ref: string): BeforeBuild {
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = join(tmpdir(), `tally-bench-before-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, 'dist/cli/main.js'))) return { ref, commit, dir };
  process.stderr.write(`bench: building the service at ${ref} (${commit.slice(0, 12)}) in ${dir}…\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Through the shell: the archive is larger than a child's output buffer.
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'archive', commit, dir]);
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return { ref, commit, dir };
}
