// The insights API (issue 15): time series and top lists of an org or one of its workspaces.
import { apiGet, enc, type Query } from './api.js';
import type { Session } from './session.js';

export interface SeriesLine {
  key: string | null;
  label: string | null;
  values: (number | null)[];
  total: number | null;
}

export interface Series {
  metric: string;
  bucket: 'hour' | 'day';
  start_time: string;
  end_time: string;
  buckets: string[];
  series: SeriesLine[];
  total: number | null;
}

export interface TopItem {
  key: string;
  label: string | null;
  uuid?: string | null;
  requests: number;
  failed: number;
  failure_rate: number;
}

export interface Top {
  dimension: string;
  start_time: string;
  end_time: string;
  items: TopItem[];
}

export type Metric =
  | 'requests'
  | 'failed_requests'
  | 'avg_duration_ms'
  | 'tokens'
  | 'executions'
  | 'credits'
  | 'execution_tokens'
  | 'ai_tool_usages';

export interface Scope {
  org: string;
  workspace?: string | undefined;
}

// The overview asks for the same series for a tile and a chart; one answer serves both for a while.
const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; answer: Promise<unknown> }>();

export function clearInsightsCache(): void {
  cache.clear();
}

function cachedGet<T>(session: Session, path: string, query: Query): Promise<T> {
  const key = JSON.stringify([session.token, path, query]);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.answer as Promise<T>;
  const answer = apiGet<T>(session, path, query);
  cache.set(key, { at: Date.now(), answer });
  answer.catch(() => cache.delete(key));
  return answer;
}

function base(scope: Scope): string {
  const org = `/v1/orgs/${enc(scope.org)}`;
  return scope.workspace ? `${org}/workspaces/${enc(scope.workspace)}` : org;
}

export function fetchSeries(
  session: Session,
  scope: Scope,
  query: {
    metric: Metric;
    start: string;
    end: string;
    bucket: 'hour' | 'day';
    group_by?: string;
    top?: number;
  },
): Promise<Series> {
  return cachedGet<Series>(session, `${base(scope)}/insights/series`, {
    metric: query.metric,
    start_time: query.start,
    end_time: query.end,
    bucket: query.bucket,
    group_by: query.group_by,
    top: query.top,
  });
}

export function fetchTop(
  session: Session,
  scope: Scope,
  query: {
    dimension: 'workspaces' | 'users' | 'endpoints' | 'agents';
    start: string;
    end: string;
    limit?: number;
  },
): Promise<Top> {
  return cachedGet<Top>(session, `${base(scope)}/insights/top`, {
    dimension: query.dimension,
    start_time: query.start,
    end_time: query.end,
    limit: query.limit,
  });
}
