// The soak's verdict. It fails (exit 1) on what must never happen under 70% load: an acknowledged
// event missing from the database, an answer miscounting its batch, a 5xx, a request left without
// an answer, or the service dying. Everything else that looks off is a warning in the report.
import { EVENT_KINDS } from './events.js';
import type { SoakReport } from './report.js';
import type { StatusCounts } from './tally.js';

function count(statuses: StatusCounts, which: (status: number) => boolean): number {
  return Object.entries(statuses)
    .filter(([status]) => status !== 'dropped' && which(Number(status)))
    .reduce((sum, [, n]) => sum + n, 0);
}

const probeFailure = (status: number) => status >= 500 && status !== 503;

export function judge(report: SoakReport): SoakReport['outcome'] {
  const problems: string[] = [];
  const warnings: string[] = [];
  const e = report.events;
  if (e.storedTotal !== e.acknowledgedTotal) {
    problems.push(`${e.acknowledgedTotal} events acknowledged but ${e.storedTotal} stored`);
  }
  for (const kind of EVENT_KINDS) {
    if (e.stored.claims[kind] !== e.acknowledged[kind] || e.stored.records[kind] !== e.acknowledged[kind]) {
      problems.push(
        `${kind}: ${e.acknowledged[kind]} acknowledged, ${e.stored.claims[kind]} claims and ${e.stored.records[kind]} records stored`,
      );
    }
  }
  if (e.acceptedReported !== e.acknowledgedTotal) {
    problems.push(
      `the answers reported ${e.acceptedReported} accepted for ${e.acknowledgedTotal} new events`,
    );
  }
  if (e.answerMismatches > 0)
    problems.push(`${e.answerMismatches} ingestion answers did not match their batch`);
  const { warmup, capacity, soak } = report.phases;
  const soakFiveXx = count(soak, (status) => status >= 500);
  if (soakFiveXx > 0) problems.push(`${soakFiveXx} answers of the soak were 5xx`);
  // The closed-loop probes saturate the service on purpose: its ingestion back-pressure (503) is
  // its designed answer there. Any other 5xx is a failure wherever it happens.
  const probeOtherFiveXx = count(warmup, probeFailure) + count(capacity, probeFailure);
  if (probeOtherFiveXx > 0)
    problems.push(`${probeOtherFiveXx} answers of the warm-up and capacity probe were 5xx`);
  const probeBackPressure = count(warmup, (s) => s === 503) + count(capacity, (s) => s === 503);
  const unanswered = [warmup, capacity, soak].reduce((sum, phase) => sum + (phase['0'] ?? 0), 0);
  if (unanswered > 0) problems.push(`${unanswered} requests got no answer`);
  if (report.serviceExit !== null)
    problems.push(`the service exited during the soak (${report.serviceExit})`);

  if (probeBackPressure > 0) {
    warnings.push(
      `${probeBackPressure} ingestion batches answered 503 (back-pressure) while probing capacity`,
    );
  }
  const otherErrors = report.errors.total - soakFiveXx - probeOtherFiveXx - probeBackPressure - unanswered;
  if (otherErrors > 0) warnings.push(`${otherErrors} other non-200 answers or dropped requests`);
  if (e.stored.claimsOfRun > e.acknowledgedTotal + e.unanswered) {
    warnings.push(`${e.stored.claimsOfRun} claims stored for the run's sources, more than were ever sent`);
  }
  const m = report.memory;
  if (m.grewBeyondNoise) {
    warnings.push(
      `resident memory grew ${m.growthMb} MB (${m.growthPercent}%), beyond the ${m.toleranceMb} MB tolerance`,
    );
  }
  const last = report.windows[report.windows.length - 1];
  if (last && last.achievedPerSecond < 0.9 * report.targetRate) {
    warnings.push(
      `the last window achieved ${last.achievedPerSecond} req/s of the ${report.targetRate} offered`,
    );
  }
  return { pass: problems.length === 0, problems, warnings };
}
