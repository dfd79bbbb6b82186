// POST /v1/ingest (API.md §4.1): CloudEvents in (binary, structured or batched content mode),
// per-event results out. 200 when every event was accepted or a duplicate, 207 when some events of
// a batch were rejected (the accepted ones are committed first); a request carrying one event
// answers its rejection as a 400 problem document.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorizeRequest } from '../access/route-access.js';
import type { AppDeps } from '../deps.js';
import { installDialect } from '../http/dialect.js';
import { AUTHENTICATED, errorAnswers, WITH_BODY } from '../http/error-answers.js';
import { isPlatformId, NOT_AN_ID } from '../ids.js';
import { findOrg } from '../ledger/orgs/orgs.js';
import { problemFormat } from '../surfaces/shared/error-answers.js';
import { problemDialect } from '../surfaces/shared/problem-details.js';
import { type IngestGate, installIngestGate } from './back-pressure.js';
import { readBinaryEvent } from './binary-mode.js';
import { type BodyEvents, contentMode, decodedBodyOf, MAX_RAW_BYTES, parseEvents } from './body.js';
import { readEnvelope } from './envelope.js';
import { readEventData } from './events/read-event.js';
import { type Rejection, type SentWrite, tallyOutcomes } from './outcomes.js';
import { INGEST_DESCRIPTION, IngestBody, IngestResponse } from './schemas.js';
import { rejected as rejectedEvent, rejectionIssues } from './single-event.js';

export async function ingestRoutes(
  parent: FastifyInstance,
  { deps, gate }: { deps: AppDeps; gate: IngestGate },
) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, problemDialect, ['/v1/ingest'], 'body');
  installIngestGate(app, gate);
  // The body is read raw: the handler decides on content type, encoding and shape itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_RAW_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/v1/ingest',
    {
      bodyLimit: MAX_RAW_BYTES,
      // The handler reads the raw body itself (content mode, gzip, size): the schema documents it.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingestion'],
        operationId: 'ingestEvents',
        summary: 'Record CloudEvents (one event or a batch)',
        description: INGEST_DESCRIPTION,
        body: IngestBody,
        response: {
          200: { ...IngestResponse, description: 'Every event was accepted or was a duplicate' },
          207: {
            ...IngestResponse,
            description: 'Some events were rejected (listed); the others are committed',
          },
          ...errorAnswers(problemFormat, [...AUTHENTICATED, ...WITH_BODY, 403]),
        },
      },
      config: {
        audit: { resourceType: 'ingest' },
        // Into the token's own org: org owners and admins, service tokens, the deployment admin.
        access: { kind: 'own-org-admin', ability: 'ingest' },
      },
    },
    async (request, reply) => {
      const { mode, single, sent, rejected } = await readBatch(request, gate, deps);
      const outcomes = await deps.writer.record(sent, {
        onTouchFailed: (error) => request.log.warn({ err: error }, 'could not update last_active_at'),
      });
      const orgs = new Set(sent.map((item) => item.orgId));
      if (orgs.size === 1) request.auditOrgId = [...orgs][0]!;
      const outcome = tallyOutcomes(sent, outcomes);
      const allRejected = [...rejected, ...outcome.rejected].sort((a, b) => a.index - b.index);
      const [only] = allRejected;
      if (single && only) {
        throw rejectedEvent(
          rejectionIssues(only.errors, mode === 'binary' ? 'binary' : 'structured'),
          only.id,
        );
      }
      return reply.code(allRejected.length > 0 ? 207 : 200).send({
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected: allRejected,
      });
    },
  );
}

/**
 * The request's events read into writes (and the rejected ones' reasons). Each event is parsed,
 * checked and turned into its write before the next is parsed, and the function returns only the
 * writes: what the batch holds while it waits for the database is its writes, not its parsed JSON,
 * so the young collections that run meanwhile copy less (each batch in flight is live at every
 * scavenge).
 */
async function readBatch(request: FastifyRequest, gate: IngestGate, deps: AppDeps) {
  const mode = contentMode(request.headers);
  const decoded = decodedBodyOf(request, gate);
  const body: BodyEvents =
    mode === 'binary'
      ? binaryModeEvent(readBinaryEvent(request.headers, decoded))
      : parseEvents(decoded, mode);

  // A malformed request is a 400 whoever sends it (the contract's order): one that may not write
  // has its events parsed (a batch's are parsed as they are read) before it is refused.
  // The token's org, or null for the deployment admin, whose events each name theirs.
  let tokenOrg: string | null;
  try {
    ({ orgId: tokenOrg } = await authorizeRequest(deps.db, request));
  } catch (error) {
    for (let index = 0; index < body.count; index += 1) body.at(index);
    throw error;
  }

  const receivedAt = deps.now();
  const rejected: Rejection[] = [];
  const sent: (SentWrite & { orgId: string })[] = [];
  const knownOrgs = new Map<string, boolean>();
  for (let index = 0; index < body.count; index += 1) {
    const value = body.at(index);
    const { envelope, errors } = readEnvelope(value, receivedAt, body);
    const id = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : null;
    if (!envelope) {
      rejected.push({ index, id, errors });
      continue;
    }
    // An org token's events go to its org, known without a lookup: no await (a promise and a
    // turn of the microtask queue) per event.
    const orgId =
      tokenOrg === null
        ? await adminEventOrg(envelope.data.org_id, knownOrgs, deps)
        : tokenEventOrg(envelope.data.org_id, tokenOrg);
    if (typeof orgId !== 'string') {
      rejected.push({ index, id, errors: [orgId.error] });
      continue;
    }
    const { write, errors: dataErrors } = readEventData(envelope);
    if (!write) {
      rejected.push({ index, id, errors: dataErrors });
      continue;
    }
    sent.push({ index, orgId, write });
  }
  return { mode, single: body.single, sent, rejected };
}

/** A binary-mode request's one event, read from its headers and body. */
const binaryModeEvent = (event: unknown): BodyEvents => ({
  count: 1,
  at: () => event,
  single: true,
  checkStrings: true,
  checkDepth: true,
});

/** The org an org token's event goes to: the token's; it may not write into another org. */
function tokenEventOrg(requested: unknown, tokenOrg: string): string | { error: string } {
  if (requested !== undefined && requested !== tokenOrg) {
    return { error: `data.org_id: this token writes only to org "${tokenOrg}"` };
  }
  return tokenOrg;
}

/** The org a deployment admin's event goes to: `data.org_id`, which must name an existing org. */
async function adminEventOrg(
  requested: unknown,
  known: Map<string, boolean>,
  deps: AppDeps,
): Promise<string | { error: string }> {
  if (typeof requested !== 'string' || requested === '') {
    return { error: 'data.org_id: required with the deployment admin token' };
  }
  if (!isPlatformId(requested)) return { error: `data.org_id: ${NOT_AN_ID}` };
  if (!known.has(requested)) known.set(requested, (await findOrg(deps.db, requested)) !== undefined);
  return known.get(requested) ? requested : { error: `data.org_id: no org "${requested}"` };
}
