// A titled panel that shows its loader's state: a busy note, the surface's refusal, an empty note,
// or its content.
import type { ComponentChildren } from 'preact';
import type { Loaded } from '../load.js';

interface PanelProps<T> {
  title: string;
  id?: string;
  loaded: Loaded<T>;
  /** Whether the data has nothing to show. */
  isEmpty?: (data: T) => boolean;
  empty?: string;
  wide?: boolean;
  actions?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}

export function Panel<T>({ title, id, loaded, isEmpty, empty, wide, actions, children }: PanelProps<T>) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-title`;
  return (
    <section
      class={wide ? 'panel wide' : 'panel'}
      aria-labelledby={headingId}
      aria-busy={loaded.state === 'loading'}
      data-panel={id ?? title}
      data-state={loaded.state === 'ready' && isEmpty?.(loaded.data) ? 'empty' : loaded.state}
    >
      <div class="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {loaded.state === 'loading' && <output class="note block">Loading…</output>}
      {loaded.state === 'error' && (
        <p class="error" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' &&
        (isEmpty?.(loaded.data) ? (
          <p class="note">{empty ?? 'Nothing in this window.'}</p>
        ) : (
          children(loaded.data)
        ))}
    </section>
  );
}
