/**
 * The per-run part of a follow that shares its watches: the run's tracker,
 * pod table, line handler and log relay, fed by a {@linkcode NamespaceHub}.
 * The shared-watch counterpart of `trackRun` (src/runner/track_run.ts).
 *
 * @module
 */

import { type ClusterError, errorText } from "../errors.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { KubeEvent } from "../kube/event_watch.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { followContainerLog } from "../kube/log_follow.ts";
import type { WatchEventType, WatchReconnect } from "../kube/resumable_watch.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { K8sEvent, RunEventInput, RunStats } from "../output/run_event.ts";
import { RecentWarnings, summarizeFailure } from "../runner/failure_summary.ts";
import { createLineHandler } from "../runner/_line_handler.ts";
import { PodCache, type PodLike } from "../runner/_pod_cache.ts";
import { type FollowContainer, PodLogRelay } from "../runner/_pod_log_relay.ts";
import { type FinalVerdict, RunTracker } from "../runner/_run_tracker.ts";
import { lookUpNodes } from "../runner/_node_lookup.ts";
import type { RunOptions } from "../runner/run_options.ts";
import type { TrackingOutcome } from "../runner/track_run.ts";
import type { HubSubscriber } from "./namespace_hub.ts";
import { isNewer } from "./_resource_version.ts";

/** The follow options the per-run state reads. */
export type RunStateOptions = Pick<
  RunOptions,
  | "getLogs"
  | "relayApiEventLines"
  | "startupTimeoutSeconds"
  | "executionTimeoutSeconds"
  | "imagePullFailureGraceSeconds"
  | "stallTimeoutMs"
  | "logsSince"
  | "detectLogLevel"
  | "parseXcom"
  | "xcomMaxDepth"
  | "eventsFrom"
>;

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
  #handler;
  #stats: RunStats = {
    lines: 0,
    logReconnects: 0,
    logStalls: 0,
    duplicatesDropped: 0,
    watchReconnects: 0,
    watchStalls: 0,
    watchRelists: 0,
  };
  #versions = new Map<string, string>();
  #deleted = new Set<string>();
  #seenEvents = new Map<string, number>();
  #k8sEvents = new RecentWarnings();
  #sinceMs: number;
  #fail!: (error: unknown) => void;
  #stopped = false;
  #nodes: { check: () => void };

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
    this.tracker = new RunTracker({
      rule: config.rule,
      startupTimeoutMs: (options.startupTimeoutSeconds ?? 120) * 1000,
      executionTimeoutMs: options.executionTimeoutSeconds !== undefined
        ? options.executionTimeoutSeconds * 1000
        : undefined,
      unrecoverableGraceMs: (options.imagePullFailureGraceSeconds ?? 30) * 1000,
      // Job counters and Pod phases say nothing of containers that ran; pods do.
      verdictMeansStarted: tracked.kind !== "Job" && tracked.kind !== "Pod",
      onVerdict: (v) =>
        emit({
          type: "status",
          resource: this.#trackedName,
          state: v.state,
          ...(v.reason ? { reason: v.reason } : {}),
          ...(v.message ? { message: v.message } : {}),
        }),
    });
    this.#handler = createLineHandler({
      emit,
      xcom: config.xcom,
      relayLogs: options.getLogs !== false,
      relayApiEventLines: options.relayApiEventLines ?? false,
      keepLastLines: 20,
      detectLevel: options.detectLogLevel ?? true,
      parseXcom: options.parseXcom ?? true,
      xcomCaps: { maxBytes: config.xcom.maxBytes, maxDepth: options.xcomMaxDepth },
      ...(options.eventsFrom === "main"
        ? { isEventSource: (pod: string, c: string) => this.#cache.isMainContainer(pod, c) }
        : {}),
    });
    if (options.getLogs !== false) this.#relay = this.#createRelay();
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
    this.#nodes.check();
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
    const pod = object as PodLike;
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
    this.#stats.watchReconnects++;
    if (r.reason === "stall") this.#stats.watchStalls++;
    if (r.reason === "gone") this.#stats.watchRelists++;
    if (r.reason === "closed") return;
    this.#config.emit({
      type: "info",
      level: r.reason === "error" ? "warning" : "debug",
      message: `shared watch of ${what}: ${r.reason}${
        r.error ? ` (${errorText(r.error)})` : ""
      }; resuming at resourceVersion ${r.resourceVersion ?? "?"}`,
    });
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
    const failed = verdict && verdict.state !== "Succeeded";
    const summary = failed
      ? summarizeFailure({
        tracked: { ...this.#config.created[0] },
        pods: this.#cache.all(),
        events: this.#k8sEvents.list(),
        lastLines: this.#handler.lastLines,
        morePods: this.#cache.forgotten,
        verdict: { state: "Failed", reason: verdict!.reason, message: verdict!.message },
      })
      : [];
    return { verdict, summary, lineErrors: this.#handler.reportedErrors, stats: this.stats };
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

  #createRelay(): PodLogRelay {
    const { client, namespace, options, emit } = this.#config;
    const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
    const follow: FollowContainer = (request) => {
      const following = followContainerLog({
        client,
        namespace,
        pod: request.pod,
        container: request.container,
        signal: request.signal,
        stallTimeoutMs,
        isContainerDone: request.isContainerDone,
        ...(options.logsSince ? { sinceTime: options.logsSince } : {}),
        onLine: (line) =>
          request.onLine({
            ts: line.ts,
            text: line.line,
            ...(line.piece ? { piece: line.piece } : {}),
          }),
        onReconnect: (r) => {
          if (r.reason === "waiting") return;
          this.#stats.logReconnects++;
          if (r.reason === "stall") this.#stats.logStalls++;
          emit({
            type: "info",
            level: r.reason === "closed" ? "debug" : "warning",
            message: `log of ${request.pod}/${request.container}: ${r.reason}${
              r.error ? ` (${errorText(r.error)})` : ""
            }; resuming from ${r.sinceTime ?? "the start"}`,
          });
        },
      });
      return following.then(() => {
        this.#stats.duplicatesDropped += following.stats.skipped;
      });
    };
    return new PodLogRelay({
      follow,
      cache: this.#cache,
      onLine: this.#handler.handle,
      onFollowEnd: this.#handler.containerDone,
      onError: (pod, container, error) =>
        emit({
          type: "info",
          level: "warning",
          message: `log of ${pod}/${container}: ${errorText(error)}`,
        }),
    });
  }
}

function toK8sEvent(event: KubeEvent): K8sEvent {
  const count = event.series?.count ?? event.count;
  return {
    type: "k8s_event",
    time: new Date().toISOString(),
    object: `${event.involvedObject.kind ?? "?"}/${event.involvedObject.name ?? "?"}`,
    reason: event.reason ?? "",
    message: (event.message ?? "").trim(),
    eventType: event.type ?? "Normal",
    ...(count ? { count } : {}),
  };
}

function eventTimeMs(event: KubeEvent): number | undefined {
  const text = event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ??
    event.firstTimestamp ?? event.metadata.creationTimestamp;
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
