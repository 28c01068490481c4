/**
 * Jittered exponential back-off and an abortable sleep, shared by the client
 * layer's retry loops.
 *
 * @module
 */

/**
 * Bounds of an exponential back-off.
 */
export interface BackoffBounds {
  /** Delay of the first retry, in milliseconds. */
  minMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
}

/** Back-off of a long-lived stream (watch, log follow) between reconnects. */
export const STREAM_BACKOFF: BackoffBounds = { minMs: 200, maxMs: 10_000 };

/**
 * Delay before retry number `attempt` (0-based): `min * 2^attempt`, capped at
 * `max`, with "equal jitter" (a random value between half and all of it), so
 * that many clients do not retry in step.
 */
export function backoffDelay(attempt: number, bounds: BackoffBounds): number {
  const ceiling = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Waits `ms` milliseconds; resolves early (without throwing) when `signal`
 * aborts. Returns whether the full time passed.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
