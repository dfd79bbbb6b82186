// The served document passes Redocly's recommended rules (issue 12, item 3) — run as the CLI
// itself, the way a newcomer would check it — and says what the contract and package.json say.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const redocly = join(repoRoot, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  responses: Record<string, unknown>;
}

interface Parameter {
  name: string;
  required?: boolean;
  schema?: { default?: unknown };
}

let t: TestApp;
let document: {
  info: { version: string; license?: { name: string; identifier?: string } };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};

beforeAll(async () => {
  t = await buildTestApp();
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json();
});

afterAll(async () => {
  await t?.close();
});

describe('/openapi.json', () => {
  it('has no problem under Redocly’s recommended rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [redocly, 'lint', '--extends=recommended', '--format=json', file],
        { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
      const report = JSON.parse(stdout) as {
        totals: unknown;
        problems: { ruleId: string; message: string }[];
      };
      expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names the package’s version and license, and a server', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
      license: string;
    };
    expect(document.info.version).toBe(pkg.version);
    expect(document.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    expect(pkg.license).toBe('Apache-2.0');
    expect(document.servers).toEqual([{ url: '/', description: 'The service that serves this document' }]);
  });

  it('names, summarises and tags every operation once, by surface', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        ...operation,
      })),
    );
    expect(operations).toHaveLength(40);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const operation of operations) {
      expect(operation.operationId, operation.route).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.summary, operation.route).toMatch(/\S/);
      expect(operation.tags, operation.route).toHaveLength(1);
    }
    const tagOf = (prefix: string) =>
      new Set(
        operations.filter((operation) => operation.route.includes(` ${prefix}`)).flatMap((o) => o.tags),
      );
    expect(tagOf('/v1/admin/')).toEqual(new Set(['administration']));
    expect(tagOf('/v1/orgs/')).toEqual(new Set(['activity', 'insights']));
    const insights = operations.filter((operation) => operation.route.includes('/insights/'));
    expect(insights.map((operation) => operation.operationId).sort()).toEqual([
      'insightsOrgSeries',
      'insightsOrgTop',
      'insightsWorkspaceSeries',
      'insightsWorkspaceTop',
    ]);
    expect(new Set(insights.flatMap((operation) => operation.tags))).toEqual(new Set(['insights']));
    expect(tagOf('/v1/ingest')).toEqual(new Set(['ingestion']));
    expect(tagOf('/otlp/')).toEqual(new Set(['ingestion']));
    expect(tagOf('/schemas/events')).toEqual(new Set(['ingestion']));
    expect(tagOf('/workspaces/usage')).toEqual(new Set(['agent usage history']));
    expect(tagOf('/api/v1/workspace/')).toEqual(new Set(['ai-usages']));
    expect(tagOf('/api/v1/workspaces/')).toEqual(new Set(['workspace']));
  });

  it('leaves every parameter with a default optional, and documents the ingestion body', () => {
    const defaulted = Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) =>
        ((operation as { parameters?: Parameter[] }).parameters ?? []).filter(
          (parameter) => parameter.schema?.default !== undefined,
        ),
      ),
    );
    expect(new Set(defaulted.map((parameter) => parameter.name))).toEqual(
      new Set(['limit', 'offset', 'hours', 'bucket', 'top']),
    );
    expect(defaulted.filter((parameter) => parameter.required)).toEqual([]);
    const ingest = document.paths['/v1/ingest']!.post as {
      requestBody?: { required: boolean; content: object };
    };
    expect(ingest.requestBody?.required).toBe(true);
    expect(Object.keys(ingest.requestBody?.content ?? {})).toEqual([
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
      'application/json',
    ]);
  });

  it('documents the answers every route shares, and each route’s own', () => {
    const statuses = (path: string, method: string) => Object.keys(document.paths[path]![method]!.responses);
    const authenticated = ['400', '401', '414', '429', '431', '500', '503'];
    expect(statuses('/v1/ingest', 'post').sort()).toEqual(
      [...authenticated, '200', '207', '403', '413', '415'].sort(),
    );
    expect(statuses('/v1/admin/orgs', 'post').sort()).toEqual(
      [...authenticated, '201', '403', '409', '413', '415', '422'].sort(),
    );
    expect(statuses('/v1/admin/tokens/{token_id}', 'delete').sort()).toEqual(
      [...authenticated, '204', '403', '404', '413', '415', '422'].sort(),
    );
    expect(statuses('/v1/orgs/{org_id}/activity/summary', 'get').sort()).toEqual(
      [...authenticated, '200', '403', '404', '422'].sort(),
    );
    expect(statuses('/api/v1/workspace/{workspaceId}/ai/usages', 'get').sort()).toEqual(
      [...authenticated, '200', '403', '404'].sort(),
    );
    expect(statuses('/readyz', 'get').sort()).toEqual(['200', '400', '414', '431', '500', '503']);
  });
});
