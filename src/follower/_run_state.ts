/**
 * The per-run part of a follow that shares its watches: the run's tracker,
 * pod table, line handler and log relay, fed by a {@linkcode NamespaceHub}
 * (shared by many runs, or narrowed to this one).
 *
 * @module
 */

import type { ClusterError } from "../errors.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import { eventTimeMs, type KubeEvent } from "../kube/kube_event.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import type { WatchEventType, WatchReconnect } from "../kube/resumable_watch.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { RunEventInput, RunStats } from "../output/run_event.ts";
import { RecentWarnings } from "../runner/failure_summary.ts";
import type { LineHandler } from "../runner/_line_handler.ts";
import { PodCache, type PodLike } from "../runner/_pod_cache.ts";
import type { PodLogRelay } from "../runner/_pod_log_relay.ts";
import type { FinalVerdict, RunTracker } from "../runner/_run_tracker.ts";
import { lookUpNodes } from "../runner/_node_lookup.ts";
import {
  countWatchReconnect,
  createLogRelay,
  createRunLineHandler,
  createTracker,
  emptyStats,
  toK8sEvent,
  type TrackingOptions,
  type TrackingOutcome,
  trackingOutcome,
} from "../runner/_tracking.ts";
import type { HubSubscriber } from "./namespace_hub.ts";
import { isNewer } from "./_resource_version.ts";

/** The follow options the per-run state reads. */
export type RunStateOptions = TrackingOptions;

/** Options of {@linkcode RunState}. */
export interface RunStateConfig {
  client: KubeClient;
  namespace: string;
  runId: string;
  /** The run's resources as they are in the cluster; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  options: RunStateOptions;
  xcom: XComCollector;
  emit: (event: RunEventInput) => void;
}

/** Event uids (with their occurrence count) remembered per run against re-delivery. */
const MAX_SEEN_EVENTS = 2_000;

/**
 * One followed run: a {@linkcode HubSubscriber} that keeps the run's state
 * and decides it.
 */
export class RunState implements HubSubscriber {
  readonly runId: string;
  readonly trackedKind: { apiVersion: string; kind: string };
  readonly tracker: RunTracker;
  /** Rejects when a shared watch the run needs ended for good. */
  readonly failed: Promise<never>;
  #config: RunStateConfig;
  #trackedName: string;
  #cache = new PodCache();
  #relay?: PodLogRelay;
  #handler: LineHandler;
  #stats: RunStats = emptyStats();
  #versions = new Map<string, string>();
  #deleted = new Set<string>();
  #seenEvents = new Map<string, number>();
  #k8sEvents = new RecentWarnings();
  #sinceMs: number;
  #fail!: (error: unknown) => void;
  #stopped = false;
  #nodes: { check: () => void };
  #ticks = 0;

