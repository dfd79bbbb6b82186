// The panels the overview and the workspace page share: stat tiles compared with the previous
// window, series charts, and top lists, each loading on its own.

import { change, compact, duration, full, percent } from '../format.js';
import { fetchSeries, fetchTop, type Metric, type Scope, type Series, type TopItem } from '../insights.js';
import { useLoad } from '../load.js';
import { href } from '../router.js';
import type { Session } from '../session.js';
import { bucketEnd, previousOf, type TimeWindow } from '../window.js';
import { Chart, type ChartLine } from './chart.js';
import { Panel } from './panel.js';

export interface Context {
  session: Session;
  scope: Scope;
  window: TimeWindow;
}

const key = (c: Context) => [
  c.session.token,
  c.scope.org,
  c.scope.workspace,
  c.window.start,
  c.window.end,
  c.window.bucket,
];

function seriesOf(c: Context, metric: Metric, group_by?: string, range = c.window) {
  return fetchSeries(c.session, c.scope, {
    metric,
    start: range.start,
    end: range.end,
    bucket: c.window.bucket,
    ...(group_by ? { group_by } : {}),
  });
}

/** The explorer link of a bucket of this context's series (records of the org or workspace). */
export function bucketLink(c: Context, buckets: string[], extra: Record<string, string> = {}) {
  return (index: number) => {
    const start = buckets[index];
    if (!start) return null;
    return href(['explorer'], {
      workspace: c.scope.workspace,
      start_time: start,
      end_time: bucketEnd(start, c.window.bucket),
      ...extra,
    });
  };
}

interface TileSpec {
  metric: Metric;
  label: string;
  format: (value: number | null) => string;
  /** Whether a rise is bad news (failures, durations), for the change's colour. */
  riseIsBad?: boolean;
}

export const TILES: TileSpec[] = [
  { metric: 'requests', label: 'Requests', format: compact },
  { metric: 'failed_requests', label: 'Failed requests', format: compact, riseIsBad: true },
  { metric: 'avg_duration_ms', label: 'Average duration', format: duration, riseIsBad: true },
  { metric: 'tokens', label: 'Tokens', format: compact },
  { metric: 'executions', label: 'Agent executions', format: compact },
  { metric: 'credits', label: 'Credits', format: compact },
  { metric: 'ai_tool_usages', label: 'AI tool usages', format: compact },
];

function Tile({ c, spec }: { c: Context; spec: TileSpec }) {
  const loaded = useLoad(async () => {
    const [now, before] = await Promise.all([
      seriesOf(c, spec.metric),
      seriesOf(c, spec.metric, undefined, { ...c.window, ...previousOf(c.window) }),
    ]);
    return { now: now.total, before: before.total };
  }, [...key(c), spec.metric]);
  const id = `tile-${spec.metric}`;
  return (
    <section class="tile" data-metric={spec.metric} data-state={loaded.state} aria-labelledby={`${id}-label`}>
      <span class="tile-label" id={`${id}-label`}>
        {spec.label}
      </span>
      {loaded.state === 'loading' && <output class="tile-value note">…</output>}
      {loaded.state === 'error' && (
        <span class="tile-value error" role="alert">
          {loaded.message}
        </span>
      )}
      {loaded.state === 'ready' && (
        <>
          <span class="tile-value" data-value={loaded.data.now ?? ''} title={full(loaded.data.now)}>
            {spec.format(loaded.data.now)}
          </span>
          <TileChange spec={spec} now={loaded.data.now} before={loaded.data.before} />
        </>
      )}
    </section>
  );
}

function TileChange({ spec, now, before }: { spec: TileSpec; now: number | null; before: number | null }) {
  const text = change(now, before);
  if (text === null) return <span class="tile-change">no previous data</span>;
  const rose = (now ?? 0) > (before ?? 0);
  const tone = now === before ? '' : rose === !spec.riseIsBad ? 'good' : 'bad';
  return (
    <span class={`tile-change ${tone}`} data-previous={before ?? ''}>
      {text} <span class="note">vs previous ({spec.format(before)})</span>
    </span>
  );
}

export function Tiles({ c, metrics }: { c: Context; metrics?: Metric[] }) {
  const specs = metrics ? TILES.filter((t) => metrics.includes(t.metric)) : TILES;
  return (
    <section class="tiles" aria-label="Totals over the window, compared with the previous window">
      {specs.map((spec) => (
        <Tile key={spec.metric} c={c} spec={spec} />
      ))}
    </section>
  );
}

const lineLabel = (line: { key: string | null; label: string | null }, fallback: string) =>
  line.label ?? line.key ?? fallback;

