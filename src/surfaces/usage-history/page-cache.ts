// The listing cache (seed 001: "cached about 60 seconds per workspace, filters, and page"). The key
// is built from the scope access has already settled, including whose rows the caller may see, so
// a page cached for someone allowed to see every user's rows is never served to a caller limited
// to their own. Range windows enter the key as instants, so a new day never reads yesterday's page.
import type { UsageHistoryScope } from '../../ledger/executions/usage-history.js';

export const PAGE_TTL_MS = 60_000;

export function pageCacheKey(scope: UsageHistoryScope): string {
  return JSON.stringify([
    scope.orgId,
    scope.workspaceId,
    scope.userId ?? '*',
    scope.type ?? 'all',
    scope.window.start.getTime(),
    scope.window.end.getTime(),
    scope.page,
    scope.perPage,
  ]);
}
