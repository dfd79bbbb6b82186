// Request validation by part. A query string, path or header carries only text, so Ajv coerces
// it to the schema's types ("5" → 5, "true" → true, `?a=1` → ["1"] for a list). A JSON body
// carries its types itself: coercing it would accept `"abilities": "admin"` as ["admin"],
// `"name": 42` as "42" or `"role": ["owner"]` as "owner", so bodies are validated by an Ajv
// that coerces nothing, with every other option (and the formats Fastify adds) the same.
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type AjvServerOptions = NonNullable<Parameters<ValidatorFactory>[1]>;

/** The Ajv options of every part; `coerceTypes` is the text parts' (bodies use none). */
export const AJV_OPTIONS = {
  allErrors: true,
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: false,
} as const;

// Fastify's own validator factory (what it uses when none is given), loaded from Fastify's
// dependencies so it is the very version Fastify was built with.
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultValidatorFactory = fastifyRequire('@fastify/ajv-compiler') as () => ValidatorFactory;

/** A validator factory that compiles bodies without coercion and the other parts with it. */
export const validatorsByPart: ValidatorFactory = (externalSchemas, options) => {
  const base: AjvServerOptions = options ?? { customOptions: AJV_OPTIONS };
  const factory = defaultValidatorFactory();
  const coercing = factory(externalSchemas, base);
  const strict = factory(externalSchemas, {
    ...base,
    customOptions: { ...base.customOptions, coerceTypes: false },
  } as AjvServerOptions);
  return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
};
