// Sends one matrix call with one credential and checks its answer: the expected status and body,
// and no marker of the protected tenant. Failures are collected rather than thrown, so that one
// run reports every broken cell of the matrix.
import { isDeepStrictEqual } from 'node:util';
import type { RouteCall } from '../helpers/isolation.js';
import type { TestApp } from '../helpers/test-app.js';
import { type Expected, INGEST_REJECTED, OTLP_REJECTED } from './expectations.js';
import { type Answer, findLeaks, type MarkerSet } from './leaks.js';
import type { Credential } from './tenant.js';

export async function send(t: TestApp, call: RouteCall, credential: Credential): Promise<Answer> {
  const response = await t.app.inject({
    method: call.method,
    url: call.url,
    headers: {
      ...(call.headers ?? {}),
      ...(credential.authorization === null ? {} : { authorization: credential.authorization }),
    },
    ...(call.payload !== undefined ? { payload: call.payload } : {}),
  });
  return { statusCode: response.statusCode, body: response.body, headers: response.headers };
}

function parse(body: string): unknown {
  try {
    const json = JSON.parse(body);
    // The 004 envelope's timestamp is the time of the answer.
    if (json && typeof json === 'object' && 'timestamp' in json && 'status_code' in json)
      delete json.timestamp;
    return json;
  } catch {
    return body;
  }
}

export class Checker {
  readonly failures: string[] = [];
  cases = 0;
  /** Cases per phase: the first word of each case's label. */
  readonly phases: Record<string, number> = {};

  constructor(
    private readonly t: TestApp,
    private readonly protectedMarkers: MarkerSet,
  ) {}

  /** One call; `expected` undefined checks only that nothing of the protected tenant shows. */
  async check(
    label: string,
    call: RouteCall,
    credential: Credential,
    expected?: Expected | 'ingest-rejected' | 'otlp-rejected',
  ): Promise<Answer> {
    this.cases += 1;
    const phase = label.split(' ')[0]!;
    this.phases[phase] = (this.phases[phase] ?? 0) + 1;
    const answer = await send(this.t, call, credential);
    const where = `${label} | ${credential.label} | ${call.method} ${call.url}`;
    const leaks = findLeaks(this.protectedMarkers, call, answer);
    if (leaks.length > 0) this.failures.push(`${where}: LEAK ${leaks.join('; ')}`);
    if (answer.statusCode >= 500) this.failures.push(`${where}: ${answer.statusCode} ${answer.body}`);
    if (expected === 'otlp-rejected') {
      const body = parse(answer.body) as { partialSuccess?: { rejectedSpans?: string } };
      const got = { status: answer.statusCode, rejectedSpans: body.partialSuccess?.rejectedSpans };
      if (!isDeepStrictEqual(got, OTLP_REJECTED)) {
        this.failures.push(`${where}: expected every span rejected, got ${answer.statusCode} ${answer.body}`);
      }
    } else if (expected === 'ingest-rejected') {
      const body = parse(answer.body) as { accepted?: number; duplicates?: number; rejected?: unknown[] };
      const got = {
        status: answer.statusCode,
        accepted: body.accepted,
        duplicates: body.duplicates,
        rejected: body.rejected?.length,
      };
      if (!isDeepStrictEqual(got, INGEST_REJECTED)) {
        this.failures.push(
          `${where}: expected every event rejected, got ${answer.statusCode} ${answer.body}`,
        );
      }
    } else if (expected) {
      const body = parse(answer.body);
      const bodyMatches = expected.body === undefined || isDeepStrictEqual(body, expected.body);
      if (answer.statusCode !== expected.status || !bodyMatches) {
        this.failures.push(
          `${where}: expected ${expected.status} ${JSON.stringify(expected.body)}, got ${answer.statusCode} ${answer.body}`,
        );
      }
    }
    return answer;
  }
}
