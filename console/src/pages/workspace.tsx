// One workspace: seed 002's details (hired agent, integrations, metrics), its series over the
// window, its usage history (seed 001) and its AI tool usages (seed 000).
import { useState } from 'preact/hooks';
import { apiGet, enc } from '../api.js';
import { Panel } from '../components/panel.js';
import { type Context, RequestsPanel, SeriesPanel, Tiles, TopPanel } from '../components/series-panels.js';
import { WindowPicker, windowFromParams } from '../components/window-picker.js';
import { compact, full, when } from '../format.js';
import { type Loaded, useLoad } from '../load.js';
import { href, navigate, type Route } from '../router.js';
import type { Session } from '../session.js';

interface WorkspaceDetails {
  id: string;
  name: string;
  status: string;
  user_id: string;
  last_active_at: string | null;
  created_at: string;
  metrics_cache: Record<string, unknown>;
  hired_agent: {
    display_name: string;
    persona_name: string | null;
    agent_type: string;
    status: string;
    tier: string;
    hired_at: string;
  } | null;
  integration_credentials: {
    provider: string;
    status: string;
    connected_at: string;
    last_verified_at: string | null;
    last_error: string | null;
  }[];
}

const METRIC_LABELS: Record<string, string> = {
  executions_24h: 'Executions, 24 h',
  executions_30d: 'Executions, 30 d',
  succeeded_executions_24h: 'Succeeded, 24 h',
  succeeded_executions_30d: 'Succeeded, 30 d',
  credits_24h: 'Credits, 24 h',
  credits_30d: 'Credits, 30 d',
  ai_tool_cost_24h: 'AI tool cost, 24 h',
  ai_tool_cost_30d: 'AI tool cost, 30 d',
  activity_requests_24h: 'Requests, 24 h',
  activity_failures_24h: 'Failures, 24 h',
};

/** Seed 002's details, by the UUID alias (null without one: the panel then asks for it). */
function useDetails(session: Session, uuid: string | null): Loaded<WorkspaceDetails | null> {
  return useLoad(
    () =>
      uuid ? apiGet<WorkspaceDetails>(session, `/api/v1/workspaces/${enc(uuid)}`) : Promise.resolve(null),
    [session.token, uuid],
  );
}

