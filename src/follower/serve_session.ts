/**
 * The engine of `kjo serve`: takes request lines, follows and cleans up runs
 * with one {@linkcode RunFollower} per cluster, and writes every event with
 * the id of the request it answers. See the README section "kjo serve".
 *
 * @module
 */

import type { DeletePolicy, EventsFrom } from "../choices.ts";
import type { KindRegistry } from "../kinds/kind_registry.ts";
import type { ResultEvent, RunEvent } from "../output/run_event.ts";
import { withResult } from "../runner/_session.ts";
import type { KubeConnectionOptions } from "../runner/run_options.ts";
import { DETACH } from "../runner/_result_events.ts";
import { type FollowOptions, RunFollower } from "./run_follower.ts";
import {
  type CleanupRequest,
  type ClusterRef,
  type FollowRequest,
  isRequestError,
  parseRequest,
  type RequestId,
} from "./serve_protocol.ts";

/** A line `kjo serve` writes: a run event with its request id, an `error` or a `pong`. */
export type ServeEvent =
  | (RunEvent & { id: RequestId })
  | { type: "error"; time: string; id?: RequestId; message: string }
  | { type: "pong"; time: string; id?: RequestId; follows: number; namespaces: number };

/** Defaults of the requests (from `kjo serve`'s flags, `KJO_*` and the config file). */
export interface ServeDefaults {
  /** The cluster of requests without `cluster`. */
  connection: KubeConnectionOptions;
  /** The namespace of requests without `namespace` (default: the context's, ...). */
  namespace?: string;
  deletePolicy?: DeletePolicy;
  startupTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  imagePullFailureGraceSeconds?: number;
  detectLogLevel?: boolean;
  /** Caps on XCom and whose `::kube_api:` lines are events (see `RunOptions`). */
  xcomMaxBytes?: number;
  xcomMaxDepth?: number;
  eventsFrom?: EventsFrom;
  /** Silence after which a log stream or shared watch is reconnected, in ms. */
  stallTimeoutMs?: number;
  kinds?: KindRegistry;
}

/** Options of {@linkcode ServeSession}. */
export interface ServeSessionOptions {
  /** Receives every event to write (one JSON line each). */
  write: (event: ServeEvent) => void;
  defaults: ServeDefaults;
}

interface Pending {
  kind: "follow" | "cleanup";
  stop?: AbortController;
  done: Promise<ResultEvent>;
}

/**
 * Handles the requests of one `kjo serve` process.
 */
export class ServeSession {
  #options: ServeSessionOptions;
  #followers = new Map<string, RunFollower>();
  #pending = new Map<RequestId, Pending>();
  #closed = false;

  /** Creates a session; no cluster is contacted before the first request. */
  constructor(options: ServeSessionOptions) {
    this.#options = options;
  }

  /** Requests in progress (follows and cleanups). */
  get size(): number {
    return this.#pending.size;
  }

  /** Handles one request line; problems are written as `error` events, never thrown. */
  handle(line: string): void {
    if (line.trim() === "") return;
    const request = parseRequest(line);
    if (isRequestError(request)) return this.#error(request.error, request.id);
    if (this.#closed) return this.#error("kjo serve is shutting down", request.id);
    switch (request.op) {
      case "ping":
        return this.#write({
          type: "pong",
          time: new Date().toISOString(),
          ...(request.id !== undefined ? { id: request.id } : {}),
          follows: [...this.#pending.values()].filter((p) => p.kind === "follow").length,
          namespaces: [...this.#followers.values()].reduce((n, f) => n + f.namespaces.length, 0),
        });
      case "detach": {
        const pending = this.#pending.get(request.id);
        if (!pending || pending.kind !== "follow") {
          return this.#error(`detach: no follow with id ${JSON.stringify(request.id)}`, request.id);
        }
        pending.stop!.abort(DETACH);
        return;
      }
      case "follow":
      case "cleanup":
        if (this.#pending.has(request.id)) {
          return this.#error(
            `${request.op}: id ${JSON.stringify(request.id)} is in use by a request in progress`,
            request.id,
          );
        }
        return request.op === "follow" ? this.#follow(request) : this.#cleanup(request);
    }
  }

