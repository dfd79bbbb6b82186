// The service's resident memory, and the judgement "grew beyond noise or not". A Node process's RSS
// moves with garbage collection and allocator caching, so one sample against another proves
// little: the rule compares the end with the start against the swing seen in the first half.
import { readFileSync } from 'node:fs';
import { mb } from '../lib/report.js';

/** VmRSS of a process in MB, or NaN when it is gone. */
export function residentMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? mb(Number(match[1]) * 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface MemoryVerdict {
  /** Right after /readyz answered, before any load. */
  readyMb: number;
  /** When the soak phase started (after the capacity probe had warmed everything up). */
  startMb: number;
  /** When the soak phase ended, after the last answers arrived. */
  endMb: number;
  growthMb: number;
  growthPercent: number;
  /** Least-squares slope of the window-end samples over the second half of the soak. */
  secondHalfSlopeMbPerMinute: number;
  /** Largest RSS of the whole process life (VmHWM). */
  lifetimePeakMb: number;
  /** How much growth is still noise: max(2 x the first half's swing, 10% of start, 20 MB). */
  toleranceMb: number;
  /** Null when the soak had fewer than MIN_WINDOWS windows: too short to tell growth from noise. */
  grewBeyondNoise: boolean | null;
}

export const MIN_WINDOWS = 4;

const round1 = (value: number) => Math.round(value * 10) / 10;

function slopePerMinute(points: { seconds: number; mb: number }[]): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((s, p) => s + p.seconds, 0) / points.length;
  const meanY = points.reduce((s, p) => s + p.mb, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.seconds - meanX) * (p.mb - meanY), 0);
  const sxx = points.reduce((s, p) => s + (p.seconds - meanX) ** 2, 0);
  return sxx === 0 ? 0 : round1((sxy / sxx) * 60);
}

export function judgeMemory(input: {
  readyMb: number;
  startMb: number;
  endMb: number;
  lifetimePeakMb: number;
  /** RSS at the end of each window. */
  windows: { seconds: number; mb: number }[];
}): MemoryVerdict {
  const half = Math.ceil(input.windows.length / 2);
  const firstHalf = [input.startMb, ...input.windows.slice(0, half).map((w) => w.mb)];
  const swing = Math.max(...firstHalf) - Math.min(...firstHalf);
  const toleranceMb = round1(Math.max(2 * swing, 0.1 * input.startMb, 20));
  const growthMb = round1(input.endMb - input.startMb);
  return {
    readyMb: input.readyMb,
    startMb: input.startMb,
    endMb: input.endMb,
    growthMb,
    growthPercent: round1((growthMb / input.startMb) * 100),
    secondHalfSlopeMbPerMinute: slopePerMinute(input.windows.slice(Math.floor(input.windows.length / 2))),
    lifetimePeakMb: input.lifetimePeakMb,
    toleranceMb,
    grewBeyondNoise: input.windows.length < MIN_WINDOWS ? null : growthMb > toleranceMb,
  };
}
