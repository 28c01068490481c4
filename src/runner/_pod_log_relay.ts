/**
 * Follows the log of every container of every pod of a run as each container
 * starts, one follower per pod/container, and waits for them to finish.
 *
 * A follower is never started twice for one pod/container. Ended followers
 * are dropped and only their `pod/container` key is remembered, up to
 * `rememberEnded` keys, so a long run with many pods keeps a bounded state.
 *
 * @module
 */

import { containerStatuses, type PodCache, type PodLike } from "./_pod_cache.ts";

/** One line of a container's log. */
export interface RelayedLine {
  /** Runtime timestamp of the line (RFC 3339, nanoseconds), when known. */
  ts?: string;
  text: string;
  /**
   * Set on pieces of a line over the line limit: `first`, then
   * `continuation`; absent on a whole line (see `LogLine.piece`).
   */
  piece?: "first" | "continuation";
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
  /**
   * Called when a follower has ended (by itself or aborted), with whether its
   * container failed (per the cache).
   */
  onFollowEnd?: (pod: string, container: string, failed: boolean) => void;
  /**
   * Keys of ended followers remembered, so their containers are not followed again.
   * @default 50_000
   */
  rememberEnded?: number;
}

/**
 * Starts log followers as containers start and drains them at the end.
 */
export class PodLogRelay {
  #options: PodLogRelayOptions;
  #followers = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #ended = new Set<string>();
  #started = 0;

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
      if (this.#followers.has(key) || this.#ended.has(key)) continue;
      this.#start(podName, status.name, key);
    }
  }

  #start(pod: string, container: string, key: string): void {
    const controller = new AbortController();
    const { follow, cache, onLine, onError, onFollowEnd } = this.#options;
    cache.pin(pod);
    this.#started++;
    const done = follow({
      pod,
      container,
      signal: controller.signal,
      onLine: (line) => onLine(pod, container, line),
      isContainerDone: () => cache.isContainerDone(pod, container),
    }).catch((error) => {
      if (!controller.signal.aborted) onError?.(pod, container, error);
    }).finally(() => {
      this.#followers.delete(key);
      this.#ended.add(key);
      if (this.#ended.size > (this.#options.rememberEnded ?? 50_000)) {
        this.#ended.delete(this.#ended.values().next().value!);
      }
      onFollowEnd?.(pod, container, cache.hasContainerFailed(pod, container));
      cache.unpin(pod);
    });
    this.#followers.set(key, { controller, done });
  }

  /** Number of followers started so far. */
  get size(): number {
    return this.#started;
  }

  /** Number of followers still running. */
  get active(): number {
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
