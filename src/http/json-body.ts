// A body written as JSON text by the route itself instead of by its response schema's serializer
// (issue #16: for large bodies of numbers and nullable fields the native JSON.stringify over
// objects of one shape costs a fraction of fast-json-stringify's per-field type tests). Fastify
// sends a string whose content type is set as it is. Each such body has a test that holds it
// byte for byte against the schema serializer (test/helpers/hostile-json.ts).
import type { FastifyReply } from 'fastify';

/**
 * Sets the JSON content type and hands the text back typed as the body it is the JSON of, so the
 * route still type-checks against its response schema.
 */
export function jsonBody<Body>(reply: FastifyReply, json: string): Body {
  reply.type('application/json; charset=utf-8');
  return json as unknown as Body;
}

/**
 * A number the response schema's serializer would have refused (a 500, never a body with a null
 * the ledger does not hold) is refused here too, with its words.
 */
export function schemaNumber(value: number | null, refuse: (value: number) => boolean): number | null {
  if (value !== null && refuse(value))
    throw new Error(`The value "${value}" does not match the schema definition.`);
  return value;
}
