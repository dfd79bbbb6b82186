// A small reader for untrusted JSON objects that collects every problem with a field-named message
// instead of stopping at the first, so a rejected event says everything that is wrong with it.
import { NOT_AN_ID, PLATFORM_ID_PATTERN } from '../ids.js';
import { INSTANT_RANGE_TEXT, rfc3339Millis } from '../instants.js';

const PLATFORM_ID = new RegExp(PLATFORM_ID_PATTERN);

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a number field must be; callers keep theirs as module constants. */
export interface NumberLimits {
  readonly required?: boolean;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

const ANY_NUMBER: NumberLimits = {};
export const NOT_NEGATIVE: NumberLimits = { min: 0 };

/** For the `required` parameters: `f.string('id', 256, REQUIRED)`. */
export const REQUIRED = true;

/**
 * Ingestion reads every field of every event through these methods, so they take their limits as
 * plain arguments (or, for numbers, a caller's constant): an options object literal per call was
 * allocated per field per event, ~0.3 KB of an activity event's ~4 KB read (bench/event-read-cost.ts),
 * and what ingestion allocates sets how often the young generation is collected, each time
 * copying every batch in flight.
 */
export class Fields {
  readonly errors: string[] = [];

  constructor(
    private readonly source: Json,
    /** Prefix of field names in messages, e.g. 'data.' */
    private readonly prefix: string,
  ) {}

  private fail(name: string, problem: string): undefined {
    this.errors.push(`${this.prefix}${name}: ${problem}`);
    return undefined;
  }

  has(name: string): boolean {
    return this.source[name] !== undefined && this.source[name] !== null;
  }

  /** A string of 1..max characters; undefined when absent (or an error when required). */
  string(name: string, max = 1024, required = false): string | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'string') return this.fail(name, 'must be a string');
    if (value.length === 0) return this.fail(name, 'must not be empty');
    if (value.length > max) return this.fail(name, `must be at most ${max} characters`);
    return value;
  }

  /** A platform id: 1–128 characters of [A-Za-z0-9._:-]. */
  id(name: string, required = false): string | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'string' || !PLATFORM_ID.test(value)) {
      return this.fail(name, NOT_AN_ID);
    }
    return value;
  }

  /** A finite number within `limits` (a constant of the caller's: see the class comment). */
  number(name: string, limits: NumberLimits = ANY_NUMBER): number | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return limits.required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(name, 'must be a number');
    if (limits.integer && !Number.isSafeInteger(value)) return this.fail(name, 'must be an integer');
    if (limits.min !== undefined && value < limits.min) return this.fail(name, `must be ≥ ${limits.min}`);
    if (limits.max !== undefined && value > limits.max) return this.fail(name, `must be ≤ ${limits.max}`);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.fail(name, 'must be true or false');
    return value;
  }

  timestamp(name: string, required = false): Date | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return required ? this.fail(name, 'is required') : undefined;
    const millis = typeof value === 'string' ? rfc3339Millis(value) : 'format';
    if (typeof millis === 'number') return new Date(millis);
    return millis === 'range'
      ? this.fail(name, `must be ${INSTANT_RANGE_TEXT}`)
      : this.fail(name, 'must be an RFC 3339 date-time with an offset');
  }

  object(name: string, required = false): Json | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return required ? this.fail(name, 'is required') : undefined;
    if (!isObject(value)) return this.fail(name, 'must be an object');
    return value;
  }

  oneOf<const T extends readonly string[]>(name: string, values: T, required = false): T[number] | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'string' || !values.includes(value)) {
      return this.fail(name, `must be one of ${values.join(', ')}`);
    }
    return value as T[number];
  }

  /** Fields of a nested object, reported under `prefix + name + '.'`. */
  nested(value: Json, name: string): Fields {
    const nested = new Fields(value, `${this.prefix}${name}.`);
    // Share the error list so the caller sees nested problems too.
    (nested as { errors: string[] }).errors = this.errors;
    return nested;
  }
}
