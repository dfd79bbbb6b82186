// The worker side of the run's secret scan: every app buildTestApp makes logs into one JSON-lines
// file per worker process, and every secret a test creates or sends is registered, so that the
// global teardown can prove no secret reached the logs (see log-scan.ts).
import { appendFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import pino from 'pino';
import { expect, inject } from 'vitest';
import { LOGS_DIR, SECRETS_FILE, type SecretKind } from './log-scan.js';

type Destination = ReturnType<typeof pino.destination>;

let destination: { stream: Destination; path: string } | null = null;

/**
 * This worker's log stream, opened on first use. Buffered and asynchronous (like a production
 * deployment writing to a pipe), so logging every request at trace level costs the suite little;
 * flushRunLog() drains it, and pino flushes it synchronously at process exit.
 */
export function runLogDestination(): Destination {
  if (!destination) {
    // Forked workers run one test file each, so naming the file after it points at the culprit.
    const testPath = expect.getState().testPath;
    const name = `${testPath ? basename(testPath).replace(/\.test\.ts$/, '') : 'worker'}-${process.pid}.jsonl`;
    const path = join(inject('testRunDir'), LOGS_DIR, name);
    destination = {
      stream: pino.destination({ dest: path, sync: false, minLength: 8 * 1024, mkdir: true }),
      path,
    };
  }
  return destination.stream;
}

/** Resolves once everything logged so far is written to the file. */
export function flushRunLog(): Promise<void> {
  const stream = destination?.stream;
  if (!stream) return Promise.resolve();
  return new Promise((resolve, reject) => stream.flush((error) => (error ? reject(error) : resolve())));
}

/** This worker's log lines so far, parsed (for tests that check what operators would see). */
export async function readRunLog(): Promise<Record<string, unknown>[]> {
  await flushRunLog();
  if (!destination) return [];
  return readFileSync(destination.path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const registered = new Set<string>();

/**
 * Adds a secret to the run's list: the teardown fails the run if any log holds it. Workers append
 * concurrently; each line is one small O_APPEND write, so lines never interleave.
 */
export function registerSecret(value: string, kind: SecretKind = 'test secret'): void {
  if (registered.has(value)) return;
  registered.add(value);
  appendFileSync(join(inject('testRunDir'), SECRETS_FILE), `${JSON.stringify({ kind, value })}\n`);
}
