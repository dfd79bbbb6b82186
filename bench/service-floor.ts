// The service floor: the least a Node service on the fixed stack (Fastify 5 over `pg`) can do to
// answer a read over HTTP. It runs the very statements Tally ran for the request (captured by the
// SQL floor, prepared like Tally's), and sends every row they read as JSON: no
// authentication, no access check, no validation, no rendering, no self-recording, no logging.
// The benchmark measures its CPU per request and its throughput beside the service's, so what
// Tally itself costs on top of any Fastify + pg service is a measured figure, not an estimate.
//
//   node dist-bench/bench/service-floor.js --database-url URL --port N [--framework fastify|http]
//
// PUT /floor takes the statements ([[{ sql, parameters }]], one list per request); GET /floor
// answers with the next request's rows, round-robin. `--framework http` serves the same with
// node:http alone (what Fastify's own request path costs).
//
// POST /ingest-floor/:orgId is the same for ingestion (Fastify only): the benchmark's CloudEvent
// batches, parsed, each new event's record written with COPY (lib/ingest-floor.ts).
import http from 'node:http';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { pgTypes } from '../src/db/open.js';
import { IngestFloor } from './lib/ingest-floor.js';

interface Statement {
  sql: string;
  parameters: unknown[];
}

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    port: { type: 'string' },
    framework: { type: 'string', default: 'fastify' },
    connections: { type: 'string', default: '32' },
  },
});
const pool = new pg.Pool({
  connectionString: values['database-url']!,
  max: Number(values.connections),
  // Closed between rows: the benchmark's other pools and the service share max_connections.
  idleTimeoutMillis: 1000,
  types: pgTypes,
});
let requests: { name: string; text: string; values: unknown[] }[][] = [];
let turn = 0;
const names = new Map<string, string>();

function load(body: Statement[][]): void {
  requests = body.map((statements) =>
    statements.map((statement) => {
      // Named like Tally's driver does after the third use: the same generic plans.
      let name = names.get(statement.sql);
      if (name === undefined) {
        name = `floor_${names.size}`;
        names.set(statement.sql, name);
      }
      return { name, text: statement.sql, values: statement.parameters };
    }),
  );
  turn = 0;
}

/**
 * The next request's statements, in order, and every row they read as a JSON text: one
 * statement's rows as an array, several statements' as an array of arrays (a route's answer may
 * come from any of them: the usage-history page is read before its count).
 */
async function answer(): Promise<string> {
  const statements = requests[turn++ % requests.length]!;
  const results: unknown[][] = [];
  for (const statement of statements) results.push((await pool.query(statement)).rows);
  return JSON.stringify(results.length === 1 ? results[0] : results);
}

const port = Number(values.port);
if (values.framework === 'http') {
  const server = http.createServer((request, response) => {
    if (request.method === 'PUT') {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        load(JSON.parse(body));
        response.writeHead(204).end();
      });
      return;
    }
    if (request.url === '/readyz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
      return;
    }
    answer().then(
      (text) => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(text),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  server.keepAliveTimeout = 72_000;
  server.listen(port, '127.0.0.1');
} else {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.put('/floor', async (request, reply) => {
    load(request.body as Statement[][]);
    return reply.code(204).send();
  });
  app.get('/floor', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(await answer()),
  );
  const ingestFloor = new IngestFloor(pool);
  app.addContentTypeParser(
    'application/cloudevents-batch+json',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(error as Error);
      }
    },
  );
  app.post<{ Params: { orgId: string } }>('/ingest-floor/:orgId', async (request) =>
    ingestFloor.write(request.params.orgId, request.body as never),
  );
  await app.listen({ port, host: '127.0.0.1' });
}

// Stopped by the benchmark with SIGTERM: exit normally, so that `--cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
