// The compiled `tally` command as a separate process (as a second terminal runs it), with what it
// printed and its exit code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `tally <args>` (dist/, see buildService) with only `env` and PATH as its environment. */
export function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}
