// The windows of the insights API: UTC-aligned [start, end) in microseconds, split into the
// rollup grains that serve them.
import { MICROS_PER_DAY, MICROS_PER_HOUR, type Micros, splitWindow } from '../activity/time.js';

export type Grain = 'hour' | 'day';

export const GRAIN_MICROS: Record<Grain, Micros> = { hour: MICROS_PER_HOUR, day: MICROS_PER_DAY };

export interface AlignedWindow {
  start: Micros;
  end: Micros;
}

/** Start floored and end ceiled to the grain: every bucket the window touches, whole. */
export function alignWindow(start: Micros, end: Micros, grain: Grain): AlignedWindow {
  const size = GRAIN_MICROS[grain];
  return { start: Math.floor(start / size) * size, end: Math.ceil(end / size) * size };
}

/** Bucket starts of an aligned window. */
export function bucketStarts(window: AlignedWindow, grain: Grain): Micros[] {
  const starts: Micros[] = [];
  for (let at = window.start; at < window.end; at += GRAIN_MICROS[grain]) starts.push(at);
  return starts;
}

/** An hour-aligned window as the rollup rows covering it: whole days, then the hours around them. */
export function grainRanges(window: AlignedWindow): { grain: Grain; from: Micros; to: Micros }[] {
  const split = splitWindow(window.start, window.end);
  const ranges: { grain: Grain; from: Micros; to: Micros }[] = [];
  if (split.days) ranges.push({ grain: 'day', from: split.days.from as Micros, to: split.days.to });
  for (const range of split.hours) ranges.push({ grain: 'hour', from: range.from as Micros, to: range.to });
  return ranges;
}
