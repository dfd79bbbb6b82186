// `tally admin rotate-secret-key`: re-encrypts every stored integration secret under the current
// TALLY_SECRET_KEY. The keys that sealed the existing secrets must be listed in
// TALLY_PREVIOUS_SECRET_KEYS (comma-separated) for the run; once it reports no failure they can
// be removed. Progress goes to standard error, the summary to standard output.
// Beside a server holding the embedded database, it runs in the server, under the server's keys.

import type { Config } from '../config.js';
import { type RotationProgress, rotateIntegrationSecrets } from '../ledger/workspaces/rotate-secrets.js';
import { localHost, type OpenHost, processIo } from './command-host.js';

export async function runRotateSecretKey(
  config: Config,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  openHost: OpenHost = localHost(config, { ...processIo(), err }),
): Promise<number> {
  const deployment = await openHost({ migrate: true });
  try {
    const report = (progress: RotationProgress) =>
      err.write(
        `rotate-secret-key: ${progress.rotated + progress.failed}/${progress.total} processed` +
          ` (${progress.rotated} re-encrypted, ${progress.failed} failed)\n`,
      );
    const result = await rotateIntegrationSecrets(deployment.database.db, deployment.keyring, report);
    for (const failure of result.failures) {
      err.write(
        `rotate-secret-key: cannot open ${failure.orgId}/${failure.workspaceId}/${failure.provider}` +
          ` (key ${failure.keyId}): ${failure.reason}\n`,
      );
    }
    out.write(
      `${JSON.stringify({ key_id: result.keyId, total: result.total, rotated: result.rotated, failed: result.failed })}\n`,
    );
    return result.failed === 0 ? 0 : 1;
  } finally {
    await deployment.close();
  }
}
