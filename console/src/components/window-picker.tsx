// The window picker: presets as a radio group, or a custom UTC range. The window lives in the URL.
import { useState } from 'preact/hooks';
import { href, navigate } from '../router.js';
import {
  customWindow,
  fromInput,
  PRESETS,
  type Preset,
  presetWindow,
  type TimeWindow,
  toInput,
} from '../window.js';

export function windowFromParams(params: URLSearchParams): TimeWindow {
  const preset = (params.get('w') ?? '24h') as Preset;
  if (preset === 'custom') {
    const custom = customWindow(params.get('start') ?? '', params.get('end') ?? '');
    if (typeof custom !== 'string') return custom;
  }
  return presetWindow(preset === 'custom' || !PRESETS.some((p) => p.value === preset) ? '24h' : preset);
}

interface PickerProps {
  path: string[];
  params: URLSearchParams;
  window: TimeWindow;
}

export function WindowPicker({ path, params, window: current }: PickerProps) {
  const [start, setStart] = useState(toInput(current.start));
  const [end, setEnd] = useState(toInput(current.end));
  const [problem, setProblem] = useState<string | null>(null);
  const others = Object.fromEntries([...params].filter(([name]) => !['w', 'start', 'end'].includes(name)));
  const choose = (preset: Preset) => {
    if (preset === 'custom') {
      navigate(href(path, { ...others, w: 'custom', start: current.start, end: current.end }));
      return;
    }
    navigate(href(path, { ...others, w: preset }));
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const custom = customWindow(fromInput(start), fromInput(end));
    if (typeof custom === 'string') {
      setProblem(custom);
      return;
    }
    setProblem(null);
    navigate(href(path, { ...others, w: 'custom', start: custom.start, end: custom.end }));
  };
  return (
    <div class="window-picker">
      <fieldset class="presets">
        <legend>Window</legend>
        {PRESETS.map((preset) => (
          <label key={preset.value} class={current.preset === preset.value ? 'chip active' : 'chip'}>
            <input
              type="radio"
              name="window"
              value={preset.value}
              checked={current.preset === preset.value}
              onChange={() => choose(preset.value)}
            />
            {preset.label}
          </label>
        ))}
      </fieldset>
      {current.preset === 'custom' && (
        <form class="custom-range" onSubmit={apply}>
          <label>
            From (UTC)
            <input
              type="datetime-local"
              value={start}
              onInput={(e) => setStart(e.currentTarget.value)}
              required
            />
          </label>
          <label>
            To (UTC)
            <input
              type="datetime-local"
              value={end}
              onInput={(e) => setEnd(e.currentTarget.value)}
              required
            />
          </label>
          <button type="submit">Apply</button>
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
