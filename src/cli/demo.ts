// `tally demo`: fills the configured database with a realistic synthetic platform, then prints
// tokens to explore it with. Repeating the same seed changes nothing (the ids repeat).
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { loadDemo } from '../demo/load.js';
import { createToken } from '../ledger/tokens/tokens.js';
import { type CommandIo, localHost, type OpenHost, processIo } from './command-host.js';
import { Progress } from './progress.js';

const USAGE = `Usage: tally demo [options]

Fills the database with synthetic orgs, users, workspaces (most with a hired agent, many with
integrations, their secrets encrypted), agents, activity, executions and AI tool usages
(Zipf-distributed: the first org is the largest), then prints tokens for the three largest
orgs, and the console's address with a token to sign in with.

Options (defaults in brackets):
  --orgs N          orgs [5]
  --workspaces N    workspaces across all orgs [50]
  --users N         users across all orgs [200]
  --activities N    activity records [100000]
  --executions N    agent executions [20000]
  --usages N        AI tool usages [10000]
  --days N          spread over the last N days [30]
  --seed N          random seed; the same seed gives the same data [1]
  --events N        shorthand: N records split 70% activity, 20% executions, 10% usages
`;

/** A host to type into a browser: the wildcard addresses mean this machine. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const digits = value.replaceAll('_', '').replaceAll(',', '');
  if (!/^\d+$/.test(digits)) throw new Error(`--${name} must be a whole number`);
  return Number(digits);
}

export async function runDemo(
  config: Config,
  argv: string[],
  io: CommandIo = processIo(),
  openHost: OpenHost = localHost(config, io),
): Promise<number> {
  const names = [
    'orgs',
    'workspaces',
    'users',
    'activities',
    'executions',
    'usages',
    'days',
    'seed',
    'events',
  ];
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    io.out.write(USAGE);
    return 0;
  }
  const v = values as Record<string, string | undefined>;
  const events = v.events === undefined ? null : count(v.events, 'events', 0);
  const options = {
    orgs: Math.max(1, count(v.orgs, 'orgs', 5)),
    workspaces: Math.max(1, count(v.workspaces, 'workspaces', 50)),
    users: Math.max(2, count(v.users, 'users', 200)),
    activities: count(v.activities, 'activities', events === null ? 100_000 : Math.round(events * 0.7)),
    executions: count(v.executions, 'executions', events === null ? 20_000 : Math.round(events * 0.2)),
    usages: count(v.usages, 'usages', events === null ? 10_000 : Math.round(events * 0.1)),
    days: Math.max(1, count(v.days, 'days', 30)),
    seed: count(v.seed, 'seed', 1),
  };

  const deployment = await openHost({ migrate: true });
  try {
    const started = Date.now();
    const { orgs, summary } = await loadDemo(deployment.database.db, deployment.keyring, options, {
      start: (label, total) => new Progress(label, total, 'rows', io.err, io.errIsTTY),
    });
    const seconds = (Date.now() - started) / 1000;
    const total = options.activities + options.executions + options.usages;
    io.err.write(
      `loaded ${total.toLocaleString('en-US')} records in ${seconds.toFixed(1)}s (${Math.round(total / seconds).toLocaleString('en-US')}/s) on ${deployment.database.kind}\n`,
    );
    const largest = orgs.slice(0, 3);
    const tokens = [];
    for (const org of largest) {
      const service = await createToken(deployment.database.db, org.id, {
        name: 'demo service',
        abilities: ['*'],
      });
      const owner = await createToken(deployment.database.db, org.id, {
        name: 'demo owner',
        user_id: org.ownerId,
        abilities: ['*'],
      });
      tokens.push({
        org_id: org.id,
        records: summary.get(org.id),
        owner_user_id: org.ownerId,
        service_token: service.secret,
        owner_token: owner.secret,
        // Both names of each workspace: the id (surface 001 and the others) and the UUID alias (002).
        workspaces: org.workspaces.slice(0, 3).map((w) => ({ id: w.id, uuid: w.uuid })),
      });
    }
    // The web console (issue 15): where to open it, and what to paste into its sign-in form.
    const largestOrg = tokens[0]!;
    const consoleUrl = `http://${displayHost(config.host)}:${config.port}/console/`;
    io.err.write(
      `\nConsole: open ${consoleUrl} (with the server running: npm start) and sign in with\n` +
        `  org id: ${largestOrg.org_id}\n  token:  ${largestOrg.owner_token}\n\n`,
    );
    const consoleSignIn = { url: consoleUrl, org_id: largestOrg.org_id, token: largestOrg.owner_token };
    io.out.write(
      `${JSON.stringify({ seed: options.seed, console: consoleSignIn, orgs: tokens }, null, 2)}\n`,
    );
    return 0;
  } finally {
    await deployment.close();
  }
}
