// Every request limit of the service, in one place, with the answer each one gives. The limits are
// layered: the Node HTTP parser caps the whole request head (a transport cap, answered before any
// route is known), and below that cap the application's own limits answer in the surface's error
// format, so a client that oversteps a limit by a little learns which one, in words it can parse.
// docs/limits.md is the user-facing table of these values; keep the two in step.

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * JSON request bodies (the administration API): Fastify's `bodyLimit`. Read routes take no body
 * (a body sent with GET is never read). Over it: 413.
 */
export const JSON_BODY_LIMIT = 1 * MiB;

/** Ingestion: the decoded (inflated) body. Over it: 413, checked while inflating (no gzip bomb). */
export const INGEST_DECODED_BODY_LIMIT = 5 * MiB;
/** Ingestion on the wire: compressed bodies may exceed the decoded limit slightly (framing). */
export const INGEST_RAW_BODY_LIMIT = INGEST_DECODED_BODY_LIMIT + 64 * KiB;
/** Ingestion: events in one batch. Over it: 413. */
export const INGEST_MAX_EVENTS = 5_000;

/**
 * Nesting depth of any JSON value received (an admin body; one ingested event). Deeper input would
 * exhaust the stack of the code that walks or serialises it. Over it: 422 for an admin body (the
 * pointer names the first container too deep); the event alone is rejected in an ingested batch.
 */
export const MAX_JSON_DEPTH = 64;

/** The request target (path and query string), in bytes. Over it: 414. */
export const MAX_URL_BYTES = 8 * KiB;
/** Query parameters in one request, each repetition of a key counted. Over it: 400. */
export const MAX_QUERY_PARAMETERS = 64;
/** Request header fields (names, values and their framing), in bytes. Over it: 431. */
export const MAX_HEADER_BYTES = 16 * KiB;
/** Request header fields, counted. Over it: 431. */
export const MAX_HEADER_COUNT = 100;

/**
 * Fastify's `maxParamLength`: a path parameter longer than this is refused by the router (414)
 * before its route is known. It equals the URL limit, so that every path parameter of an acceptable
 * URL reaches its route's validation and is answered there, in the surface's words.
 */
export const MAX_PARAM_LENGTH = MAX_URL_BYTES;

/**
 * Node's `maxHeaderSize`: the transport cap on the request line plus headers. It sits above the
 * URL and header limits together, so only a request far past them meets it; Node then answers 431
 * itself (Fastify's plain JSON body, no surface known) and closes the connection.
 */
export const TRANSPORT_MAX_HEADER_BYTES = 32 * KiB;
