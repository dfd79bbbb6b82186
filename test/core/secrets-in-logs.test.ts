// The run's log scan, checked itself: apps built for tests log every request at trace level
// through the production logger into the run's log, the secrets crossing the front door are
// registered, and the scanner finds a planted secret in every form without ever printing it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Factory, uuid } from '../helpers/factories.js';
import {
  describeLeaks,
  findNeedles,
  LOGS_DIR,
  needlesOf,
  SECRETS_FILE,
  scanRunLogs,
} from '../helpers/log-scan.js';
import { readRunLog } from '../helpers/run-log.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

describe('the run log', () => {
  it('holds every request at trace level, with the production redaction', async () => {
    expect(t.app.log.level).toBe('trace');
    const w = await f.world();
    const response = await t.app.inject({
      url: `/v1/orgs/${w.org.id}/activity`,
      headers: bearer(w.ownerToken.token),
    });
    expect(response.statusCode).toBe(200);
    // What a careless log call would write: the redaction of src/logger.ts removes it.
    t.app.log.info(
      {
        headers: { authorization: `Bearer ${w.ownerToken.token}` },
        body: { secret: 'sk_redact_me_0123456789' },
      },
      'careless',
    );
    const lines = await readRunLog();
    const own = lines.filter((line) => line.reqId === response.headers['x-request-id']);
    expect(own.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    const careless = lines.find((line) => line.msg === 'careless');
    expect(careless).toMatchObject({
      headers: { authorization: '[redacted]' },
      body: { secret: '[redacted]' },
    });
  });

  it('registers the secrets the Factory and any test send or receive', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const sentByHand = `sk_by_hand_${uuid()}`;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/workspaces/${w.workspace.id}/integrations/stripe`,
      headers: bearer(t.adminToken),
      payload: { secret: sentByHand },
    });
    expect(put.statusCode).toBe(201);
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/orgs/${w.org.id}/tokens`,
      headers: bearer(t.adminToken),
      payload: { name: 'by-hand', abilities: ['read'] },
    });
    const registered = readFileSync(join(inject('testRunDir'), SECRETS_FILE), 'utf8');
    for (const secret of [
      w.ownerToken.token,
      w.serviceToken.token,
      t.adminToken,
      sentByHand,
      created.json().token,
    ]) {
      expect(registered).toContain(JSON.stringify(secret));
    }
  });
});

describe('the scanner', () => {
  const token = 'tly_0192aa5c5cde7d3f8a5b4c3d2e1f0a9b_Zk3q9VwXyT2mN8pLr4sD6fGh1jK0aBcEuIoPqWeRtYu';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-scan-'));
    mkdirSync(join(dir, LOGS_DIR));
    writeFileSync(join(dir, SECRETS_FILE), `${JSON.stringify({ kind: 'token secret', value: token })}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a planted secret whole, by its random part and encoded, naming file and line only', () => {
    const log = (value: string) => `{"level":30,"msg":"request","note":"${value}"}`;
    const lines = [
      '{"level":30}',
      log(token),
      log(`…${token.slice(-30)}`),
      log(Buffer.from(token).toString('base64')),
    ];
    writeFileSync(join(dir, LOGS_DIR, 'leaky-1.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, LOGS_DIR, 'clean-2.jsonl'), `${log('nothing to see')}\n`);
    const result = scanRunLogs(dir);
    expect(result).toMatchObject({ files: 2, secrets: 1 });
    expect(result.leaks.map(({ file, line, form }) => [file.split('/').at(-1), line, form])).toEqual([
      ['leaky-1.jsonl', 2, 'whole'],
      ['leaky-1.jsonl', 2, 'random part'],
      ['leaky-1.jsonl', 4, 'base64'],
    ]);
    const message = describeLeaks(result.leaks);
    expect(message).toContain('leaky-1.jsonl:4: a token secret (base64)');
    expect(message).not.toContain(token.slice(-24));
  });

  it('searches no form a benign text could hold by chance', () => {
    const fake = `tly_${'0'.repeat(32)}_${'A'.repeat(43)}`;
    expect(needlesOf({ kind: 'presented token', value: fake }).map((n) => n.form)).not.toContain(
      'random part',
    );
    expect(needlesOf({ kind: 'test secret', value: 'short' })).toEqual([]);
  });

  it('agrees with a plain substring search (property)', () => {
    const alphabet = fc.constantFrom(...'ab_-XYZ0129"é'.split(''));
    const text = fc.string({ unit: alphabet, maxLength: 300 });
    const secret = fc.string({ unit: alphabet, minLength: 12, maxLength: 40 });
    fc.assert(
      fc.property(text, fc.array(secret, { minLength: 1, maxLength: 5 }), fc.nat(), (noise, secrets, at) => {
        // Plant one of the secrets at some offset, so matches are common.
        const position = noise.length === 0 ? 0 : at % noise.length;
        const haystack = `${noise.slice(0, position)}${secrets[0]}${noise.slice(position)}`;
        const needles = secrets.flatMap((value) => needlesOf({ kind: 'test secret', value }));
        const found = new Set(findNeedles(Buffer.from(haystack), needles).map(({ needle }) => needle));
        for (const needle of needles) {
          expect(found.has(needle)).toBe(Buffer.from(haystack).includes(needle.bytes));
        }
      }),
      { numRuns: 300 },
    );
  });
});
