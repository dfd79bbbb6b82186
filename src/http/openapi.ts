// The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests and
// serialize answers: every route's `schema` names it (operationId, summary, tag) and lists every
// status it can answer, in its surface's error dialect (the statuses: src/http/error-answers.ts).
// test/openapi/ lints it, compiles a typed client from it, and checks every answer the suite
// receives against it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorAnswers, fastifyFormat, GUARDED } from './error-answers.js';

/**
 * The nearest package.json above this file, as Node itself finds a module's package: the
 * repository's whether this runs from src/ (tests), dist/ (`npm start`) or dist-bench/src/ (the
 * benchmarks compile src/ one level deeper, where a fixed `../../package.json` is not there).
 */
function packageInfo(): { version: string; license: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file))
      return JSON.parse(readFileSync(file, 'utf8')) as { version: string; license: string };
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const { version, license } = packageInfo();

const TAGS = [
  { name: 'ingestion', description: 'CloudEvents in (API.md §4.1); errors are problem details' },
  {
    name: 'administration',
    description: 'Orgs, users, workspaces, agents, tokens (API.md §4.2); problem details',
  },
  { name: 'activity', description: 'Activity records and summaries (seed 004, FastAPI)' },
  {
    name: 'insights',
    description:
      "Time series and top lists from rollups (issue #15); the activity surface's errors and access",
  },
  { name: 'agent usage history', description: 'Agent executions of a workspace (seeds 001/003, Laravel)' },
  { name: 'ai-usages', description: 'AI tool usages of a workspace (seed 000, Fastify)' },
  {
    name: 'workspace',
    description: 'One workspace with its agent, integrations and metrics (seed 002, FastAPI)',
  },
  { name: 'service', description: 'Probes and this document; no token needed' },
];

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tally',
        version,
        description: 'Usage and activity ledger for AI-agent platforms.',
        license: { name: license, identifier: license },
      },
      // Relative: the document describes whichever host serves it.
      servers: [{ url: '/', description: 'The service that serves this document' }],
      tags: TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
}

export function openApiRoute(app: FastifyInstance): void {
  app.get(
    '/openapi.json',
    {
      config: { auth: false, access: { kind: 'public' } },
      schema: {
        tags: ['service'],
        security: [],
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document',
        response: {
          200: Type.Unsafe<Record<string, unknown>>({
            type: 'object',
            additionalProperties: true,
            description: 'The OpenAPI 3.1 document',
          }),
          ...errorAnswers(fastifyFormat, GUARDED),
        },
      },
    },
    async () => app.swagger(),
  );
}
