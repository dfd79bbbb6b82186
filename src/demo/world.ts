// The synthetic platform behind `tally demo` and the benchmark: orgs, users, workspaces (with
// owners and staff), apps with endpoints, augmentations and agents. Sizes follow a Zipf-like
// curve, so the first org is by far the largest, as on real platforms. Ids are derived from the
// seed, so loading the same world twice changes nothing.
import { type Kysely, sql } from 'kysely';
import type { AgentType, Database } from '../db/schema.js';
import { type DemoHire, type DemoIntegration, planHire } from './hires.js';
import { createRandom, Dice, ZipfPicker } from './random.js';

export interface DemoWorkspace {
  orgId: string;
  /** Integer-form id (surface 001, and every other surface). */
  id: string;
  /** UUID alias (surface 002, and 000 and ingestion, which take either; API.md §1). */
  uuid: string;
  ownerId: string;
  userIds: string[];
  apps: { id: string; endpoints: string[] }[];
  augmentations: string[];
  /** Seed 002's hired agent and integrations (hires.ts; loaded by `tally demo`, not the bench). */
  hire: DemoHire | null;
  integrations: DemoIntegration[];
}

export interface DemoOrg {
  id: string;
  name: string;
  ownerId: string;
  userIds: string[];
  agents: { id: string; slug: string; name: string; type: AgentType }[];
  workspaces: DemoWorkspace[];
}

export interface WorldOptions {
  orgs: number;
  workspaces: number;
  users: number;
  seed: number;
}

const AGENT_KINDS: { type: AgentType; names: string[] }[] = [
  { type: 'chat', names: ['Support Assistant', 'Sales Coach', 'Research Buddy', 'Onboarding Guide'] },
  { type: 'image', names: ['Product Photographer', 'Banner Designer', 'Logo Studio'] },
  { type: 'text', names: ['Blog Writer', 'Email Composer', 'SEO Optimizer'] },
  { type: 'voiceover', names: ['Narrator', 'Podcast Voice'] },
  { type: 'video', names: ['Clip Maker', 'Explainer Studio'] },
  { type: 'code', names: ['Code Reviewer', 'SQL Helper'] },
];

const ORG_NAMES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
];

/** Integer-form ids (surface 001 addresses workspaces and users by integers). */
function numericIds(seed: number, count: number, base: number): string[] {
  return Array.from({ length: count }, (_, i) => String(base + seed * 10_000_000 + i + 1));
}

function share(total: number, count: number, minimum: number, exponent: number): number[] {
  const zipf = new ZipfPicker(count, exponent);
  return Array.from({ length: count }, (_, i) => Math.max(minimum, Math.round(zipf.share(i) * total)));
}

export function planWorld(options: WorldOptions): DemoOrg[] {
  const rng = new Dice(createRandom(options.seed));
  const orgCount = Math.max(1, options.orgs);
  const workspaceSizes = share(options.workspaces, orgCount, 1, 1.0);
  const userSizes = share(options.users, orgCount, 2, 1.0);
  const userIds = numericIds(
    options.seed,
    userSizes.reduce((a, b) => a + b, 0),
    100_000_000,
  );
  const workspaceIds = numericIds(
    options.seed,
    workspaceSizes.reduce((a, b) => a + b, 0),
    200_000_000,
  );
  let nextUser = 0;
  let nextWorkspace = 0;
  const orgs: DemoOrg[] = [];
  for (let o = 0; o < orgCount; o += 1) {
    const orgId = `demo-${options.seed}-org-${String(o + 1).padStart(3, '0')}`;
    const users = userIds.slice(nextUser, nextUser + userSizes[o]!);
    nextUser += userSizes[o]!;
    const agents = AGENT_KINDS.flatMap((kind) =>
      kind.names.slice(0, rng.int(1, kind.names.length)).map((name) => {
        const slug = name.toLowerCase().replaceAll(' ', '-');
        return { id: `${orgId}-${slug}`, slug, name, type: kind.type };
      }),
    );
    const workspaces: DemoWorkspace[] = [];
    for (let w = 0; w < workspaceSizes[o]!; w += 1) {
      // An integer id for surface 001 and a UUID alias for surface 002, as platforms keep both.
      const id = workspaceIds[nextWorkspace]!;
      nextWorkspace += 1;
      const uuid = uuidFrom(options.seed, id);
      const ownerId = users[w % users.length]!;
      const members = [ownerId, ...users.filter(() => rng.chance(Math.min(1, 6 / users.length)))];
      const apps = Array.from({ length: rng.int(2, 4) }, (_, a) => ({
        id: `app-${id}-${a + 1}`,
        endpoints: Array.from({ length: rng.int(2, 6) }, (_, e) => `ep-${id}-${a + 1}-${e + 1}`),
      }));
      const augmentations = Array.from({ length: rng.int(1, 3) }, (_, g) => `aug-${id}-${g + 1}`);
      workspaces.push({
        orgId,
        id,
        uuid,
        ownerId,
        userIds: [...new Set(members)],
        apps,
        augmentations,
        ...planHire(agents, w, id, options.seed),
      });
    }
    orgs.push({
      id: orgId,
      name: `${ORG_NAMES[o % ORG_NAMES.length]} ${o >= ORG_NAMES.length ? Math.floor(o / ORG_NAMES.length) + 1 : ''}`.trim(),
      ownerId: users[0]!,
      userIds: users,
      agents,
      workspaces,
    });
  }
  return orgs;
}

