// The administration API (API.md §4.2). Handlers read the principal, call the ledger, render.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessRequirement } from '../../access/requirements.js';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { installDialect } from '../../http/dialect.js';
import { upsertAgent } from '../../ledger/agents/agents.js';
import { createOrg } from '../../ledger/orgs/orgs.js';
import { upsertUser } from '../../ledger/orgs/users.js';
import { createToken, listTokens, revokeToken } from '../../ledger/tokens/tokens.js';
import { putHiredAgent } from '../../ledger/workspaces/hired-agent.js';
import { deleteIntegration, putIntegration } from '../../ledger/workspaces/integrations.js';
import { upsertMember } from '../../ledger/workspaces/members.js';
import { upsertWorkspace } from '../../ledger/workspaces/workspaces.js';
import { problemDialect } from '../shared/problem-details.js';
import { IntegrationStatusResponse, renderIntegrationStatus } from '../shared/workspace-parts.js';
import * as render from './render.js';
import * as S from './schemas.js';

/** Deployment-admin requests are recorded in the org they acted on, once it is known to exist. */
function actedOn(request: FastifyRequest, orgId: string): void {
  request.auditOrgId = orgId;
}

const tags = ['administration'];

// Who may administer what (API.md §4.2), decided by src/access: the deployment admin everything;
// a token with the `admin` ability whose user is an org owner or admin (or an org's service
// token) its own org only. Another org's resources answer 404 and change nothing.
const DEPLOYMENT: AccessRequirement = { kind: 'deployment-admin' };
const ORG: AccessRequirement = { kind: 'org-admin', ability: 'admin', org: 'org_id' };
const WORKSPACE: AccessRequirement = { kind: 'workspace-admin', ability: 'admin', workspace: 'workspace_id' };
const TOKEN: AccessRequirement = { kind: 'token-admin', ability: 'admin', token: 'token_id' };