const allEmpty = (series: Series[]) =>
  series.every((s) => s.series.every((line) => line.values.every((v) => !v)));

/** Requests and failed requests, one chart; a bucket opens its records. */
export function RequestsPanel({ c }: { c: Context }) {
  const loaded = useLoad(
    () => Promise.all([seriesOf(c, 'requests'), seriesOf(c, 'failed_requests')]),
    key(c),
  );
  return (
    <Panel
      title="Requests and failures"
      id="requests"
      loaded={loaded}
      wide
      isEmpty={allEmpty}
      empty="No requests in this window."
    >
      {([requests, failed]) => (
        <Chart
          label="Requests and failed requests per bucket"
          buckets={requests.buckets}
          bucket={requests.bucket}
          lines={[
            { label: 'Requests', values: requests.series[0]?.values ?? [] },
            { label: 'Failed', values: failed.series[0]?.values ?? [] },
          ]}
          format={compact}
          linkFor={bucketLink(c, requests.buckets)}
        />
      )}
    </Panel>
  );
}

/** One metric over time, optionally grouped (top groups and "other"). */
export function SeriesPanel({
  c,
  id,
  title,
  metric,
  groupBy,
  format,
  link,
  wide,
}: {
  c: Context;
  id: string;
  title: string;
  metric: Metric;
  groupBy?: string;
  format: (value: number | null) => string;
  link?: boolean;
  wide?: boolean;
}) {
  const loaded = useLoad(() => seriesOf(c, metric, groupBy), [...key(c), metric, groupBy]);
  return (
    <Panel
      title={title}
      id={id}
      loaded={loaded}
      wide={wide ?? false}
      isEmpty={(s) => allEmpty([s])}
      empty="Nothing recorded in this window."
    >
      {(series) => {
        const lines: ChartLine[] = series.series.map((line) => ({
          label: lineLabel(line, title),
          values: line.values,
        }));
        return (
          <>
            <Chart
              label={title}
              buckets={series.buckets}
              bucket={series.bucket}
              lines={lines}
              format={format}
              {...(link ? { linkFor: bucketLink(c, series.buckets) } : {})}
            />
            {groupBy && (
              <ul class="legend-totals" aria-label={`${title}: totals over the window`}>
                {series.series.map((line) => (
                  <li key={line.key ?? 'all'} data-key={line.key ?? ''}>
                    <span>{lineLabel(line, title)}</span>{' '}
                    <strong title={full(line.total)}>{format(line.total)}</strong>
                  </li>
                ))}
              </ul>
            )}
          </>
        );
      }}
    </Panel>
  );
}

/** The busiest workspaces, users, endpoints or agents, with their failure rates. */
export function TopPanel({
  c,
  dimension,
  title,
  noun,
  linkOf,
}: {
  c: Context;
  dimension: 'workspaces' | 'users' | 'endpoints' | 'agents';
  title: string;
  noun: string;
  linkOf?: (item: TopItem) => string;
}) {
  const loaded = useLoad(
    () => fetchTop(c.session, c.scope, { dimension, start: c.window.start, end: c.window.end, limit: 10 }),
    [...key(c), dimension],
  );
  const countLabel = dimension === 'agents' ? 'Executions' : 'Requests';
  return (
    <Panel
      title={title}
      id={`top-${dimension}`}
      loaded={loaded}
      isEmpty={(t) => t.items.length === 0}
      empty="Nothing recorded in this window."
    >
      {(top) => {
        const most = Math.max(...top.items.map((item) => item.requests), 1);
        return (
          <div class="scroll">
            <table class="top">
              <thead>
                <tr>
                  <th scope="col">{noun}</th>
                  <th scope="col" class="num">
                    {countLabel}
                  </th>
                  <th scope="col" class="num">
                    Failed
                  </th>
                  <th scope="col" class="num">
                    Failure rate
                  </th>
                </tr>
              </thead>
              <tbody>
                {top.items.map((item) => (
                  <tr key={item.key} data-key={item.key}>
                    <th scope="row">
                      {linkOf ? (
                        <a href={linkOf(item)}>{item.label ?? item.key}</a>
                      ) : (
                        (item.label ?? item.key)
                      )}
                      <meter class="bar" min={0} max={most} value={item.requests} aria-hidden="true" />
                    </th>
                    <td class="num" data-value={item.requests} title={full(item.requests)}>
                      {compact(item.requests)}
                    </td>
                    <td class="num" data-value={item.failed} title={full(item.failed)}>
                      {compact(item.failed)}
                    </td>
                    <td class="num" data-value={item.failure_rate}>
                      {percent(item.failure_rate)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }}
    </Panel>
  );
}
