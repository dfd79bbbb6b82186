// Authentication runs first on every route (before validation), so a request without a valid
// token is a 401 in the surface's dialect whatever else is wrong with it.
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { bearerToken } from '../auth/tokens.js';
import { unauthenticated } from '../errors.js';

export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('auditOrgId', null);
  app.decorateRequest('auditWorkspaceId', null);
  app.addHook('onRequest', async (request) => {
    if (request.is404 || request.routeOptions.config.auth === false) return;
    const token = bearerToken(request.headers.authorization);
    const principal = token ? await authenticator.authenticate(token) : null;
    if (!principal) throw unauthenticated();
    request.principal = principal;
  });
}
