/**
 * `RunFollower`: follows many existing runs of one cluster in one process.
 * Per namespace the runs share one watch per tracked kind, one pod watch and
 * one event watch (see {@linkcode NamespaceHub}); per run there is a small
 * state, and log streams only for runs that want logs.
 *
 * @module
 */

import type { KubeConfig } from "@kubernetes/client-node";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import type { DeletePolicy } from "../choices.ts";
import { ClusterError } from "../errors.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { XComCollector } from "../logs/xcom_collector.ts";
import {
  type EventSink,
  type ResultEvent,
  resultEvent,
  type RunEventInput,
} from "../output/run_event.ts";
import { cleanUpRun, describeCleanup } from "../runner/cleanup.ts";
import { decidedResult, interruptedResult } from "../runner/_result_events.ts";
import { type HeartbeatGroup, startHeartbeatGroup } from "../runner/heartbeat_group.ts";
import type { FinalVerdict } from "../runner/_run_tracker.ts";
import type { KubeConnectionOptions, RunOptions } from "../runner/run_options.ts";
import { findRun, linkedAbort, openSession, withResult } from "../runner/_session.ts";
import type { TrackingOptions } from "../runner/_tracking.ts";
import { DETACH, detachedResult } from "../runner/_result_events.ts";
import { JoinLimit } from "./_join_limit.ts";
import { HeapCompaction } from "./_heap_compaction.ts";
import { NamespaceHub } from "./namespace_hub.ts";
import { RunState } from "./_run_state.ts";
import { trackOnHub } from "./_track_on_hub.ts";

export { DETACH } from "../runner/_result_events.ts";

/** Options of {@linkcode RunFollower}: the cluster, and defaults of its follows. */
export interface RunFollowerOptions extends KubeConnectionOptions {
  /** State rules of the runs' tracked kinds; the built-ins (Pod, Job) when absent. */
  kinds?: KindRegistry;
  /**
   * Silence after which a shared watch is reconnected, in ms.
   * @default {30000}
   */
  watchStallTimeoutMs?: number;
  /**
   * How many follows read their run at once (its objects, pods and their
   * Events) before they wait on the shared watches; the others queue. Bounds
   * memory and the burst of API requests when many follows start together.
   * @default {16}
   */
  joinConcurrency?: number;
}

