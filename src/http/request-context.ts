// What Tally attaches to each Fastify request and route, declared once for the type checker.
import type { Principal } from '../auth/principal.js';

/** How a route describes what it addresses, for the activity record of the request (§4.3). */
export interface AuditConfig {
  /** resource_type of the record, e.g. 'workspace', 'token', 'activity'. */
  resourceType: string;
  /** The path parameter holding the resource id, if any. */
  resourceParam?: string;
  /**
   * On a read route, the path parameter naming the user it reads for: a service token (no user of
   * its own) reading on that user's behalf is recorded with that user_id (§4.3). Administration
   * routes never set it: the user they address is their resource, not their actor.
   */
  onBehalfOfParam?: string;
}

export interface TallyRouteConfig {
  /** false for the few public routes (health, OpenAPI); every other route needs a bearer token. */
  auth?: boolean;
  audit?: AuditConfig;
}

declare module 'fastify' {
  interface FastifyContextConfig extends TallyRouteConfig {}
  interface FastifyRequest {
    principal: Principal | null;
    /** The org a deployment-admin request acted on, once the handler has found it. */
    auditOrgId: string | null;
    /** The workspace a request acted on when the route names it outside its path (a header). */
    auditWorkspaceId: string | null;
  }
}