export async function adminRoutes(parent: FastifyInstance, { deps }: { deps: AppDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, problemDialect, ['/v1/admin/'], 'body');
  const { db } = deps;

  app.post(
    '/orgs',
    {
      schema: {
        operationId: 'createOrg',
        summary: 'Create an org',
        tags,
        body: S.CreateOrgBody,
        response: { 201: S.OrgResponse, ...S.errorsOf(409) },
      },
      config: { audit: { resourceType: 'org' }, access: DEPLOYMENT },
    },
    async (request, reply) => {
      await authorizeRequest(db, request);
      const org = await createOrg(db, request.body);
      actedOn(request, org.id);
      return reply.code(201).send(render.renderOrg(org));
    },
  );

  app.put(
    '/orgs/:org_id/users/:user_id',
    {
      schema: {
        operationId: 'putUser',
        summary: 'Create or update a user of an org',
        tags,
        params: S.OrgUserParams,
        body: S.PutUserBody,
        response: { 200: S.UserResponse, 201: S.UserResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'user', resourceParam: 'user_id' }, access: ORG },
    },
    async (request, reply) => {
      const { org_id, user_id } = request.params;
      await authorizeRequest(db, request);
      actedOn(request, org_id);
      const { user, created } = await upsertUser(db, org_id, user_id, request.body);
      return reply.code(created ? 201 : 200).send(render.renderUser(user));
    },
  );

  app.put(
    '/orgs/:org_id/workspaces/:workspace_id',
    {
      schema: {
        operationId: 'putWorkspace',
        summary: 'Create or update a workspace of an org',
        tags,
        params: S.OrgWorkspaceParams,
        body: S.PutWorkspaceBody,
        response: { 200: S.WorkspaceResponse, 201: S.WorkspaceResponse, ...S.errorsOf(404, 409) },
      },
      config: { audit: { resourceType: 'workspace', resourceParam: 'workspace_id' }, access: ORG },
    },
    async (request, reply) => {
      const { org_id, workspace_id } = request.params;
      await authorizeRequest(db, request);
      actedOn(request, org_id);
      const { workspace, created } = await upsertWorkspace(db, org_id, workspace_id, request.body);
      return reply.code(created ? 201 : 200).send(render.renderWorkspace(workspace));
    },
  );

  app.put(
    '/workspaces/:workspace_id/members/:user_id',
    {
      schema: {
        operationId: 'putWorkspaceMember',
        summary: 'Create or update a member of a workspace',
        tags,
        params: S.WorkspaceMemberParams,
        body: S.PutMemberBody,
        response: { 200: S.MemberResponse, 201: S.MemberResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'workspace_member', resourceParam: 'user_id' }, access: WORKSPACE },
    },
    async (request, reply) => {
      const { workspace_id, user_id } = request.params;
      const workspace = (await authorizeRequest(db, request)).workspace!;
      actedOn(request, workspace.org_id);
      const { member, created } = await upsertMember(
        db,
        workspace.org_id,
        workspace_id,
        user_id,
        request.body,
      );
      return reply.code(created ? 201 : 200).send(render.renderMember(member));
    },
  );

  app.put(
    '/orgs/:org_id/agents/:agent_id',
    {
      schema: {
        operationId: 'putAgent',
        summary: 'Create or update an agent of an org',
        tags,
        params: S.OrgAgentParams,
        body: S.PutAgentBody,
        response: { 200: S.AgentResponse, 201: S.AgentResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'agent', resourceParam: 'agent_id' }, access: ORG },
    },
    async (request, reply) => {
      const { org_id, agent_id } = request.params;
      await authorizeRequest(db, request);
      actedOn(request, org_id);
      const { agent, created } = await upsertAgent(db, org_id, agent_id, request.body);
      return reply.code(created ? 201 : 200).send(render.renderAgent(agent));
    },
  );

  app.put(
    '/workspaces/:workspace_id/hired-agent',
    {
      schema: {
        operationId: 'putHiredAgent',
        summary: 'Hire, update, pause or cancel the agent of a workspace',
        tags,
        params: S.WorkspaceParams,
        body: S.PutHiredAgentBody,
        response: { 200: S.HiredAgentResponse, 201: S.HiredAgentResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'hired_agent', resourceParam: 'workspace_id' }, access: WORKSPACE },
    },
    async (request, reply) => {
      const workspace = (await authorizeRequest(db, request)).workspace!;
      actedOn(request, workspace.org_id);
      const { hiredAgent, created } = await putHiredAgent(db, workspace, request.body);
      return reply.code(created ? 201 : 200).send(render.renderHiredAgent(hiredAgent));
    },
  );

  app.put(
    '/workspaces/:workspace_id/integrations/:provider',
    {
      schema: {
        operationId: 'putIntegration',
        summary: 'Store the secret of an integration of a workspace',
        tags,
        params: S.IntegrationParams,
        body: S.PutIntegrationBody,
        response: { 200: IntegrationStatusResponse, 201: IntegrationStatusResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'integration', resourceParam: 'provider' }, access: WORKSPACE },
    },
    async (request, reply) => {
      const { workspace_id, provider } = request.params;
      const workspace = (await authorizeRequest(db, request)).workspace!;
      actedOn(request, workspace.org_id);
      const { integration, created } = await putIntegration(
        db,
        deps.keyring,
        workspace.org_id,
        workspace_id,
        provider,
        request.body,
      );
      return reply.code(created ? 201 : 200).send(renderIntegrationStatus(integration));
    },
  );

  app.delete(
    '/workspaces/:workspace_id/integrations/:provider',
    {
      schema: {
        operationId: 'deleteIntegration',
        summary: 'Remove an integration of a workspace',
        tags,
        params: S.IntegrationParams,
        response: { 204: S.NoContent, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'integration', resourceParam: 'provider' }, access: WORKSPACE },
    },
    async (request, reply) => {
      const { workspace_id, provider } = request.params;
      const workspace = (await authorizeRequest(db, request)).workspace!;
      actedOn(request, workspace.org_id);
      await deleteIntegration(db, workspace.org_id, workspace_id, provider);
      return reply.code(204).send();
    },
  );

  app.post(
    '/orgs/:org_id/tokens',
    {
      schema: {
        operationId: 'createToken',
        summary: 'Create an API token (its secret is shown once)',
        tags,
        params: S.OrgParams,
        body: S.CreateTokenBody,
        response: { 201: S.CreatedTokenResponse, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'token' }, access: ORG },
    },
    async (request, reply) => {
      const { org_id } = request.params;
      await authorizeRequest(db, request);
      actedOn(request, org_id);
      const { token, secret } = await createToken(db, org_id, request.body, deps.now());
      return reply.code(201).send({ ...render.renderToken(token), token: secret });
    },
  );

  app.get(
    '/orgs/:org_id/tokens',
    {
      schema: {
        operationId: 'listTokens',
        summary: 'List the API tokens of an org (never their secrets)',
        tags,
        params: S.OrgParams,
        response: { 200: S.TokenListResponse, ...S.readErrors },
      },
      config: { audit: { resourceType: 'token' }, access: ORG },
    },
    async (request) => {
      const { org_id } = request.params;
      await authorizeRequest(db, request);
      actedOn(request, org_id);
      return { tokens: (await listTokens(db, org_id)).map(render.renderToken) };
    },
  );

  app.delete(
    '/tokens/:token_id',
    {
      schema: {
        operationId: 'revokeToken',
        summary: 'Revoke an API token',
        tags,
        params: S.TokenParams,
        response: { 204: S.NoContent, ...S.errorsOf(404) },
      },
      config: { audit: { resourceType: 'token', resourceParam: 'token_id' }, access: TOKEN },
    },
    async (request, reply) => {
      const { token_id } = request.params;
      const orgId = (await authorizeRequest(db, request)).orgId!;
      actedOn(request, orgId);
      await revokeToken(db, orgId, token_id);
      await deps.authenticator.revoked(token_id);
      return reply.code(204).send();
    },
  );
}
