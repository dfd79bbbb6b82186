// The activity explorer: seed 004's workspace search with every filter (or the org's listing,
// which filters by time only), cursor paging, and a record's full detail. Filters live in the URL,
// so a chart bucket links here with its window.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiGet, enc, type Query } from '../api.js';
import { Panel } from '../components/panel.js';
import { duration, full, when } from '../format.js';
import { useLoad } from '../load.js';
import { href, navigate, type Route } from '../router.js';
import type { Session } from '../session.js';
import { fromInput, toInput } from '../window.js';
import { Pager } from './workspace.js';

interface Activity {
  id: string;
  timestamp: string;
  user_id: string | null;
  workspace_id: string | null;
  method: string | null;
  path: string | null;
  resource_type: string | null;
  resource_id: string | null;
  action: string | null;
  status_code: number | null;
  success: boolean;
  error_code: string | null;
  duration_ms: number | null;
  token_usage: { total_tokens?: number } | null;
  [field: string]: unknown;
}

interface Page {
  total: number;
  has_more: boolean;
  next_cursor: string | null;
  activities: Activity[];
}

const ACTIONS = ['create', 'read', 'update', 'delete', 'execute', 'trigger'];
/** Filters of the search; the org listing takes only the window and the page size. */
const SEARCH_ONLY = ['action', 'resource_type', 'user_id', 'status', 'min_duration_ms', 'max_duration_ms'];
const FIELDS = ['workspace', 'start_time', 'end_time', 'limit', ...SEARCH_ONLY];

function Filters({ route }: { route: Route }) {
  const initial = Object.fromEntries(FIELDS.map((name) => [name, route.params.get(name) ?? '']));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const routeKey = route.params.toString();
  useEffect(
    () => setValues(Object.fromEntries(FIELDS.map((name) => [name, route.params.get(name) ?? '']))),
    [routeKey],
  );
  const set = (name: string) => (event: Event) =>
    setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });
  const submit = (event: Event) => {
    event.preventDefault();
    const chosen: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (!value.trim()) continue;
      if (!values.workspace && SEARCH_ONLY.includes(name)) continue;
      chosen[name] = value.trim();
    }
    navigate(href(['explorer'], chosen));
  };
  const scoped = values.workspace?.trim() !== '';
  const time = (name: 'start_time' | 'end_time', label: string) => (
    <label>
      {label}
      <input
        type="datetime-local"
        step="1"
        name={name}
        value={values[name] ? toInput(values[name]) : ''}
        onInput={(e) => setValues({ ...values, [name]: fromInput(e.currentTarget.value.slice(0, 16)) })}
      />
    </label>
  );
  return (
    <form class="filters" onSubmit={submit} aria-label="Activity filters">
      <label>
        Workspace id
        <input
          name="workspace"
          value={values.workspace}
          onInput={set('workspace')}
          placeholder="all workspaces"
        />
      </label>
      {time('start_time', 'From (UTC)')}
      {time('end_time', 'To (UTC)')}
      <fieldset disabled={!scoped} class="search-only">
        <legend>{scoped ? 'Search filters' : 'Search filters (choose a workspace)'}</legend>
        <label>
          Action
          <select name="action" value={values.action} onChange={set('action')}>
            <option value="">any</option>
            {ACTIONS.map((action) => (
              <option key={action}>{action}</option>
            ))}
          </select>
        </label>
        <label>
          Resource type
          <input name="resource_type" value={values.resource_type} onInput={set('resource_type')} />
        </label>
        <label>
          User id
          <input name="user_id" value={values.user_id} onInput={set('user_id')} />
        </label>
        <label>
          Status
          <select name="status" value={values.status} onChange={set('status')}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="error">error</option>
          </select>
        </label>
        <label>
          Min duration (ms)
          <input
            name="min_duration_ms"
            type="number"
            min="0"
            inputMode="numeric"
            value={values.min_duration_ms}
            onInput={set('min_duration_ms')}
          />
        </label>
        <label>
          Max duration (ms)
          <input
            name="max_duration_ms"
            type="number"
            min="0"
            inputMode="numeric"
            value={values.max_duration_ms}
            onInput={set('max_duration_ms')}
          />
        </label>
      </fieldset>
      <label>
        Per page
        <select name="limit" value={values.limit || '50'} onChange={set('limit')}>
          {['20', '50', '100', '200'].map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>
      <div class="form-actions">
        <button type="submit">Search</button>
        <a class="button secondary" href={href(['explorer'])}>
          Clear
        </a>
      </div>
    </form>
  );
}

