// Routes declare their access (`config: { access: … }`, requirements.ts); this is where Fastify
// meets the one decision (authorize.ts). A route that declares nothing cannot be registered, and a
// route that answers without having decided is refused (500, fail closed): no route can skip the
// check, and test/isolation checks the declarations against its route table.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { TallyError } from '../errors.js';
import { type AccessInputs, authorize, type ResolvedAccess } from './authorize.js';
import type { AccessRequirement, InputName } from './requirements.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each route's declared access, `METHOD /path/:param` → requirement (HEAD twins left out). */
    accessTable: ReadonlyMap<string, AccessRequirement>;
  }
  interface FastifyContextConfig {
    /** What the route needs; `{ kind: 'public' }` on the `auth: false` routes alone. */
    access?: AccessRequirement;
  }
  interface FastifyRequest {
    /** The caller's access, once the handler has had it decided (authorizeRequest). */
    access: ResolvedAccess | null;
  }
}

/** Every route registered from here on must declare its access; the answer must follow a decision. */
export function installAccess(app: FastifyInstance): void {
  const table = new Map<string, AccessRequirement>();
  app.decorate('accessTable', table);
  app.decorateRequest('access', null);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    const methods = [route.method].flat().filter((method) => method !== 'HEAD');
    const where = `${methods.join(',')} ${route.url}`;
    if (!access) throw new Error(`${where} declares no access (config.access)`);
    if ((access.kind === 'public') !== (route.config?.auth === false)) {
      throw new Error(`${where}: only the routes without authentication (auth: false) are public`);
    }
    for (const method of methods) table.set(`${method} ${route.url}`, access);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const access = request.routeOptions.config.access;
    if (reply.statusCode < 400 && access && access.kind !== 'public' && request.access === null) {
      done(new TallyError('internal', 'The route answered without deciding access'));
      return;
    }
    done(null, payload);
  });
}

/**
 * Decides the route's declared access for this request. Each input the requirement names is read
 * from the path parameters unless `given` holds it (a header the handler read, a value it parsed),
 * so handlers validate first (400/422) and then ask (404/403), the contract's order.
 */
export async function authorizeRequest(
  db: Kysely<Database>,
  request: FastifyRequest,
  given: Record<InputName, string | null> = {},
): Promise<ResolvedAccess> {
  const requirement = request.routeOptions.config.access;
  if (!requirement) throw new Error(`${request.method} ${request.url} declares no access`);
  const params = (request.params ?? {}) as Record<string, unknown>;
  const input: AccessInputs = (name) => {
    if (name in given) return given[name] ?? null;
    const value = params[name];
    return typeof value === 'string' ? value : null;
  };
  request.access = await authorize(db, request.principal!, requirement, input);
  return request.access;
}
