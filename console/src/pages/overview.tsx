// The org overview: totals against the previous window, requests and failures over time, average
// duration, tokens, credits by agent, AI tool usages by type and by status, and the busiest
// workspaces and endpoints.
import { type Context, RequestsPanel, SeriesPanel, Tiles, TopPanel } from '../components/series-panels.js';
import { WindowPicker, windowFromParams } from '../components/window-picker.js';
import { compact, duration } from '../format.js';
import { href, type Route } from '../router.js';
import type { Session } from '../session.js';

export function Overview({ session, route }: { session: Session; route: Route }) {
  const window = windowFromParams(route.params);
  const c: Context = { session, scope: { org: session.org }, window };
  return (
    <>
      <div class="page-head">
        <h1>Overview of {session.org}</h1>
        <WindowPicker path={[]} params={route.params} window={window} />
      </div>
      <Tiles c={c} />
      <div class="grid">
        <RequestsPanel c={c} />
        <SeriesPanel
          c={c}
          id="duration"
          title="Average duration"
          metric="avg_duration_ms"
          format={duration}
          link
        />
        <SeriesPanel c={c} id="tokens" title="Tokens" metric="tokens" format={compact} link />
        <SeriesPanel
          c={c}
          id="credits"
          title="Credits by agent"
          metric="credits"
          groupBy="agent"
          format={compact}
          wide
        />
        <SeriesPanel
          c={c}
          id="ai-by-type"
          title="AI tool usages by type"
          metric="ai_tool_usages"
          groupBy="tool_type"
          format={compact}
        />
        <SeriesPanel
          c={c}
          id="ai-by-status"
          title="AI tool usages by status"
          metric="ai_tool_usages"
          groupBy="status"
          format={compact}
        />
        <TopPanel
          c={c}
          dimension="workspaces"
          title="Busiest workspaces"
          noun="Workspace"
          linkOf={(item) =>
            href(['workspaces', item.key], {
              uuid: item.uuid ?? undefined,
              w: route.params.get('w'),
              start: route.params.get('start'),
              end: route.params.get('end'),
            })
          }
        />
        <TopPanel c={c} dimension="endpoints" title="Busiest endpoints" noun="Endpoint" />
      </div>
    </>
  );
}
