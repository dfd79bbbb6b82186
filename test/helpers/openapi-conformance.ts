// Every answer the suite receives through buildTestApp is checked against the app's own OpenAPI
// document: its status must be documented for the operation, its content type must be one the
// document gives for that status, and its JSON body must match the documented schema. Mismatches
// are recorded, not thrown (a throwing onSend hook would turn the answer into a 500), and
// openapi-setup.ts fails the test that received them.
//
// Not checked, by design: answers of routes hidden from the document (the web console's files,
// src/console/routes.ts), answers of no route (the router's 404 for an unknown path or method),
// which no operation can document; and answers that leave through a real socket (test/e2e,
// test/reliability), which do not pass through the inject-driven apps this hook is installed on.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
export interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const violations: string[] = [];

/** The mismatches recorded since the last call. */
export function takeViolations(): string[] {
  return violations.splice(0);
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
// Compiled once per worker, like the document they come from.
const validators = new Map<string, ValidateFunction>();

function validatorOf(key: string, schema: unknown): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    validators.set(key, validate);
  }
  return validate;
}

/** Fastify's `/a/:b` as the document's `/a/{b}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function payloadText(payload: unknown): string | null {
  if (payload === null || payload === undefined) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return null; // a stream: not a JSON answer of this service
}

/** What is wrong with an answer, held to `document`; null when nothing is. */
export function violationOf(
  document: Document,
  request: Pick<FastifyRequest, 'routeOptions' | 'method' | 'url'>,
  reply: Pick<FastifyReply, 'statusCode' | 'getHeader'>,
  payload: unknown,
): string | null {
  const url = request.routeOptions.url;
  if (url === undefined) return null; // the router's 404: no operation to hold it to
  // Routes hidden from the document (the web console's static files) are not API operations.
  if ((request.routeOptions.schema as { hide?: boolean } | undefined)?.hide) return null;
  const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
  const path = openApiPath(url);
  const where = `${request.method} ${path} (${request.url})`;
  const operation = document.paths[path]?.[method];
  if (!operation) return `${where}: the operation is not in the document`;
  const status = String(reply.statusCode);
  const response = operation.responses[status];
  if (!response)
    return `${where}: status ${status} is not documented (${Object.keys(operation.responses).join(', ')})`;
  const text = payloadText(payload);
  if (text === null || request.method === 'HEAD') return null;
  if (!response.content) {
    return text === '' ? null : `${where}: ${status} is documented without a body, but one was sent`;
  }
  const contentType = String(reply.getHeader('content-type') ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const media = response.content[contentType];
  if (!media) {
    return `${where}: ${status} answered ${contentType || 'no content type'}, documented: ${Object.keys(response.content).join(', ')}`;
  }
  // A binary answer (OTLP's protobuf) is held to its media type; its schema only names the format.
  if (media.schema === undefined || !/[/+]json$/.test(contentType)) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${where}: ${status} ${contentType} body is not JSON: ${text.slice(0, 200)}`;
  }
  const validate = validatorOf(`${method} ${path} ${status} ${contentType}`, media.schema);
  if (validate(body)) return null;
  return `${where}: ${status} body does not match the document: ${ajv.errorsText(validate.errors)}; body: ${text.slice(0, 500)}`;
}

// Every app buildTestApp makes has the same routes, hence the same document: made once per worker.
let document: Document | null = null;

/** Installs the check on `app` (before ready; the document is read at the first answer). */
export function checkAnswersAgainstDocument(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    document ??= app.swagger() as unknown as Document;
    const violation = violationOf(document, request, reply, payload);
    if (violation) violations.push(violation);
    return payload;
  });
}
