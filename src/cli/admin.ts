// `tally admin …`: the administration API's operations from the command line. Each operation is
// served by the very same routes, in process, under a one-off deployment-admin token, so the CLI
// validates, authorizes, records and answers exactly like the HTTP API. Beside a server holding
// the embedded database, that process is the server (src/control).
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { type AdminRequest, type CommandIo, localHost, type OpenHost, processIo } from './command-host.js';

interface Operation {
  summary: string;
  options: Record<string, { type: 'string'; required?: boolean; description: string }>;
  request(values: Record<string, string | undefined>): AdminRequest;
}

const enc = encodeURIComponent;
const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
const json = (value: string | undefined) => (value === undefined ? undefined : JSON.parse(value));
const defined = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));

const OPERATIONS: Record<string, Operation> = {
  'create-org': {
    summary: 'create an org',
    options: {
      id: { type: 'string', required: true, description: 'org id' },
      name: { type: 'string', required: true, description: 'display name' },
    },
    request: (v) => ({ method: 'POST', url: '/v1/admin/orgs', body: { id: v.id, name: v.name } }),
  },
  'put-user': {
    summary: 'create or update a user of an org',
    options: {
      org: { type: 'string', required: true, description: 'org id' },
      id: { type: 'string', required: true, description: 'user id' },
      email: { type: 'string', required: true, description: 'email' },
      role: { type: 'string', required: true, description: 'owner | admin | member' },
      name: { type: 'string', description: 'display name' },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/orgs/${enc(v.org!)}/users/${enc(v.id!)}`,
      body: defined({ email: v.email, role: v.role, name: v.name }),
    }),
  },
  'put-workspace': {
    summary: 'create or update a workspace',
    options: {
      org: { type: 'string', required: true, description: 'org id' },
      id: { type: 'string', required: true, description: 'workspace id' },
      name: { type: 'string', required: true, description: 'name' },
      owner: { type: 'string', required: true, description: 'owner user id' },
      status: { type: 'string', description: 'status (default active)' },
      settings: { type: 'string', description: 'settings as a JSON object' },
      uuid: { type: 'string', description: "UUID alias (kept when omitted; '' removes it)" },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/orgs/${enc(v.org!)}/workspaces/${enc(v.id!)}`,
      body: defined({
        name: v.name,
        owner_user_id: v.owner,
        status: v.status,
        settings: json(v.settings),
        uuid: v.uuid === '' ? null : v.uuid,
      }),
    }),
  },
  'put-member': {
    summary: 'add or change a workspace member',
    options: {
      workspace: { type: 'string', required: true, description: 'workspace id' },
      user: { type: 'string', required: true, description: 'user id' },
      role: { type: 'string', required: true, description: 'owner | staff' },
      permissions: { type: 'string', description: 'comma-separated, e.g. activity:read,ai_usage:read' },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/workspaces/${enc(v.workspace!)}/members/${enc(v.user!)}`,
      body: defined({ role: v.role, permissions: list(v.permissions) }),
    }),
  },
  'put-agent': {
    summary: 'create or update an agent definition',
    options: {
      org: { type: 'string', required: true, description: 'org id' },
      id: { type: 'string', required: true, description: 'agent id' },
      slug: { type: 'string', required: true, description: 'slug' },
      name: { type: 'string', required: true, description: 'name' },
      type: { type: 'string', required: true, description: 'chat | image | text | voiceover | video | code' },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/orgs/${enc(v.org!)}/agents/${enc(v.id!)}`,
      body: { slug: v.slug, name: v.name, type: v.type },
    }),
  },
  'put-hired-agent': {
    summary: 'hire, pause, resume or cancel the hired agent of a workspace',
    options: {
      workspace: { type: 'string', required: true, description: 'workspace id' },
      'agent-type': { type: 'string', required: true, description: 'agent type' },
      'display-name': { type: 'string', required: true, description: 'display name' },
      status: { type: 'string', required: true, description: 'active | paused | cancelled' },
      tier: { type: 'string', required: true, description: 'tier' },
      'stripe-subscription-id': { type: 'string', description: 'subscription id' },
      config: { type: 'string', description: 'config as a JSON object' },
      'persona-name': { type: 'string', description: 'persona name' },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/workspaces/${enc(v.workspace!)}/hired-agent`,
      body: defined({
        agent_type: v['agent-type'],
        display_name: v['display-name'],
        status: v.status,
        tier: v.tier,
        stripe_subscription_id: v['stripe-subscription-id'],
        config: json(v.config),
        persona_name: v['persona-name'],
      }),
    }),
  },
  'put-integration': {
    summary: 'connect an integration; the secret is read from standard input',
    options: {
      workspace: { type: 'string', required: true, description: 'workspace id' },
      provider: { type: 'string', required: true, description: 'provider name' },
      status: { type: 'string', description: 'status (default connected)' },
    },
    request: (v) => ({
      method: 'PUT',
      url: `/v1/admin/workspaces/${enc(v.workspace!)}/integrations/${enc(v.provider!)}`,
      body: defined({ secret: v.secret, status: v.status }),
    }),
  },
  'delete-integration': {
    summary: 'disconnect an integration',
    options: {
      workspace: { type: 'string', required: true, description: 'workspace id' },
      provider: { type: 'string', required: true, description: 'provider name' },
    },
    request: (v) => ({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${enc(v.workspace!)}/integrations/${enc(v.provider!)}`,
    }),
  },
  'create-token': {
    summary: 'create an API token (the secret is printed once)',
    options: {
      org: { type: 'string', required: true, description: 'org id' },
      name: { type: 'string', required: true, description: 'token name' },
      abilities: {
        type: 'string',
        required: true,
        description: 'comma-separated: read,use_agents,ingest,admin or *',
      },
      user: { type: 'string', description: 'user id (omit for a service token)' },
      'expires-at': { type: 'string', description: 'RFC 3339 expiry time' },
    },
    request: (v) => ({
      method: 'POST',
      url: `/v1/admin/orgs/${enc(v.org!)}/tokens`,
      body: defined({
        name: v.name,
        abilities: list(v.abilities),
        user_id: v.user,
        expires_at: v['expires-at'],
      }),
    }),
  },
  'list-tokens': {
    summary: "list an org's tokens (never their secrets)",
    options: { org: { type: 'string', required: true, description: 'org id' } },
    request: (v) => ({ method: 'GET', url: `/v1/admin/orgs/${enc(v.org!)}/tokens` }),
  },
  'revoke-token': {
    summary: 'revoke a token',
    options: { id: { type: 'string', required: true, description: 'token id' } },
    request: (v) => ({ method: 'DELETE', url: `/v1/admin/tokens/${enc(v.id!)}` }),
  },
};

