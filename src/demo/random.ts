// Deterministic randomness for synthetic data: the same seed gives the same data, so a demo or
// benchmark load can be repeated (and is idempotent: its ids repeat too).

/** mulberry32: a small, fast 32-bit PRNG. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Dice {
  constructor(readonly next: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)]!;
  }

  /** Picks by weight: [[value, weight], …]. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll <= 0) return value;
    }
    return choices.at(-1)![0];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Log-normal, for durations: most requests fast, a long tail of slow ones. */
  logNormal(median: number, spread: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(spread * normal);
  }
}

/**
 * Zipf-like weights: item i (from 1) weighs 1 / i^s, so a few items (orgs, workspaces) hold most
 * of the records, as on real platforms. Returns cumulative weights for `ZipfPicker`.
 */
export class ZipfPicker {
  private readonly cumulative: Float64Array;

  constructor(count: number, exponent = 1.1) {
    this.cumulative = new Float64Array(count);
    let sum = 0;
    for (let i = 0; i < count; i += 1) {
      sum += 1 / (i + 1) ** exponent;
      this.cumulative[i] = sum;
    }
    for (let i = 0; i < count; i += 1) this.cumulative[i]! /= sum;
  }

  /** Index (0-based) for a uniform roll in [0, 1). */
  index(roll: number): number {
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumulative[mid]! < roll) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  share(index: number): number {
    return this.cumulative[index]! - (index > 0 ? this.cumulative[index - 1]! : 0);
  }
}
