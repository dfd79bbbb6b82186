// A background task run every `everyMs` (the metrics refresher, the settler of waiting model
// calls): a round never overlaps the previous one, a failed round is reported and the next one
// runs, the timer never keeps the process alive, and stopping waits for a running round.
export function startPeriodic(
  round: () => Promise<unknown>,
  everyMs: number,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = round()
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
