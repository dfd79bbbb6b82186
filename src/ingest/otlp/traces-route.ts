// POST /otlp/v1/traces: OTLP/HTTP trace exports (protobuf or JSON, plain or gzip) into the ledger,
// so an exporter configured with OTEL_EXPORTER_OTLP_ENDPOINT=http://host:8080/otlp and
// OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>" feeds every surface. A front door
// only: it decodes, translates each span (translate.ts) and hands the writes to the ledger's one
// write entry point; spans it cannot record are counted in the answer's partial_success.
import type { FastifyInstance } from 'fastify';
import { authorizeRequest } from '../../access/route-access.js';
import type { AppDeps } from '../../deps.js';
import { TallyError } from '../../errors.js';
import { installDialect } from '../../http/dialect.js';
import { INGEST_MAX_EVENTS } from '../../http/limits.js';
import { isPlatformId, NOT_AN_ID } from '../../ids.js';
import { findOrg } from '../../ledger/orgs/orgs.js';
import { startModelCallSettler } from '../../ledger/write/settle-waiting.js';
import type { OrgWrite, WriteRejection } from '../../ledger/write/types.js';
import { type IngestGate, installIngestGate } from '../back-pressure.js';
import { decodedBodyOf, MAX_RAW_BYTES, unsupported } from '../body.js';
import {
  bothEncodings,
  ExportResponseJson,
  exportAnswer,
  formatOf,
  otlpDialect,
  StatusJson,
  TracesBody,
} from './answers.js';
import { readTraceExport } from './decode.js';
import { orgAttributeOf, translateSpan } from './translate.js';

/** How many rejection reasons partial_success.error_message spells out. */
const REASONS_SHOWN = 5;

const ERRORS: Record<number, string> = {
  400: 'The body is not an OTLP trace export (a logs or metrics export is named as such)',
  401: 'No token, or a token that is unknown, expired or revoked',
  403: 'The token may not ingest',
  413: `The body is over 5 MiB, or holds more than ${INGEST_MAX_EVENTS.toLocaleString('en')} spans`,
  414: 'The URL is too long',
  415: 'The body is neither application/x-protobuf nor application/json, or its encoding is not gzip',
  431: 'The request headers are too many or too large',
  500: 'An unexpected error',
};
const RETRY_AFTER = {
  'retry-after': { type: 'string', description: 'Seconds to wait before retrying' },
};

function rejectionText(reason: WriteRejection): string {
  switch (reason.code) {
    case 'unknown_workspace':
      return `tally.workspace.id: no workspace "${reason.workspace}" in org "${reason.orgId}"`;
    case 'unknown_execution':
    case 'not_editable':
      return reason.code;
  }
}