function Detail({ record, close }: { record: Activity; close: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [record.id]);
  return (
    <section class="panel wide detail" aria-labelledby="record-title" data-record={record.id}>
      <div class="panel-head">
        <h2 id="record-title" tabIndex={-1} ref={heading}>
          Record {record.id}
        </h2>
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
      <dl class="facts">
        {Object.entries(record).map(([name, value]) => (
          <div key={name} data-field={name}>
            <dt>{name}</dt>
            <dd>
              {value !== null && typeof value === 'object' ? (
                <pre>{JSON.stringify(value, null, 2)}</pre>
              ) : value === null ? (
                <span class="note">null</span>
              ) : (
                String(value)
              )}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function Explorer({ session, route }: { session: Session; route: Route }) {
  const params = route.params;
  const workspace = params.get('workspace') ?? '';
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<Activity | null>(null);
  const routeKey = params.toString();
  useEffect(() => {
    setCursors([]);
    setSelected(null);
  }, [routeKey]);
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(() => {
    const query: Query = {
      start_time: params.get('start_time'),
      end_time: params.get('end_time'),
      limit: params.get('limit') ?? 50,
      cursor,
    };
    if (workspace) {
      for (const name of SEARCH_ONLY) query[name] = params.get(name);
      return apiGet<Page>(
        session,
        `/v1/orgs/${enc(session.org)}/workspaces/${enc(workspace)}/activity/search`,
        query,
      );
    }
    return apiGet<Page>(session, `/v1/orgs/${enc(session.org)}/activity`, query);
  }, [session.token, routeKey, cursor]);
  return (
    <>
      <div class="page-head">
        <h1>Activity explorer</h1>
        <p class="note">{workspace ? `Workspace ${workspace}` : `All workspaces of ${session.org}`}</p>
      </div>
      <Filters route={route} />
      {selected && <Detail record={selected} close={() => setSelected(null)} />}
      <Panel
        title="Records"
        id="records"
        loaded={loaded}
        wide
        isEmpty={(page) => page.activities.length === 0}
        empty="No records match these filters."
      >
        {(page) => (
          <>
            <p class="note" data-total={page.total}>
              {full(page.total)} {page.total === 1 ? 'record' : 'records'}
              {params.get('start_time') || params.get('end_time')
                ? ` from ${when(params.get('start_time'))} to ${when(params.get('end_time'))}`
                : ''}
            </p>
            <div class="scroll">
              <table class="records stack">
                <thead>
                  <tr>
                    <th scope="col">Time (UTC)</th>
                    <th scope="col">Request</th>
                    <th scope="col">Action</th>
                    <th scope="col">Resource</th>
                    <th scope="col">Workspace</th>
                    <th scope="col">User</th>
                    <th scope="col" class="num">
                      Status
                    </th>
                    <th scope="col" class="num">
                      Duration
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.activities.map((record) => (
                    <tr key={record.id} data-id={record.id} class={record.success ? '' : 'failed'}>
                      <td data-label="Time (UTC)">
                        <button
                          type="button"
                          class="link"
                          onClick={() => setSelected(record)}
                          aria-label={`Details of record ${record.id}`}
                        >
                          {when(record.timestamp)}
                        </button>
                      </td>
                      <td class="path" data-label="Request">
                        <code>
                          {record.method ?? ''} {record.path ?? ''}
                        </code>
                      </td>
                      <td data-label="Action">{record.action ?? '–'}</td>
                      <td data-label="Resource">{record.resource_type ?? '–'}</td>
                      <td data-label="Workspace">{record.workspace_id ?? '–'}</td>
                      <td data-label="User">{record.user_id ?? '–'}</td>
                      <td class="num" data-label="Status">
                        <span class={record.success ? 'badge succeeded' : 'badge failed'}>
                          {record.status_code ?? '–'}
                        </span>
                      </td>
                      <td class="num" data-label="Duration">
                        {duration(record.duration_ms)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              label="Record pages"
              previous={cursors.length > 0 ? () => setCursors(cursors.slice(0, -1)) : null}
              next={
                page.has_more && page.next_cursor
                  ? () => setCursors([...cursors, page.next_cursor as string])
                  : null
              }
              position={`Page ${cursors.length + 1}`}
            />
          </>
        )}
      </Panel>
    </>
  );
}
