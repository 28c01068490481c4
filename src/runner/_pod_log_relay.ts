/**
 * Follows the log of every container of every pod of a run as each container
 * starts, one follower per pod/container, and waits for them to finish.
 *
 * @module
 */

import { containerStatuses, type PodCache, type PodLike } from "./_pod_cache.ts";

/** One line of a container's log. */
export interface RelayedLine {
  /** Runtime timestamp of the line (RFC 3339, nanoseconds), when known. */
  ts?: string;
  text: string;
}

/** Follows one container's log until it is done or `signal` aborts. */
export type FollowContainer = (request: {
  pod: string;
  container: string;
  signal: AbortSignal;
  onLine: (line: RelayedLine) => void;
  isContainerDone: () => boolean;
}) => Promise<void>;

/** Options of {@linkcode PodLogRelay}. */
export interface PodLogRelayOptions {
  follow: FollowContainer;
  cache: PodCache;
  onLine: (pod: string, container: string, line: RelayedLine) => void;
  /** Called when a follower ends with an error (it is not restarted). */
  onError?: (pod: string, container: string, error: unknown) => void;
}

/**
 * Starts log followers as containers start and drains them at the end.
 *
 * @example
 * ```ts
 * const relay = new PodLogRelay({ follow, cache, onLine: (p, c, l) => console.log(p, c, l.text) });
 * relay.observe(pod);
 * await relay.drain({ runningGraceMs: 2000, doneGraceMs: 30_000 });
 * ```
 */
export class PodLogRelay {
  #options: PodLogRelayOptions;
  #followers = new Map<string, { controller: AbortController; done: Promise<void> }>();

  /** Creates a relay; nothing is followed until {@linkcode observe}. */
  constructor(options: PodLogRelayOptions) {
    this.#options = options;
  }

  /** Starts a follower for each container of `pod` that has started and has none. */
  observe(pod: PodLike): void {
    const podName = pod.metadata.name!;
    for (const status of containerStatuses(pod)) {
      const started = status.state?.running || status.state?.terminated ||
        status.lastState?.terminated || (status.restartCount ?? 0) > 0;
      if (!started) continue;
      const key = `${podName}/${status.name}`;
      if (this.#followers.has(key)) continue;
      this.#start(podName, status.name, key);
    }
  }

  #start(pod: string, container: string, key: string): void {
    const controller = new AbortController();
    const { follow, cache, onLine, onError } = this.#options;
    const done = follow({
      pod,
      container,
      signal: controller.signal,
      onLine: (line) => onLine(pod, container, line),
      isContainerDone: () => cache.isContainerDone(pod, container),
    }).catch((error) => {
      if (!controller.signal.aborted) onError?.(pod, container, error);
    });
    this.#followers.set(key, { controller, done });
  }

  /** Number of followers started so far. */
  get size(): number {
    return this.#followers.size;
  }

  /**
   * Waits for the followers to end by themselves. A follower whose container
   * is done gets up to `doneGraceMs` to deliver its last lines; one whose
   * container still runs (a sidecar once the main container has ended) is
   * aborted after `runningGraceMs`.
   */
  async drain(options: { runningGraceMs: number; doneGraceMs: number }): Promise<void> {
    const started = Date.now();
    const pending = new Map(this.#followers);
    for (const [key, follower] of pending) follower.done.then(() => pending.delete(key));
    while (pending.size > 0) {
      const elapsed = Date.now() - started;
      for (const [key, follower] of pending) {
        const [pod, container] = splitKey(key);
        const done = this.#options.cache.isContainerDone(pod, container);
        if (elapsed >= (done ? options.doneGraceMs : options.runningGraceMs)) {
          follower.controller.abort();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Aborts every follower. */
  stop(): void {
    for (const follower of this.#followers.values()) follower.controller.abort();
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
