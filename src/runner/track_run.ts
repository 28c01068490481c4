/**
 * The tracking phase of a run: watches the tracked resource, the run's pods
 * and their events; relays logs; decides; drains the logs; summarises a
 * failure.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { collectionPath, resolveResource } from "../kube/resource_paths.ts";
import { type WatchReconnect, watchResources } from "../kube/resumable_watch.ts";
import { type KubeEvent, watchEvents } from "../kube/event_watch.ts";
import { followContainerLog } from "../kube/log_follow.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { K8sEvent, RunEventInput, RunStats } from "../output/run_event.ts";
import { RecentWarnings, summarizeFailure } from "./failure_summary.ts";
import { createLineHandler } from "./_line_handler.ts";
import { PodCache, type PodLike } from "./_pod_cache.ts";
import { type FollowContainer, PodLogRelay } from "./_pod_log_relay.ts";
import { type FinalVerdict, RunTracker } from "./_run_tracker.ts";
import { lookUpNodes } from "./_node_lookup.ts";
import type { RunOptions } from "./run_options.ts";

/** Options of {@linkcode trackRun}. */
export interface TrackRunOptions {
  client: KubeClient;
  namespace: string;
  /** The run's resources, as created; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  /** Selects the run's pods, e.g. `kjo/run-id=abc`. */
  runLabelSelector: string;
  options: Pick<
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
  xcom: XComCollector;
  emit: (event: RunEventInput) => void;
  /** Aborting stops tracking at once (the caller cleans up). */
  signal: AbortSignal;
}

/** What tracking found. */
export interface TrackingOutcome {
  /** Undefined when tracking was aborted before a decision. */
  verdict?: FinalVerdict;
  /** Failure summary lines (empty on success). */
  summary: string[];
  /** Invalid `::kube_api:` events seen. */
  lineErrors: string[];
  /** Counters of the run's streams. */
  stats: RunStats;
}

/**
 * Tracks a created run until it is decided or `signal` aborts.
 *
 * @example
 * ```ts
 * const outcome = await trackRun({ client, namespace, tracked: created[0], rule, runLabelSelector, options, xcom, emit, signal });
 * ```
 */
export async function trackRun(track: TrackRunOptions): Promise<TrackingOutcome> {
  const { client, namespace, created, emit, options } = track;
  const tracked = created[0];
  const trackedName = describeObject(tracked);
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const watches = new AbortController();
  const stopWatches = () => watches.abort();
  track.signal.addEventListener("abort", stopWatches, { once: true });

  const tracker = new RunTracker({
    rule: track.rule,
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
        resource: trackedName,
        state: v.state,
        ...(v.reason ? { reason: v.reason } : {}),
        ...(v.message ? { message: v.message } : {}),
      }),
  });
  const cache = new PodCache();
  const handler = createLineHandler({
    emit,
    xcom: track.xcom,
    relayLogs: options.getLogs !== false,
    relayApiEventLines: options.relayApiEventLines ?? false,
    keepLastLines: 20,
    detectLevel: options.detectLogLevel ?? true,
    parseXcom: options.parseXcom ?? true,
    xcomCaps: { maxBytes: track.xcom.maxBytes, maxDepth: options.xcomMaxDepth },
    ...(options.eventsFrom === "main"
      ? { isEventSource: (pod: string, c: string) => cache.isMainContainer(pod, c) }
      : {}),
  });
  const stats: RunStats = {
    lines: 0,
    logReconnects: 0,
    logStalls: 0,
    duplicatesDropped: 0,
    watchReconnects: 0,
    watchStalls: 0,
    watchRelists: 0,
  };
  const onWatchReconnect = (what: string) => (r: WatchReconnect) => {
    stats.watchReconnects++;
    if (r.reason === "stall") stats.watchStalls++;
    if (r.reason === "gone") stats.watchRelists++;
    if (r.reason !== "closed") {
      emit({
        type: "info",
        level: r.reason === "error" ? "warning" : "debug",
        message: `watch of ${what}: ${r.reason}${
          r.error ? ` (${errorText(r.error)})` : ""
        }; resuming at resourceVersion ${r.resourceVersion ?? "?"}`,
      });
    }
  };
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
        stats.logReconnects++;
        if (r.reason === "stall") stats.logStalls++;
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
      stats.duplicatesDropped += following.stats.skipped;
    });
  };
  const relay = new PodLogRelay({
    follow,
    cache,
    onLine: handler.handle,
    onFollowEnd: handler.containerDone,
    onError: (pod, container, error) =>
      emit({
        type: "info",
        level: "warning",
        message: `log of ${pod}/${container}: ${errorText(error)}`,
      }),
  });
  const k8sEvents = new RecentWarnings();
  const onPod = (pod: PodLike) => {
    cache.update(pod);
    if (pod.metadata.uid) events.track({ uid: pod.metadata.uid });
    tracker.onPod(pod);
    // A succeeded pod can no longer be stuck or explain a startup timeout: the tracker
    // need not keep it (bounded memory over a Job of many pods).
    if (pod.status?.phase === "Succeeded") tracker.onPodDeleted(pod.metadata.name!);
    relay.observe(pod);
  };

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
    onEvent: (event) => {
      const k8sEvent = toK8sEvent(event);
      k8sEvents.add(k8sEvent);
      emit(k8sEvent);
      tracker.onEvent(event);
    },
  });
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
        const pod = { ...object, apiVersion: "v1", kind: "Pod" } as PodLike;
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
      }).catch(() => ({ items: [] as PodLike[], metadata: { continue: undefined } }));
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

  const failed = verdict && verdict.state !== "Succeeded";
  const summary = failed
    ? summarizeFailure({
      tracked: { ...tracked },
      pods: cache.all(),
      events: k8sEvents.list(),
      lastLines: handler.lastLines,
      morePods: cache.forgotten,
      verdict: { state: "Failed", reason: verdict!.reason, message: verdict!.message },
    })
    : [];
  stats.lines = handler.count;
  return { verdict, summary, lineErrors: handler.reportedErrors, stats };
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