function usage(): string {
  const lines = ['Usage: tally admin <operation> [--option value …]', '', 'Operations:'];
  for (const [name, op] of Object.entries(OPERATIONS)) {
    lines.push(`  ${name.padEnd(20)} ${op.summary}`);
    for (const [option, spec] of Object.entries(op.options)) {
      lines.push(`      --${option.padEnd(24)} ${spec.description}${spec.required ? ' (required)' : ''}`);
    }
  }
  lines.push('  rotate-secret-key    re-encrypt every integration secret under TALLY_SECRET_KEY');
  return `${lines.join('\n')}\n`;
}

/** Whether `tally admin …` reads standard input (the CLI sends it along to a server). */
export function adminReadsStdin(argv: string[]): boolean {
  return argv[0] === 'put-integration';
}

export async function runAdmin(
  config: Config,
  argv: string[],
  io: CommandIo = processIo(),
  openHost: OpenHost = localHost(config, io),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'rotate-secret-key')
    return (await import('./rotate-secret-key.js')).runRotateSecretKey(config, io.out, io.err, openHost);
  const operation = name ? OPERATIONS[name] : undefined;
  if (!operation) {
    io.err.write(
      name && name !== '--help' ? `tally admin: unknown operation "${name}"\n\n${usage()}` : usage(),
    );
    return name === '--help' ? 0 : 1;
  }
  const { values } = parseArgs({ args: rest, options: operation.options, strict: true });
  const missing = Object.entries(operation.options).filter(
    ([key, spec]) => spec.required && values[key] === undefined,
  );
  if (missing.length > 0) {
    io.err.write(`tally admin ${name}: missing ${missing.map(([key]) => `--${key}`).join(', ')}\n`);
    return 1;
  }
  const args = values as Record<string, string | undefined>;
  if (adminReadsStdin(argv)) args.secret = (await io.readStdin()).replace(/\r?\n$/, '');

  const host = await openHost({ migrate: true });
  try {
    const response = await host.admin(operation.request(args));
    const out = response.statusCode < 300 ? io.out : io.err;
    if (response.body) out.write(`${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
    else out.write(`${response.statusCode}\n`);
    return response.statusCode < 300 ? 0 : 1;
  } finally {
    await host.close();
  }
}