/** Options of {@linkcode RunFollower.follow}. */
export interface FollowOptions
  extends Omit<TrackingOptions, "getLogs">, Pick<RunOptions, "xcomMaxBytes"> {
  /** The run to follow (its `kjo/run-id` label). */
  runId: string;
  /** Namespace of the run (default: the context's, the service account's, `default`). */
  namespace?: string;
  /**
   * When the run's resources are deleted once it is decided.
   * @default {"IfSucceeded"}
   */
  deletePolicy?: DeletePolicy;
  /**
   * Follow container logs. When false no log stream is opened at all, so
   * there are no log events, no `::kube_api:` events and no XCom.
   * @default {true}
   */
  getLogs?: boolean;
  /** State rules; the follower's when absent. */
  kinds?: KindRegistry;
  /** Receives every event of the run, the result last. */
  onEvent?: EventSink;
  /**
   * Aborting stops the follow. With reason `"detach"` ({@linkcode DETACH})
   * nothing is deleted and the result is `Detached`; with any other reason
   * (`"SIGINT"`, `"SIGTERM"`) the run's resources are deleted, as `attach`
   * does.
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode RunFollower.cleanup}. */
export interface CleanupRunOptions {
  /** The run to delete (its `kjo/run-id` label). */
  runId: string;
  /** Namespace of the run (default: the context's, the service account's, `default`). */
  namespace?: string;
  /** Receives every event of the cleanup, the result last. */
  onEvent?: EventSink;
}

/** How often every followed run's clocks (timeouts, image pull grace) are checked, in ms. */
const TICK_MS = 500;

/**
 * Follows runs that already exist, many at once, with one HTTP client and
 * shared watches. Each {@linkcode RunFollower.follow} ends with the result
 * `attach()` would give, with the same delete policy; a follow aborted with
 * reason `"detach"` deletes nothing.
 *
 * @example Follow two runs started with `kjo run --detach`
 * ```ts
 * import { RunFollower } from "../../mod.ts";
 *
 * const follower = new RunFollower({ kubeconfig: ".devcluster/kubeconfig" });
 * const results = await Promise.all(["k3f9x0q2m7ab", "p0q8w2e4r6ty"].map((runId) =>
 *   follower.follow({
 *     runId,
 *     namespace: "jobs",
 *     deletePolicy: "Always",
 *     onEvent: (e) => e.type === "log" && console.log(runId, e.line),
 *   })
 * ));
 * console.log(results.map((r) => r.state));
 * await follower.close();
 * ```
 */
export class RunFollower {
  #client: KubeClient;
  #kubeConfig: KubeConfig;
  #kinds: KindRegistry;
  #stallTimeoutMs: number;
  #hubs = new Map<string, NamespaceHub>();
  /** One heartbeat Lease per namespace for all runs followed there (lives with the hub). */
  #heartbeats = new Map<string, HeartbeatGroup>();
  #active = new Set<RunState>();
  #follows = new Set<Promise<unknown>>();
  #ticker?: ReturnType<typeof setInterval>;
  #closing = new AbortController();
  #joins: JoinLimit;
  /** Garbage of a burst of joins is collected at once, not seconds later. */
  #compaction = new HeapCompaction({ every: 250, atBurstEnd: 50 });

  /**
   * Loads the kube config and creates the cluster's client (no request yet).
   * Throws an `InputError` for an unusable kube config.
   */
  constructor(options: RunFollowerOptions = {}) {
    const session = openSession(options, {});
    this.#client = session.client;
    this.#kubeConfig = session.kubeConfig;
    this.#kinds = options.kinds ?? KindRegistry.withBuiltins();
    this.#stallTimeoutMs = options.watchStallTimeoutMs ?? 30_000;
    this.#joins = new JoinLimit(options.joinConcurrency ?? 16);
  }

  /** Runs being followed now. */
  get size(): number {
    return this.#active.size;
  }

  /** Namespaces with shared watches running now. */
  get namespaces(): string[] {
    return [...this.#hubs.values()].filter((h) => h.watching).map((h) => h.namespace);
  }

  /**
   * Follows run `runId` to its end. Never rejects: a missing run, a cluster
   * error or an abort is a result too (as with `attach()`).
   */
  follow(options: FollowOptions): Promise<ResultEvent> {
    const following = withResult(
      options,
      options.runId,
      (context) => this.#follow(options, context.emit),
    );
    this.#follows.add(following);
    following.finally(() => this.#follows.delete(following));
    return following;
  }

  /**
   * Deletes run `runId`'s resources (propagation Background) and waits until
   * they and its pods are gone; resolves to a `Deleted` result (exit 0), also
   * when nothing of the run was left. Never rejects.
   */
  cleanup(options: CleanupRunOptions): Promise<ResultEvent> {
    return withResult(options, options.runId, async ({ emit }) => {
      const namespace = this.#namespace(options.namespace);
      const created = await this.#findRun(options.runId, namespace, this.#kinds, false, emit);
      const cleanup = await cleanUpRun({
        client: this.#client,
        namespace,
        runId: options.runId,
        created,
        policy: "Always",
        succeeded: false,
        emit,
      });
      if (cleanup.notDeleted.length > 0) {
        throw new ClusterError(`run ${options.runId}: ${describeCleanup(cleanup)}`);
      }
      return resultEvent({
        state: "Deleted",
        exitCode: 0,
        message: created.length
          ? describeCleanup(cleanup)
          : `nothing of run ${options.runId} left in namespace ${namespace}`,
        xcom: {},
        resources: created.map(describeObject),
        namespace,
        runId: options.runId,
      });
    });
  }

  /** Detaches every follow (deleting nothing), waits for their results and closes the client. */
  async close(): Promise<void> {
    this.#closing.abort(DETACH);
    await Promise.allSettled([...this.#follows]);
    this.#client.close();
  }

  async #follow(
    options: FollowOptions,
    emit: (event: RunEventInput) => void,
  ): Promise<ResultEvent> {
    const { runId } = options;
    const client = this.#client;
    const namespace = this.#namespace(options.namespace);
    const stop = linkedAbort(options.signal);
    const onClose = () => stop.abort(DETACH);
    if (this.#closing.signal.aborted) onClose();
    this.#closing.signal.addEventListener("abort", onClose, { once: true });
    let releaseJoin: (() => void) | undefined;
    try {
      const ended = (resources: string[]) =>
        stop.signal.reason === DETACH
          ? detachedResult({ runId, namespace, resources })
          : interruptedResult(stop.signal.reason, { runId, namespace, resources });
      const slot = await this.#joins.acquire(stop.signal);
      if (!slot) return ended([]);
      let joinEnded = false;
      releaseJoin = () => {
        if (joinEnded) return;
        joinEnded = true;
        slot();
        this.#compaction.joined(this.#joins.idle);
      };
      const kinds = options.kinds ?? this.#kinds;
      const created = await this.#findRun(runId, namespace, kinds, true, emit);
      if (stop.signal.aborted) return ended(created.map(describeObject));
      emit({
        type: "info",
        level: "info",
        message: `following run ${runId}: ${created.map(describeObject).join(", ")}`,
      });
      const xcom = new XComCollector({ maxBytes: options.xcomMaxBytes });
      const state = new RunState({
        client,
        namespace,
        runId,
        created,
        rule: kinds.require(created[0]),
        options,
        xcom,
        emit,
      });
      const verdict = await this.#track(state, namespace, created, stop.signal, releaseJoin);
      const detached = stop.signal.reason === DETACH;
      const interrupted = stop.signal.aborted;
      const tracking = state.outcome(verdict);
      const common = {
        runId,
        namespace,
        resources: created.map(describeObject),
        xcom: xcom.toObject(),
        stats: tracking.stats,
      };
      if (detached) return detachedResult(common);
      const cleanup = await cleanUpRun({
        client,
        namespace,
        runId,
        created,
        policy: interrupted ? "Always" : options.deletePolicy ?? "IfSucceeded",
        succeeded: !interrupted && verdict?.state === "Succeeded" &&
          tracking.lineErrors.length === 0,
        emit,
      });
      if (interrupted) {
        return interruptedResult(stop.signal.reason, common, tracking.summary, cleanup);
      }
      return decidedResult(tracking, common);
    } finally {
      releaseJoin?.();
      this.#closing.signal.removeEventListener("abort", onClose);
    }
  }

  /**
   * Feeds `state` from the namespace's shared watches until it is decided or
   * `signal` aborts; calls `caughtUp` once the run has caught up with them.
   */
  async #track(
    state: RunState,
    namespace: string,
    created: KubeObject[],
    signal: AbortSignal,
    caughtUp: () => void,
  ): Promise<FinalVerdict | undefined> {
    let hub = this.#hubs.get(namespace);
    if (!hub) {
      hub = new NamespaceHub({
        client: this.#client,
        namespace,
        stallTimeoutMs: this.#stallTimeoutMs,
      });
      this.#hubs.set(namespace, hub);
    }
    let heartbeat = this.#heartbeats.get(namespace);
    if (!heartbeat) {
      heartbeat = startHeartbeatGroup({ client: this.#client, namespace });
      this.#heartbeats.set(namespace, heartbeat);
    }
    // The heartbeat marks the run as followed (kjo cleanup --older-than leaves it alone).
    const leaveHeartbeat = heartbeat.join(state.runId, state.emit);
    this.#active.add(state);
    this.#ticker ??= setInterval(() => {
      for (const s of this.#active) s.tick();
    }, TICK_MS);
    try {
      return await trackOnHub({
        client: this.#client,
        hub,
        state,
        namespace,
        created,
        signal,
        caughtUp,
      });
    } finally {
      this.#active.delete(state);
      if (this.#active.size === 0) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
      }
      leaveHeartbeat();
      if (hub.size === 0 && this.#hubs.get(namespace) === hub) {
        this.#hubs.delete(namespace);
        if (this.#heartbeats.get(namespace) === heartbeat) {
          this.#heartbeats.delete(namespace);
          await heartbeat.stop();
        }
      }
    }
  }

  async #findRun(
    runId: string,
    namespace: string,
    kinds: KindRegistry,
    required: boolean,
    emit: (event: RunEventInput) => void,
  ): Promise<KubeObject[]> {
    return await findRun({
      client: this.#client,
      namespace,
      runId,
      kinds,
      emit,
      rulesHint: "rules",
      required,
    });
  }

  #namespace(flag: string | undefined): string {
    return resolveNamespace({ flag, kubeConfig: this.#kubeConfig });
  }
}