  /** Answers a line that could not be read as a request (e.g. too long) with an `error` event. */
  reject(reason: string): void {
    this.#error(reason);
  }

  /**
   * Detaches every follow (deleting nothing), waits for their results and
   * for cleanups in progress, and closes the clients.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.stop?.abort(DETACH);
    await Promise.allSettled([...this.#pending.values()].map((p) => p.done));
    await Promise.all([...this.#followers.values()].map((f) => f.close()));
    this.#followers.clear();
  }

  #follow(request: FollowRequest): void {
    const { defaults } = this.#options;
    const stop = new AbortController();
    const onEvent = this.#sink(request.id);
    const options: FollowOptions = {
      runId: request.runId,
      namespace: request.namespace ?? defaults.namespace,
      getLogs: request.logs ?? true,
      deletePolicy: request.deletePolicy ?? defaults.deletePolicy,
      startupTimeoutSeconds: request.startupTimeoutSeconds ?? defaults.startupTimeoutSeconds,
      executionTimeoutSeconds: request.executionTimeoutSeconds ??
        defaults.executionTimeoutSeconds,
      imagePullFailureGraceSeconds: request.imagePullFailureGraceSeconds ??
        defaults.imagePullFailureGraceSeconds,
      detectLogLevel: request.detectLogLevel ?? defaults.detectLogLevel,
      xcomMaxBytes: defaults.xcomMaxBytes,
      xcomMaxDepth: defaults.xcomMaxDepth,
      eventsFrom: defaults.eventsFrom,
      stallTimeoutMs: defaults.stallTimeoutMs,
      ...(request.logsSince
        ? { logsSince: new Date(request.logsSince).toISOString().replace(/\.\d+Z$/, "Z") }
        : {}),
      ...(request.parseXcom !== undefined ? { parseXcom: request.parseXcom } : {}),
      ...(request.relayApiEventLines !== undefined
        ? { relayApiEventLines: request.relayApiEventLines }
        : {}),
      onEvent,
      signal: stop.signal,
    };
    this.#track(request.id, "follow", stop, (follower) => follower.follow(options), request);
  }

  #cleanup(request: CleanupRequest): void {
    this.#track(
      request.id,
      "cleanup",
      undefined,
      (follower) =>
        follower.cleanup({
          runId: request.runId,
          namespace: request.namespace ?? this.#options.defaults.namespace,
          onEvent: this.#sink(request.id),
        }),
      request,
    );
  }

  #track(
    id: RequestId,
    kind: Pending["kind"],
    stop: AbortController | undefined,
    start: (follower: RunFollower) => Promise<ResultEvent>,
    request: { runId: string; cluster?: ClusterRef },
  ): void {
    let done: Promise<ResultEvent>;
    try {
      done = start(this.#follower(request.cluster));
    } catch (error) {
      // An unusable cluster reference (kubeconfig missing, unknown context).
      done = withResult({ onEvent: this.#sink(id) }, request.runId, () => Promise.reject(error));
    }
    this.#pending.set(id, { kind, stop, done });
    done.finally(() => {
      if (this.#pending.get(id)?.done === done) this.#pending.delete(id);
    });
  }

  #follower(cluster: ClusterRef | undefined): RunFollower {
    const connection: KubeConnectionOptions = cluster ?? this.#options.defaults.connection;
    const key = JSON.stringify([
      connection.kubeconfig,
      connection.context,
      connection.inCluster,
      cluster === undefined,
    ]);
    let follower = this.#followers.get(key);
    if (!follower) {
      follower = new RunFollower({
        ...connection,
        kinds: this.#options.defaults.kinds,
        watchStallTimeoutMs: this.#options.defaults.stallTimeoutMs,
      });
      this.#followers.set(key, follower);
    }
    return follower;
  }

  #sink(id: RequestId): (event: RunEvent) => void {
    return (event) => this.#write({ id, ...event } as ServeEvent);
  }

  #error(message: string, id?: RequestId): void {
    this.#write({
      type: "error",
      time: new Date().toISOString(),
      ...(id !== undefined ? { id } : {}),
      message,
    });
  }

  #write(event: ServeEvent): void {
    this.#options.write(event);
  }
}