/**
 * A stable UUID (v4 layout) derived from a seed and a number, so reloads reuse the same alias. The
 * `d1` prefix keeps it apart from the UUID ids earlier demos gave every fifth workspace (`d0…`),
 * which an alias may not equal.
 */
function uuidFrom(seed: number, numeric: string): string {
  const hex = (BigInt(seed) * 1_000_003n + BigInt(numeric)).toString(16).padStart(12, '0').slice(-12);
  return `d1000000-0000-4000-8000-${hex}`;
}

/** Inserts the world (idempotently: existing rows are kept). */
export async function loadWorld(db: Kysely<Database>, orgs: DemoOrg[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const org of orgs) {
      await sql`INSERT INTO orgs (id, name) VALUES (${org.id}, ${org.name}) ON CONFLICT (id) DO NOTHING`.execute(
        trx,
      );
      const roles = org.userIds.map((_, i) => (i === 0 ? 'owner' : i === 1 ? 'admin' : 'member'));
      await sql`
        INSERT INTO users (org_id, id, email, name, role)
        SELECT ${org.id}, u.id, 'user' || u.id || '@' || ${org.id} || '.example', 'User ' || u.id, u.role
        FROM unnest(${org.userIds}::text[], ${roles}::text[]) AS u(id, role)
        ON CONFLICT (org_id, id) DO NOTHING`.execute(trx);
      await sql`
        INSERT INTO agents (org_id, id, slug, name, type)
        SELECT ${org.id}, a.id, a.slug, a.name, a.type
        FROM unnest(${org.agents.map((a) => a.id)}::text[], ${org.agents.map((a) => a.slug)}::text[],
          ${org.agents.map((a) => a.name)}::text[], ${org.agents.map((a) => a.type)}::text[]) AS a(id, slug, name, type)
        ON CONFLICT (org_id, id) DO NOTHING`.execute(trx);
      await sql`
        INSERT INTO workspaces (org_id, id, uuid, name, owner_user_id)
        SELECT ${org.id}, w.id, w.uuid, 'Workspace ' || w.id, w.owner
        FROM unnest(${org.workspaces.map((w) => w.id)}::text[], ${org.workspaces.map((w) => w.uuid)}::uuid[],
          ${org.workspaces.map((w) => w.ownerId)}::text[]) AS w(id, uuid, owner)
        ON CONFLICT DO NOTHING`.execute(trx);
      const members = org.workspaces.flatMap((w) =>
        w.userIds.filter((u) => u !== w.ownerId).map((u) => [w.id, u] as const),
      );
      if (members.length > 0) {
        await sql`
          INSERT INTO workspace_members (org_id, workspace_id, user_id, role, permissions)
          SELECT ${org.id}, m.workspace_id, m.user_id, 'staff', ARRAY['activity:read', 'ai_usage:read']
          FROM unnest(${members.map((m) => m[0])}::text[], ${members.map((m) => m[1])}::text[]) AS m(workspace_id, user_id)
          ON CONFLICT DO NOTHING`.execute(trx);
      }
    }
  });
}
