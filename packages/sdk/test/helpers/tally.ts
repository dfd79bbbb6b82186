// A real Tally for the SDK's tests: the compiled service as a child process on PGlite, in a data
// directory of its own (the run's migrated template, so no initdb per file), provisioned over
// the admin API as an operator would. `restart()` stops it (SIGTERM) and starts it again on the
// same port and data directory, so clients keep their URL.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { provision } from '../../../../test/reliability/provision.js';
import {
  buildService,
  freePort,
  RELIABILITY_ADMIN_TOKEN,
  ServiceProcess,
} from '../../../../test/reliability/service-process.js';

export interface World {
  orgId: string;
  workspaceId: string;
  userId: string;
}

export interface Tally {
  url: string;
  port: number;
  world: World;
  /** A token with `ingest` and `read`. */
  token: string;
  adminToken: string;
  service: ServiceProcess;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTally(env: Record<string, string> = {}): Promise<Tally> {
  buildService();
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-sdk-'));
  const pgdata = join(dataDir, 'pglite');
  mkdirSync(pgdata);
  execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', pgdata], { stdio: 'pipe' });
  const port = await freePort();
  const fullEnv = { TALLY_DATA_DIR: dataDir, ...env };
  let service = await ServiceProcess.start(port, fullEnv);
  const provisioned = await provision(service.url);
  const tally: Tally = {
    url: service.url,
    port,
    world: provisioned.world,
    token: provisioned.token,
    adminToken: RELIABILITY_ADMIN_TOKEN,
    get service() {
      return service;
    },
    async stop() {
      await service.stop();
    },
    async start() {
      service = await ServiceProcess.start(port, fullEnv);
    },
    async close() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return tally;
}

export interface ActivityRecord {
  id: string;
  timestamp: string;
  user_id: string | null;
  workspace_id: string | null;
  app_id: string | null;
  method: string | null;
  path: string | null;
  resource_type: string | null;
  resource_id: string | null;
  action: string | null;
  status_code: number | null;
  success: boolean;
  duration_ms: number | null;
  token_usage: Record<string, number> | null;
  metadata: Record<string, unknown>;
}

/** Every activity record of the org, through seed 004's org listing, page by page. */
export async function readActivity(tally: Tally): Promise<ActivityRecord[]> {
  const records: ActivityRecord[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200' });
    if (cursor) query.set('cursor', cursor);
    const response = await fetch(`${tally.url}/v1/orgs/${tally.world.orgId}/activity?${query}`, {
      headers: { authorization: `Bearer ${tally.token}` },
    });
    const body = (await response.json()) as { activities: ActivityRecord[]; next_cursor: string | null };
    if (response.status !== 200) throw new Error(`activity listing answered ${response.status}`);
    records.push(...body.activities);
    cursor = body.next_cursor;
  } while (cursor);
  return records;
}
