/**
 * Turns SIGINT and SIGTERM into an abort of the current run, so the runner
 * can clean up before the process exits with 130 or 143.
 *
 * @module
 */

/** What stopped a run from the outside. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * Listens for SIGINT and SIGTERM while a run is in progress. The first signal
 * aborts `controller` with the signal name as reason; a second SIGINT while
 * cleaning up is ignored (cleanup must finish), but a third exits at once.
 */
export function trapStopSignals(controller: AbortController): () => void {
  let count = 0;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      count++;
      if (count === 1) controller.abort(signal);
      else if (count >= 3) Deno.exit(signal === "SIGINT" ? 130 : 143);
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}

/**
 * The exit code for a run stopped by `signal`: 130 for SIGINT, 143 for SIGTERM.
 */
export function exitCodeForSignal(signal: StopSignal): 130 | 143 {
  return signal === "SIGINT" ? 130 : 143;
}
