// One loader per panel: each panel has its own loading, error and empty state, so one refused or
// slow call never blanks the page.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string; status: number }
  | { state: 'ready'; data: T };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setValue({ state: 'loading' });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setValue({ state: 'ready', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const status = error instanceof ApiError ? error.status : 0;
        const message = error instanceof Error ? error.message : String(error);
        setValue({ state: 'error', message, status });
      },
    );
    return () => controller.abort();
  }, deps);
  return value;
}
