// One loader per panel: each panel has its own loading, error and empty state, so one refused or
// slow call never blanks the page.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string; status: number }
  | { state: 'ready'; data: T };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  // The answer remembers the deps it was loaded for: when they change (a new page, filter or
  // window), the render that follows says "loading" at once, rather than showing the previous
  // answer as ready until the effect below has run (a frame later).
  const [value, setValue] = useState<{ deps: unknown[]; loaded: Loaded<T> }>({
    deps,
    loaded: { state: 'loading' },
  });
  useEffect(() => {
    const controller = new AbortController();
    setValue({ deps, loaded: { state: 'loading' } });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setValue({ deps, loaded: { state: 'ready', data } });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const status = error instanceof ApiError ? error.status : 0;
        const message = error instanceof Error ? error.message : String(error);
        setValue({ deps, loaded: { state: 'error', message, status } });
      },
    );
    return () => controller.abort();
  }, deps);
  return sameDeps(value.deps, deps) ? value.loaded : { state: 'loading' };
}

/** As hooks compare deps: element by element, with Object.is. */
function sameDeps(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}