  /** Creates the state; nothing is followed until the hub or the caller feeds it. */
  constructor(config: RunStateConfig) {
    this.#config = config;
    const { created, options, emit } = config;
    const tracked = created[0];
    this.runId = config.runId;
    this.trackedKind = { apiVersion: tracked.apiVersion, kind: tracked.kind };
    this.#trackedName = describeObject(tracked);
    this.#sinceMs = Math.floor(
      Date.parse(String(tracked.metadata.creationTimestamp ?? new Date().toISOString())) / 1000,
    ) * 1000;
    this.failed = new Promise<never>((_, reject) => this.#fail = reject);
    this.failed.catch(() => {});
    this.tracker = createTracker({ tracked, rule: config.rule, options, emit });
    this.#handler = createRunLineHandler({ options, xcom: config.xcom, cache: this.#cache, emit });
    if (options.getLogs !== false) {
      this.#relay = createLogRelay({
        client: config.client,
        namespace: config.namespace,
        options,
        cache: this.#cache,
        handler: this.#handler,
        stats: this.#stats,
        emit,
      });
    }
    this.#nodes = lookUpNodes(
      config.client,
      this.tracker,
      (message) => emit({ type: "info", level: "debug", message }),
    );
  }

  /** Checks the run's clocks and the nodes of its unacknowledged pods; call it periodically. */
  tick(): void {
    if (this.#stopped) return;
    this.tracker.tick();
    // Node look-ups wait 5 s anyway: scan for them every fourth tick (a
    // thousand runs tick twice a second).
    if (this.#ticks++ % 4 === 0) this.#nodes.check();
  }

  /** Where the run's events go. */
  get emit(): (event: RunEventInput) => void {
    return this.#config.emit;
  }

  /** Counters of the run's streams. */
  get stats(): RunStats {
    return { ...this.#stats, lines: this.#handler.count };
  }

  /** @inheritdoc */
  onTracked(type: WatchEventType, object: KubeObject): void {
    if (this.#stopped || object.metadata.name !== this.#config.created[0].metadata.name) return;
    if (!this.#accept("tracked", type, object)) return;
    if (type === "DELETED") this.tracker.onTrackedDeleted(this.#trackedName);
    else this.tracker.onTracked(object);
  }

  /** @inheritdoc */
  onPod(type: WatchEventType, object: KubeObject): void {
    if (this.#stopped || !this.#accept("pod", type, object)) return;
    const pod: PodLike = object;
    if (type === "DELETED") {
      this.#cache.remove(pod.metadata.name!);
      this.tracker.onPodDeleted(pod.metadata.name!);
      return;
    }
    this.#cache.update(pod);
    this.tracker.onPod(pod);
    // A succeeded pod can no longer be stuck or explain a startup timeout: the tracker
    // need not keep it (bounded memory over a Job of many pods).
    if (pod.status?.phase === "Succeeded") this.tracker.onPodDeleted(pod.metadata.name!);
    this.#relay?.observe(pod);
  }

  /** @inheritdoc */
  onEvent(event: KubeEvent): void {
    if (this.#stopped) return;
    const when = eventTimeMs(event);
    if (when !== undefined && when < this.#sinceMs) return;
    const uid = event.metadata.uid ?? `${event.metadata.name}`;
    const count = event.series?.count ?? event.count ?? 1;
    if ((this.#seenEvents.get(uid) ?? 0) >= count) return;
    this.#seenEvents.delete(uid);
    this.#seenEvents.set(uid, count);
    if (this.#seenEvents.size > MAX_SEEN_EVENTS) {
      this.#seenEvents.delete(this.#seenEvents.keys().next().value!);
    }
    const k8sEvent = toK8sEvent(event);
    this.#k8sEvents.add(k8sEvent);
    this.#config.emit(k8sEvent);
    this.tracker.onEvent(event);
  }

  /** @inheritdoc */
  onReconnect(what: string, r: WatchReconnect): void {
    if (this.#stopped) return;
    countWatchReconnect(this.#stats, this.#config.emit, what, r);
  }

  /** @inheritdoc */
  onFatal(error: ClusterError): void {
    this.#fail(error);
  }

  /**
   * After a decision: follows pods not seen yet (`pods`, listed by the
   * caller) and waits for the log followers to deliver their last lines.
   */
  async drain(pods: PodLike[]): Promise<void> {
    for (const pod of pods) this.onPod("MODIFIED", { ...pod, apiVersion: "v1", kind: "Pod" });
    await this.#relay?.drain({ runningGraceMs: 2_000, doneGraceMs: 30_000 });
  }

  /** Stops every log follower and ignores what the watches still deliver. */
  stop(): void {
    this.#stopped = true;
    this.#relay?.stop();
  }

  /** What tracking found, once decided (or stopped). */
  outcome(verdict: FinalVerdict | undefined): TrackingOutcome {
    return trackingOutcome({
      verdict,
      tracked: this.#config.created[0],
      cache: this.#cache,
      k8sEvents: this.#k8sEvents,
      handler: this.#handler,
      stats: this.#stats,
    });
  }

  /**
   * Whether a change is newer than what the run saw of that object on that
   * channel (a tracked Pod comes as tracked resource and as pod): the
   * watches and the run's own reads (at its start) may deliver one object out
   * of order; an older copy, or any copy after a deletion, is dropped.
   */
  #accept(channel: "tracked" | "pod", type: WatchEventType, object: KubeObject): boolean {
    if (!object.metadata.uid) return true;
    const uid = `${channel}:${object.metadata.uid}`;
    if (this.#deleted.has(uid)) return false;
    if (type === "DELETED") {
      this.#deleted.add(uid);
      this.#versions.delete(uid);
      return true;
    }
    const version = object.metadata.resourceVersion;
    if (!isNewer(version, this.#versions.get(uid))) return false;
    if (version) this.#versions.set(uid, version);
    return true;
  }
}