function Details({ loaded, route }: { loaded: Loaded<WorkspaceDetails | null>; route: Route }) {
  const [entered, setEntered] = useState('');
  const useUuid = (event: Event) => {
    event.preventDefault();
    const params = Object.fromEntries(route.params);
    navigate(href(route.path, { ...params, uuid: entered.trim() }));
  };
  return (
    <Panel title="Workspace details" id="details" loaded={loaded} wide>
      {(details) =>
        details === null ? (
          <form class="inline-form" onSubmit={useUuid}>
            <p class="note">Workspace details (seed 002) address a workspace by its UUID alias.</p>
            <label>
              Workspace UUID
              <input value={entered} onInput={(e) => setEntered(e.currentTarget.value)} required />
            </label>
            <button type="submit">Show details</button>
          </form>
        ) : (
          <div class="details">
            <dl class="facts">
              <dt>Name</dt>
              <dd data-field="name">{details.name}</dd>
              <dt>Status</dt>
              <dd data-field="status">{details.status}</dd>
              <dt>Owner</dt>
              <dd>user {details.user_id}</dd>
              <dt>Last active</dt>
              <dd>{when(details.last_active_at)}</dd>
              <dt>Hired agent</dt>
              <dd data-field="hired-agent">
                {details.hired_agent ? (
                  <>
                    {details.hired_agent.display_name}
                    {details.hired_agent.persona_name ? ` “${details.hired_agent.persona_name}”` : ''}{' '}
                    <span class={`badge ${details.hired_agent.status}`}>{details.hired_agent.status}</span>
                    <span class="note block">
                      {details.hired_agent.agent_type}, {details.hired_agent.tier} tier, hired{' '}
                      {when(details.hired_agent.hired_at)}
                    </span>
                  </>
                ) : (
                  'none'
                )}
              </dd>
            </dl>
            <div>
              <h3>Integrations</h3>
              {details.integration_credentials.length === 0 ? (
                <p class="note">No integrations.</p>
              ) : (
                <ul class="integrations">
                  {details.integration_credentials.map((integration) => (
                    <li key={integration.provider} data-provider={integration.provider}>
                      <strong>{integration.provider}</strong>{' '}
                      <span class={`badge ${integration.status}`}>{integration.status}</span>
                      <span class="note block">
                        connected {when(integration.connected_at)}
                        {integration.last_verified_at
                          ? `, verified ${when(integration.last_verified_at)}`
                          : ''}
                      </span>
                      {integration.last_error && (
                        <span class="error-text block">{integration.last_error}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              <h3>Metrics</h3>
              <dl class="metrics">
                {/* In the labels' order: the cache's own key order changes as it is refreshed. */}
                {Object.keys(METRIC_LABELS)
                  .map((name) => [name, details.metrics_cache[name]] as const)
                  .filter(([, value]) => typeof value === 'number')
                  .map(([name, value]) => (
                    <div key={name} data-metric={name}>
                      <dt>{METRIC_LABELS[name]}</dt>
                      <dd data-value={String(value)} title={full(value as number)}>
                        {compact(value as number)}
                      </dd>
                    </div>
                  ))}
              </dl>
            </div>
          </div>
        )
      }
    </Panel>
  );
}

interface UsageHistory {
  items: {
    id: number;
    created_at: string;
    email: string | null;
    name: string;
    type: string;
    status: string;
    credits: number;
    tokens: { total: number } | null;
    output: string | null;
    link: string | null;
  }[];
  has_more: boolean;
  page: number;
}

/**
 * An execution's output and its link. Links that are paths belong to the platform's own app (seed
 * 001), not to Tally, so they are shown rather than followed; absolute links (signed media) open.
 */
function OutputCell({ output, link }: { output: string | null; link: string | null }) {
  if (link && /^https?:\/\//.test(link)) {
    return (
      <a href={link} rel="noreferrer noopener" target="_blank">
        {output ?? 'open output'}
      </a>
    );
  }
  return (
    <>
      <span>{output ?? '–'}</span>
      {link && (
        <code class="link" title="A path in the platform's app">
          {link}
        </code>
      )}
    </>
  );
}

function History({ session, workspace }: { session: Session; workspace: string }) {
  const [page, setPage] = useState(1);
  const loaded = useLoad(
    () =>
      apiGet<UsageHistory>(
        session,
        '/workspaces/usage',
        { page, per_page: 10 },
        { 'x-workspace-id': workspace },
      ),
    [session.token, workspace, page],
  );
  return (
    <Panel
      title="Usage history"
      id="usage-history"
      loaded={loaded}
      wide
      isEmpty={(h) => h.items.length === 0 && page === 1}
      empty="No agent executions in this workspace."
    >
      {(history) => (
        <>
          <div class="scroll">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Status</th>
                  <th scope="col">User</th>
                  <th scope="col" class="num">
                    Credits
                  </th>
                  <th scope="col" class="num">
                    Tokens
                  </th>
                  <th scope="col">Output</th>
                </tr>
              </thead>
              <tbody>
                {history.items.map((item) => (
                  <tr key={item.id} data-id={item.id}>
                    <td data-label="When (UTC)">{when(item.created_at)}</td>
                    <td data-label="Agent">
                      {item.name} <span class="note">{item.type}</span>
                    </td>
                    <td data-label="Status">
                      <span class={`badge ${item.status}`}>{item.status}</span>
                    </td>
                    <td data-label="User">{item.email ?? '–'}</td>
                    <td data-label="Credits" class="num" data-value={item.credits}>
                      {full(item.credits)}
                    </td>
                    <td data-label="Tokens" class="num">
                      {compact(item.tokens?.total ?? null)}
                    </td>
                    <td data-label="Output" class="output">
                      <OutputCell output={item.output} link={item.link} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Usage history pages"
            previous={page > 1 ? () => setPage(page - 1) : null}
            next={history.has_more ? () => setPage(page + 1) : null}
            position={`Page ${history.page}`}
          />
        </>
      )}
    </Panel>
  );
}

interface AiUsages {
  usages: {
    id: string;
    toolType: string;
    status: string;
    cost: number;
    createdAt: string;
    completedAt: string | null;
  }[];
  pagination: { total: number; limit: number; offset: number; hasMore: boolean };
}

const TOOL_TYPES = ['product-marketing-post', 'image-generation', 'session-summary', 'other'];
const USAGE_STATUSES = ['pending', 'completed', 'failed'];

function AiUsagesPanel({ session, workspace }: { session: Session; workspace: string }) {
  const [toolType, setToolType] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const limit = 10;
  const loaded = useLoad(
    () =>
      apiGet<AiUsages>(session, `/api/v1/workspace/${enc(workspace)}/ai/usages`, {
        limit,
        offset,
        toolType,
        status,
      }),
    [session.token, workspace, toolType, status, offset],
  );
  const filters = (
    <div class="filters compact-filters">
      <label>
        Tool type
        <select
          value={toolType}
          onChange={(e) => {
            setToolType(e.currentTarget.value);
            setOffset(0);
          }}
        >
          <option value="">any</option>
          {TOOL_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setOffset(0);
          }}
        >
          <option value="">any</option>
          {USAGE_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
    </div>
  );
  return (
    <Panel
      title="AI tool usages"
      id="ai-usages"
      loaded={loaded}
      wide
      actions={filters}
      isEmpty={(u) => u.usages.length === 0}
      empty="No AI tool usages match."
    >
      {(answer) => (
        <>
          <p class="note" data-total={answer.pagination.total}>
            {full(answer.pagination.total)} usages
          </p>
          <div class="scroll">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Created (UTC)</th>
                  <th scope="col">Tool type</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Cost
                  </th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {answer.usages.map((usage) => (
                  <tr key={usage.id} data-id={usage.id}>
                    <td data-label="Created (UTC)">{when(usage.createdAt)}</td>
                    <td data-label="Tool type">{usage.toolType}</td>
                    <td data-label="Status">
                      <span class={`badge ${usage.status}`}>{usage.status}</span>
                    </td>
                    <td data-label="Cost" class="num">
                      {full(usage.cost)}
                    </td>
                    <td data-label="Completed">{when(usage.completedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="AI tool usage pages"
            previous={offset > 0 ? () => setOffset(Math.max(0, offset - limit)) : null}
            next={answer.pagination.hasMore ? () => setOffset(offset + limit) : null}
            position={`${full(offset + 1)}–${full(offset + answer.usages.length)} of ${full(answer.pagination.total)}`}
          />
        </>
      )}
    </Panel>
  );
}

export function Pager({
  label,
  previous,
  next,
  position,
}: {
  label: string;
  previous: (() => void) | null;
  next: (() => void) | null;
  position: string;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={() => previous?.()} disabled={!previous}>
        Previous
      </button>
      <span>{position}</span>
      <button type="button" onClick={() => next?.()} disabled={!next}>
        Next
      </button>
    </nav>
  );
}

export function WorkspacePage({ session, route }: { session: Session; route: Route }) {
  const workspace = route.path[1] ?? '';
  const uuid = route.params.get('uuid');
  const window = windowFromParams(route.params);
  const c: Context = { session, scope: { org: session.org, workspace }, window };
  const details = useDetails(session, uuid);
  // The workspace's name once seed 002 has given it; its id until then (or without a UUID).
  const name = details.state === 'ready' && details.data ? details.data.name : null;
  return (
    <>
      <div class="page-head">
        <h1>
          {name ?? `Workspace ${workspace}`}
          {name !== null && name !== `Workspace ${workspace}` && (
            <span class="note"> · workspace {workspace}</span>
          )}
        </h1>
        <a class="button" href={href(['explorer'], { workspace })}>
          Explore its activity
        </a>
      </div>
      <Details loaded={details} route={route} />
      <div class="page-head">
        <h2 class="section">Over time</h2>
        <WindowPicker path={route.path} params={route.params} window={window} />
      </div>
      <Tiles c={c} />
      <div class="grid">
        <RequestsPanel c={c} />
        <SeriesPanel
          c={c}
          id="credits"
          title="Credits by agent"
          metric="credits"
          groupBy="agent"
          format={compact}
        />
        <SeriesPanel
          c={c}
          id="ai-by-type"
          title="AI tool usages by type"
          metric="ai_tool_usages"
          groupBy="tool_type"
          format={compact}
        />
        <TopPanel c={c} dimension="endpoints" title="Busiest endpoints" noun="Endpoint" />
        <TopPanel c={c} dimension="users" title="Busiest users" noun="User" />
      </div>
      <History session={session} workspace={workspace} />
      <AiUsagesPanel session={session} workspace={workspace} />
    </>
  );
}
