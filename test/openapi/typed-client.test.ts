// A client generated from the served document compiles and works (issue 12, item 3): the types
// openapi-typescript makes of /openapi.json type-check fixtures/every-route.ts, an openapi-fetch
// client calling every operation with only its required parameters, and that client then runs
// against the app (each answer is also checked against the document by the suite-wide hook).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'every-route.ts');
const repoRoot = join(here, '..', '..');

let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await buildTestApp();
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  dir = mkdtempSync(join(tmpdir(), 'tally-openapi-client-'));
  writeFileSync(join(dir, 'schema.d.ts'), astToString(await openapiTS(response.json())));
});

afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** tsc's diagnostics for `source` compiled as client.ts beside the generated schema.d.ts. */
function typeErrors(source: string): string[] {
  const file = join(dir, 'client.ts');
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    paths: { 'openapi-fetch': [join(repoRoot, 'node_modules', 'openapi-fetch')] },
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const position =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
        : null;
    return position ? `client.ts:${position.line + 1}: ${text}` : text;
  });
}

describe('a client generated from /openapi.json', () => {
  it('type-checks a call of every operation with only its required parameters', () => {
    expect(typeErrors(readFileSync(fixture, 'utf8'))).toEqual([]);
  });

  it('refuses a call that leaves out a required path parameter or header, or the ingestion body', () => {
    const errors = typeErrors(
      [
        "import createClient from 'openapi-fetch';",
        "import type { paths } from './schema.js';",
        "const client = createClient<paths>({ baseUrl: 'http://tally' });",
        "void client.GET('/v1/orgs/{org_id}/activity', { params: { path: {} } });",
        "void client.POST('/v1/ingest', {});",
        "void client.GET('/workspaces/usage', {});",
      ].join('\n'),
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^client\.ts:4: .*org_id/s);
    expect(errors[1]).toMatch(/^client\.ts:5: .*body/s);
    expect(errors[2]).toMatch(/^client\.ts:6: .*header: \{/s);
  });

  it('calls every operation of the document, and each answers as documented', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operationIds = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    // Through app.inject: the request openapi-fetch builds is what the app receives.
    const fetch = async (request: Request): Promise<Response> => {
      const url = new URL(request.url);
      const body = Buffer.from(await request.arrayBuffer());
      const answer = await t.app.inject({
        method: request.method as 'GET',
        url: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(request.headers),
        ...(body.length > 0 ? { payload: body } : {}),
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined) headers.set(name, String(value));
      }
      const empty = answer.statusCode === 204 || answer.rawPayload.length === 0;
      return new Response(empty ? null : answer.rawPayload, { status: answer.statusCode, headers });
    };
    // A variable path: the fixture imports types that exist only in the temporary directory.
    const { callEveryRoute } = (await import(fixture)) as {
      callEveryRoute(baseUrl: string, fetch: unknown, token: string): Promise<Record<string, number>>;
    };
    const statuses = await callEveryRoute('http://tally.test', fetch, t.adminToken);
    expect(Object.keys(statuses).sort()).toEqual([...operationIds].sort());
    const ok = Object.fromEntries(operationIds.map((operationId) => [operationId, 200]));
    expect(statuses).toEqual({
      ...ok,
      ...{ createOrg: 201, putUser: 201, putWorkspace: 201, putWorkspaceMember: 201, putAgent: 201 },
      ...{
        putHiredAgent: 201,
        putIntegration: 201,
        createToken: 201,
        deleteIntegration: 204,
        revokeToken: 204,
      },
      // Seed 002 names workspaces by UUID; this one has a numeric id only.
      getWorkspace: 404,
    });
  });
});
