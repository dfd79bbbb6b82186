#!/usr/bin/env node
// The `tally` command: builds on first use (like `npm start`), then runs the compiled CLI.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-if-needed.mjs', import.meta.url))], {
  stdio: 'inherit',
});
await import('../dist/cli/main.js');
