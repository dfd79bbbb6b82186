import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppDeps } from '../deps.js';

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', { config: { auth: false }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: false }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return { status: 'ready', database: deps.dbKind };
    } catch {
      return reply
        .code(503)
        .header('retry-after', '2')
        .send({ status: 'unavailable', database: deps.dbKind });
    }
  });
}
