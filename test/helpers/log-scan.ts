// Searches the logs of a test run for every secret the run registered. Runs in the global setup's
// teardown (main process), over files the workers wrote, so it imports nothing from vitest.
// A leak is reported by file, line, secret kind and form, never by printing the secret.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the workers put what the scan reads, inside the run directory. */
export const LOGS_DIR = 'logs';
export const SECRETS_FILE = 'secrets.jsonl';

export type SecretKind =
  | 'token secret'
  | 'admin token'
  | 'integration secret'
  | 'secret key'
  | 'presented token'
  | 'test secret';

export interface RegisteredSecret {
  kind: SecretKind;
  value: string;
}

/** One searchable form of a secret: the whole value, its random part, an encoding of it. */
export interface Needle {
  kind: SecretKind;
  form: string;
  bytes: Buffer;
}

export interface Leak {
  file: string;
  line: number;
  kind: SecretKind;
  form: string;
}

/** Shorter forms would match ordinary text; they are also what the rolling hash windows over. */
export const MIN_NEEDLE_LENGTH = 12;
/** The random part searched on its own: a leak of a truncated secret is still a leak. */
const TAIL_LENGTH = 24;

/** A tail of few distinct characters (`AAAA…` in a fake token) would match ordinary padding. */
const looksRandom = (text: string) => new Set(text).size >= 10;

export function needlesOf({ kind, value }: RegisteredSecret): Needle[] {
  // A secret this short (a test's `sk_old`) is not one whose encodings could be told from chance.
  if (value.length < MIN_NEEDLE_LENGTH) return [];
  const raw = Buffer.from(value, 'utf8');
  const forms: [string, string][] = [
    ['whole', value],
    ['JSON-escaped', JSON.stringify(value).slice(1, -1)],
    // Unpadded, so the secret is still found at the start of a longer encoded text.
    ['base64', raw.toString('base64').replace(/=+$/, '')],
    ['base64url', raw.toString('base64url')],
    ['hex', raw.toString('hex')],
    // How pino serialises a Buffer: {"type":"Buffer","data":[116,108,…]}.
    ['byte list', Array.from(raw).join(',')],
  ];
  // The secret key's tail is not random (the test key ends in the alphabet), so only tokens' and
  // sent secrets' tails are searched on their own.
  const tail = value.slice(-TAIL_LENGTH);
  if (kind !== 'secret key' && value.length > TAIL_LENGTH && looksRandom(tail))
    forms.push(['random part', tail]);
  const seen = new Set<string>();
  const needles: Needle[] = [];
  for (const [form, text] of forms) {
    if (text.length < MIN_NEEDLE_LENGTH || seen.has(text)) continue;
    seen.add(text);
    needles.push({ kind, form, bytes: Buffer.from(text, 'utf8') });
  }
  return needles;
}

const BASE = 257;

/** Polynomial hash of `MIN_NEEDLE_LENGTH` bytes from `start`, modulo 2^32. */
function windowHash(bytes: Uint8Array, start: number): number {
  let hash = 0;
  for (let i = 0; i < MIN_NEEDLE_LENGTH; i += 1) hash = (Math.imul(hash, BASE) + bytes[start + i]!) >>> 0;
  return hash;
}

/**
 * Every needle occurring in `text`, with its first offset. Rabin–Karp over the needles' first
 * bytes: one pass whatever the number of secrets (thousands of tokens over megabytes of logs).
 */
export function findNeedles(text: Buffer, needles: Needle[]): { needle: Needle; offset: number }[] {
  const byHash = new Map<number, Needle[]>();
  for (const needle of needles) {
    const hash = windowHash(needle.bytes, 0);
    byHash.set(hash, [...(byHash.get(hash) ?? []), needle]);
  }
  const found: { needle: Needle; offset: number }[] = [];
  if (text.length < MIN_NEEDLE_LENGTH) return found;
  let outgoingWeight = 1; // BASE^(window − 1): the weight of the byte leaving the window
  for (let i = 1; i < MIN_NEEDLE_LENGTH; i += 1) outgoingWeight = Math.imul(outgoingWeight, BASE) >>> 0;
  const reported = new Set<Needle>();
  let hash = windowHash(text, 0);
  for (let offset = 0; ; offset += 1) {
    for (const needle of byHash.get(hash) ?? []) {
      const end = offset + needle.bytes.length;
      if (
        !reported.has(needle) &&
        end <= text.length &&
        text.compare(needle.bytes, 0, undefined, offset, end) === 0
      ) {
        reported.add(needle);
        found.push({ needle, offset });
      }
    }
    const incoming = offset + MIN_NEEDLE_LENGTH;
    if (incoming >= text.length) return found;
    const without = (hash - Math.imul(text[offset]!, outgoingWeight)) >>> 0;
    hash = (Math.imul(without, BASE) + text[incoming]!) >>> 0;
  }
}

export function readRegisteredSecrets(runDir: string): RegisteredSecret[] {
  const path = join(runDir, SECRETS_FILE);
  if (!existsSync(path)) return [];
  const byValue = new Map<string, RegisteredSecret>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const secret = JSON.parse(line) as RegisteredSecret;
    if (!byValue.has(secret.value)) byValue.set(secret.value, secret);
  }
  return [...byValue.values()];
}

export interface ScanResult {
  files: number;
  bytes: number;
  secrets: number;
  leaks: Leak[];
}

/** Scans every log file of the run for every registered secret. */
export function scanRunLogs(runDir: string): ScanResult {
  const secrets = readRegisteredSecrets(runDir);
  const needles = secrets.flatMap(needlesOf);
  const logsDir = join(runDir, LOGS_DIR);
  const files = existsSync(logsDir) ? readdirSync(logsDir).sort() : [];
  const result: ScanResult = { files: files.length, bytes: 0, secrets: secrets.length, leaks: [] };
  for (const file of files) {
    const text = readFileSync(join(logsDir, file));
    result.bytes += text.length;
    for (const { needle, offset } of findNeedles(text, needles)) {
      let line = 1;
      for (let i = text.indexOf(10); i !== -1 && i < offset; i = text.indexOf(10, i + 1)) line += 1;
      result.leaks.push({ file: join(logsDir, file), line, kind: needle.kind, form: needle.form });
    }
  }
  return result;
}

/** The teardown's failure message: where each leak is, of which kind, and never the secret. */
export function describeLeaks(leaks: Leak[]): string {
  const shown = leaks
    .slice(0, 20)
    .map((leak) => `  ${leak.file}:${leak.line}: a ${leak.kind} (${leak.form})`);
  const more = leaks.length > shown.length ? [`  … and ${leaks.length - shown.length} more`] : [];
  return [`Secrets found in plain text in the test run's logs (${leaks.length}):`, ...shown, ...more].join(
    '\n',
  );
}
