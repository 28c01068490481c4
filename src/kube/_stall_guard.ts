/**
 * The silence watchdog of one streaming connection (a watch, a log follow):
 * its signal aborts when the caller's does, or when nothing arrived for the
 * stall timeout, so a connection that went quiet without closing is
 * reconnected instead of waited on forever.
 *
 * @module
 */

/** A connection's abort signal with a silence timer; see {@linkcode stallGuard}. */
export interface StallGuard {
  /** Aborts with the caller's reason, or after `stallTimeoutMs` without {@linkcode StallGuard.arm}. */
  readonly signal: AbortSignal;
  /** Whether the signal aborted for silence (not for the caller). */
  readonly stalled: boolean;
  /** Restarts the silence timer: call when the connection starts and on every chunk. */
  arm(): void;
  /** Stops the timer, unlinks the caller's signal and aborts the connection. */
  dispose(): void;
}

/**
 * A {@linkcode StallGuard} for one connection: linked to `signal`, aborting
 * with `${what} silent for N ms` after `stallTimeoutMs` of silence.
 */
export function stallGuard(signal: AbortSignal, stallTimeoutMs: number, what: string): StallGuard {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    signal: controller.signal,
    get stalled() {
      return stalled;
    },
    arm() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort(new Error(`${what} silent for ${stallTimeoutMs} ms`));
      }, stallTimeoutMs);
    },
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      controller.abort();
    },
  };
}