export async function otlpTracesRoute(
  parent: FastifyInstance,
  { deps, gate, holdSeconds }: { deps: AppDeps; gate: IngestGate; holdSeconds: number },
) {
  const app = parent;
  installDialect(app, otlpDialect, ['/otlp/'], 'body');
  installIngestGate(app, gate);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_RAW_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  const stopSettler = startModelCallSettler(
    deps.db,
    holdSeconds * 1000,
    Math.min(holdSeconds * 1000, 30_000),
    (error) => app.log.warn({ err: error }, 'settling waiting model calls failed'),
  );
  app.addHook('onClose', async () => stopSettler());

  app.post(
    '/otlp/v1/traces',
    {
      bodyLimit: MAX_RAW_BYTES,
      validatorCompiler: () => () => true,
      schema: {
        tags: ['ingestion'],
        operationId: 'exportTraces',
        summary: 'Record OpenTelemetry traces (OTLP/HTTP)',
        description: [
          'OTLP/HTTP trace export (ExportTraceServiceRequest) in `application/x-protobuf` or `application/json`,',
          `plain or \`Content-Encoding: gzip\`, at most 5 MiB decoded and ${INGEST_MAX_EVENTS.toLocaleString('en')} spans.`,
          'GenAI spans become executions, AI tool usages and token usage; HTTP server spans activity records',
          '(the mapping: docs/otel.md). The answer is in the encoding of the request. Spans that cannot be',
          'recorded are counted in `partialSuccess`; a span sent twice is stored once.',
        ].join('\n'),
        body: TracesBody,
        response: {
          200: bothEncodings(
            'Every span was recorded, was a duplicate, or is counted in partialSuccess',
            ExportResponseJson,
          ),
          ...Object.fromEntries(
            Object.entries(ERRORS).map(([status, text]) => [status, bothEncodings(text, StatusJson)]),
          ),
          429: bothEncodings(
            'Too many requests from this token; retry after Retry-After seconds',
            StatusJson,
            RETRY_AFTER,
          ),
          503: bothEncodings(
            'Overloaded or the database is unavailable; retry after Retry-After seconds',
            StatusJson,
            RETRY_AFTER,
          ),
        },
      },
      config: {
        audit: { resourceType: 'ingest' },
        access: { kind: 'own-org-admin', ability: 'ingest' },
      },
    },
    async (request, reply) => {
      const format = formatOf(request.headers['content-type']);
      if (format === null) throw unsupported('Send application/x-protobuf or application/json (OTLP/HTTP)');
      const spans = readTraceExport(decodedBodyOf(request, gate), format);
      if (spans.length > INGEST_MAX_EVENTS) {
        throw new TallyError(
          'payload_too_large',
          `An export holds at most ${INGEST_MAX_EVENTS} spans (got ${spans.length}); lower the exporter's batch size`,
        );
      }
      // The token's org, or null for the deployment admin, whose spans each name theirs.
      const { orgId: tokenOrg } = await authorizeRequest(deps.db, request);

      const reasons: string[] = [];
      const sent: OrgWrite[] = [];
      const knownOrgs = new Map<string, boolean>();
      for (const span of spans) {
        const translated = translateSpan(span);
        const named = orgAttributeOf(span);
        const orgId = tokenOrg ?? named;
        if ('problem' in translated) {
          reasons.push(`span ${span.spanId || '?'}: ${translated.problem}`);
        } else if (tokenOrg !== null && named !== undefined && named !== tokenOrg) {
          reasons.push(`span ${span.spanId}: tally.org.id: this token writes only to org "${tokenOrg}"`);
        } else if (orgId === undefined) {
          reasons.push(`span ${span.spanId}: tally.org.id is required with the deployment admin token`);
        } else if (!isPlatformId(orgId)) {
          // Not an org id (a NUL, say): no org has it, and PostgreSQL would refuse it as a parameter.
          reasons.push(`span ${span.spanId}: tally.org.id: ${NOT_AN_ID}`);
        } else if (!(await orgExists(orgId, knownOrgs, deps, tokenOrg))) {
          reasons.push(`span ${span.spanId}: tally.org.id: no org "${orgId}"`);
        } else {
          sent.push({ orgId, write: translated.write });
        }
      }
      const outcomes = await deps.writer.record(sent, {
        onTouchFailed: (error) => request.log.warn({ err: error }, 'could not update last_active_at'),
      });
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') {
          const { write } = sent[i]!;
          reasons.push(`span ${write.key.eventId.split('-')[1]}: ${rejectionText(outcome.reason)}`);
        }
      }
      const orgs = new Set(sent.map((item) => item.orgId));
      if (orgs.size === 1) request.auditOrgId = [...orgs][0]!;
      const answer = exportAnswer(format, reasons.length, reasons.slice(0, REASONS_SHOWN));
      return reply.code(200).type(answer.contentType).send(answer.body);
    },
  );
}

/** An org token writes into its own org; the deployment admin's spans name an existing org. */
async function orgExists(
  orgId: string,
  known: Map<string, boolean>,
  deps: AppDeps,
  tokenOrg: string | null,
): Promise<boolean> {
  if (tokenOrg !== null) return true;
  if (!known.has(orgId)) known.set(orgId, (await findOrg(deps.db, orgId)) !== undefined);
  return known.get(orgId)!;
}
