// A small reader for untrusted JSON objects that collects every problem with a field-named message
// instead of stopping at the first, so a rejected event says everything that is wrong with it.
import { PLATFORM_ID_PATTERN } from '../ids.js';
import { INSTANT_RANGE_TEXT, parseRfc3339 } from '../instants.js';

const PLATFORM_ID = new RegExp(PLATFORM_ID_PATTERN);

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
  string(name: string, options: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'string') return this.fail(name, 'must be a string');
    if (value.length === 0) return this.fail(name, 'must not be empty');
    const max = options.max ?? 1024;
    if (value.length > max) return this.fail(name, `must be at most ${max} characters`);
    return value;
  }

  /** A platform id: 1–128 characters of [A-Za-z0-9._:-]. */
  id(name: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'string' || !PLATFORM_ID.test(value)) {
      return this.fail(name, 'must be an id of 1–128 characters of [A-Za-z0-9._:-]');
    }
    return value;
  }

  number(name: string, options: { required?: boolean; min?: number; integer?: boolean; max?: number } = {}) {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(name, 'must be a number');
    if (options.integer && !Number.isSafeInteger(value)) return this.fail(name, 'must be an integer');
    if (options.min !== undefined && value < options.min) return this.fail(name, `must be ≥ ${options.min}`);
    if (options.max !== undefined && value > options.max) return this.fail(name, `must be ≤ ${options.max}`);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.fail(name, 'must be true or false');
    return value;
  }

  timestamp(name: string, options: { required?: boolean } = {}): Date | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
    const parsed = typeof value === 'string' ? parseRfc3339(value) : ({ error: 'format' } as const);
    if ('date' in parsed) return parsed.date;
    return parsed.error === 'range'
      ? this.fail(name, `must be ${INSTANT_RANGE_TEXT}`)
      : this.fail(name, 'must be an RFC 3339 date-time with an offset');
  }

  object(name: string, options: { required?: boolean } = {}): Json | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
    if (!isObject(value)) return this.fail(name, 'must be an object');
    return value;
  }

  oneOf<const T extends readonly string[]>(
    name: string,
    values: T,
    options: { required?: boolean } = {},
  ): T[number] | undefined {
    const value = this.source[name];
    if (value === undefined || value === null)
      return options.required ? this.fail(name, 'is required') : undefined;
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
