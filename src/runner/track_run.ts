/**
 * The tracking phase of a run: watches the tracked resource, the run's pods
 * and their events; relays logs; decides; drains the logs; summarises a
 * failure.
 *
 * @module
 */

import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { collectionPath, resolveResource } from "../kube/resource_paths.ts";
import { type WatchReconnect, watchResources } from "../kube/resumable_watch.ts";
import { watchEvents } from "../kube/event_watch.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { RunEventInput } from "../output/run_event.ts";
import { RecentWarnings } from "./failure_summary.ts";
import { PodCache, type PodLike } from "./_pod_cache.ts";
import type { FinalVerdict } from "./_run_tracker.ts";
import { lookUpNodes } from "./_node_lookup.ts";
import {
  countWatchReconnect,
  createLogRelay,
  createRunLineHandler,
  createTracker,
  DEFAULT_STALL_TIMEOUT_MS,
  emptyStats,
  toK8sEvent,
  type TrackingOptions,
  type TrackingOutcome,
  trackingOutcome,
} from "./_tracking.ts";

export type { TrackingOptions, TrackingOutcome } from "./_tracking.ts";

/** Options of {@linkcode trackRun}. */
export interface TrackRunOptions {
  client: KubeClient;
  namespace: string;
  /** The run's resources, as created; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  /** Selects the run's pods, e.g. `kjo/run-id=abc`. */
  runLabelSelector: string;
  options: TrackingOptions;
  xcom: XComCollector;
  emit: (event: RunEventInput) => void;
  /** Aborting stops tracking at once (the caller cleans up). */
  signal: AbortSignal;
  /**
   * The run's objects were created by this process just now: its Events are
   * watched from the first object's creation, without listing the
   * namespace's Events.
   *
   * @default {false}
   */
  createdNow?: boolean;
}

/**
 * Tracks a created run until it is decided or `signal` aborts.
 */
export async function trackRun(track: TrackRunOptions): Promise<TrackingOutcome> {
  const { client, namespace, created, emit, options } = track;
  const tracked = created[0];
  const trackedName = describeObject(tracked);
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const watches = new AbortController();
  const stopWatches = () => watches.abort();
  track.signal.addEventListener("abort", stopWatches, { once: true });

  const tracker = createTracker({ tracked, rule: track.rule, options, emit });
  const cache = new PodCache();
  const handler = createRunLineHandler({ options, xcom: track.xcom, cache, emit });
  const stats = emptyStats();
  const onWatchReconnect = (what: string) => (r: WatchReconnect) =>
    countWatchReconnect(stats, emit, `watch of ${what}`, r);
  const relay = createLogRelay({ client, namespace, options, cache, handler, stats, emit });
  const k8sEvents = new RecentWarnings();

  const trackedInfo = await resolveResource(client, tracked);
  const podInfo = await resolveResource(client, { apiVersion: "v1", kind: "Pod", metadata: {} });
  const events = watchEvents({
    client,
    namespace,
    signal: watches.signal,
    stallTimeoutMs,
    onReconnect: onWatchReconnect("events"),
    since: new Date(
      Date.parse(String(tracked.metadata.creationTimestamp ?? new Date().toISOString())),
    ),
    objects: created.map((o) => ({ uid: o.metadata.uid })),
    ...(track.createdNow ? { startResourceVersion: tracked.metadata.resourceVersion } : {}),
    onEvent: (event) => {
      const k8sEvent = toK8sEvent(event);
      k8sEvents.add(k8sEvent);
      emit(k8sEvent);
      tracker.onEvent(event);
    },
  });
  const onPod = (pod: PodLike) => {
    cache.update(pod);
    if (pod.metadata.uid) events.track({ uid: pod.metadata.uid });
    tracker.onPod(pod);
    // A succeeded pod can no longer be stuck or explain a startup timeout: the tracker
    // need not keep it (bounded memory over a Job of many pods).
    if (pod.status?.phase === "Succeeded") tracker.onPodDeleted(pod.metadata.name!);
    relay.observe(pod);
  };
  const watchDone = Promise.all([
    watchResources({
      client,
      path: collectionPath(trackedInfo, trackedInfo.namespaced ? namespace : undefined),
      fieldSelector: `metadata.name=${tracked.metadata.name}`,
      signal: watches.signal,
      stallTimeoutMs,
      onReconnect: onWatchReconnect(trackedName),
      onEvent: (type, object) => {
        if (type === "DELETED") tracker.onTrackedDeleted(trackedName);
        else tracker.onTracked({ ...object, apiVersion: tracked.apiVersion, kind: tracked.kind });
      },
    }),
    watchResources({
      client,
      path: collectionPath(podInfo, namespace),
      labelSelector: track.runLabelSelector,
      signal: watches.signal,
      stallTimeoutMs,
      onReconnect: onWatchReconnect("the run's pods"),
      onEvent: (type, object) => {
        const pod: PodLike = { ...object, apiVersion: "v1", kind: "Pod" };
        if (type === "DELETED") {
          cache.remove(pod.metadata.name!);
          tracker.onPodDeleted(pod.metadata.name!);
        } else onPod(pod);
      },
    }),
    events,
  ]).catch((error) => {
    if (!watches.signal.aborted) throw error;
  });

  const nodes = lookUpNodes(
    client,
    tracker,
    (message) => emit({ type: "info", level: "debug", message }),
  );
  const ticker = setInterval(() => {
    tracker.tick();
    nodes.check();
  }, 500);
  const aborted = new Promise<undefined>((resolve) => {
    if (track.signal.aborted) resolve(undefined);
    track.signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  const watchFailed = watchDone.then(() => new Promise<never>(() => {}));
  let verdict: FinalVerdict | undefined;
  try {
    verdict = await Promise.race([tracker.decided, aborted, watchFailed]);
  } catch (error) {
    // A watch failed for good: stop the other watches and the log follows.
    relay.stop();
    watches.abort();
    track.signal.removeEventListener("abort", stopWatches);
    throw error;
  } finally {
    clearInterval(ticker);
  }

  if (verdict && !track.signal.aborted) {
    // Pods the watch has not shown yet (a Job can complete before its last
    // pod update arrives): list them once so every container is followed.
    // In pages: a Job of thousands of pods would otherwise come as one huge answer.
    let cont: string | undefined;
    do {
      const page = await client.request<{ items?: PodLike[]; metadata?: { continue?: string } }>({
        path: collectionPath(podInfo, namespace),
        query: { labelSelector: track.runLabelSelector, limit: 100, continue: cont },
      }).catch((): { items?: PodLike[]; metadata?: { continue?: string } } => ({}));
      for (const pod of page.items ?? []) onPod({ ...pod, apiVersion: "v1", kind: "Pod" });
      cont = page.metadata?.continue || undefined;
    } while (cont);
    await relay.drain({ runningGraceMs: 2_000, doneGraceMs: 30_000 });
  } else {
    relay.stop();
  }
  watches.abort();
  track.signal.removeEventListener("abort", stopWatches);
  await watchDone;

  return trackingOutcome({ verdict, tracked, cache, k8sEvents, handler, stats });
}
