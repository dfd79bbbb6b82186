// Schemas shared by several surfaces, defined once.
import { type TObject, Type } from 'typebox';
import { PLATFORM_ID_PATTERN } from '../../ids.js';

/** A platform-supplied id: 1–128 characters of [A-Za-z0-9._:-]. */
export const PlatformId = Type.String({ pattern: PLATFORM_ID_PATTERN, minLength: 1, maxLength: 128 });

export const Uuid = Type.String({ format: 'uuid' });

export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A JSON object of any shape (settings, config, metadata). */
export const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

/** A string enum that Ajv reports as one `enum` error (rendered as pydantic's literal_error). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * `schema` with its defaulted properties left out of `required`: optional to the caller (and so
 * in the OpenAPI document) yet always present to the handler, since Ajv's `useDefaults` fills
 * them in before validating. The static type keeps them required for the same reason.
 */
export function DefaultsOptional<T extends TObject>(schema: T): T {
  const required = (schema.required ?? []).filter(
    (name: string) => !('default' in (schema.properties[name] as object)),
  );
  const { required: _all, ...rest } = schema;
  return (required.length > 0 ? { ...rest, required } : rest) as T;
}
