/**
 * The parts of tracking one run that the follower's per-run state
 * (`src/follower/_run_state.ts`) is made of: the tracker and line handler
 * built from the options, the log relay, the stream counters, the Kubernetes
 * event conversion and the outcome with its failure summary.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { KubeEvent } from "../kube/kube_event.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { followContainerLog } from "../kube/log_follow.ts";
import type { WatchReconnect } from "../kube/resumable_watch.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { K8sEvent, RunEventInput, RunStats } from "../output/run_event.ts";
import { type RecentWarnings, summarizeFailure } from "./failure_summary.ts";
import { createLineHandler, type LineHandler } from "./_line_handler.ts";
import type { PodCache } from "./_pod_cache.ts";
import { type FollowContainer, PodLogRelay } from "./_pod_log_relay.ts";
import { type FinalVerdict, RunTracker } from "./_run_tracker.ts";
import type { RunOptions } from "./run_options.ts";

/** The run options tracking reads. */
export type TrackingOptions = Pick<
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

/** Silence after which a log follow or a watch is reconnected, in ms, unless the options say. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** Counters of a run's streams, all zero. */
export function emptyStats(): RunStats {
  return {
    lines: 0,
    logReconnects: 0,
    logStalls: 0,
    duplicatesDropped: 0,
    watchReconnects: 0,
    watchStalls: 0,
    watchRelists: 0,
  };
}

/** The tracker of a run's first resource, with its clocks from the options; each verdict is emitted as a status event. */
export function createTracker(parts: {
  tracked: KubeObject;
  rule: StateRule;
  options: TrackingOptions;
  emit: (event: RunEventInput) => void;
}): RunTracker {
  const { tracked, options, emit } = parts;
  const trackedName = describeObject(tracked);
  return new RunTracker({
    rule: parts.rule,
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
}

/** The line handler of a run, per the options (events from the main container only with `eventsFrom: "main"`). */
export function createRunLineHandler(parts: {
  options: TrackingOptions;
  xcom: XComCollector;
  cache: PodCache;
  emit: (event: RunEventInput) => void;
}): LineHandler {
  const { options, xcom, cache } = parts;
  return createLineHandler({
    emit: parts.emit,
    xcom,
    relayLogs: options.getLogs !== false,
    relayApiEventLines: options.relayApiEventLines ?? false,
    keepLastLines: 20,
    detectLevel: options.detectLogLevel ?? true,
    parseXcom: options.parseXcom ?? true,
    xcomCaps: { maxBytes: xcom.maxBytes, maxDepth: options.xcomMaxDepth },
    ...(options.eventsFrom === "main"
      ? { isEventSource: (pod: string, c: string) => cache.isMainContainer(pod, c) }
      : {}),
  });
}

/**
 * The log relay of a run: follows each container's log (from `logsSince`
 * when set), counting reconnects, stalls and duplicate lines dropped in
 * `stats`, and hands its lines to `handler`.
 */
export function createLogRelay(parts: {
  client: KubeClient;
  namespace: string;
  options: TrackingOptions;
  cache: PodCache;
  handler: LineHandler;
  stats: RunStats;
  emit: (event: RunEventInput) => void;
}): PodLogRelay {
  const { client, namespace, options, stats, emit } = parts;
  const follow: FollowContainer = (request) => {
    const following = followContainerLog({
      client,
      namespace,
      pod: request.pod,
      container: request.container,
      signal: request.signal,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
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
  return new PodLogRelay({
    follow,
    cache: parts.cache,
    onLine: parts.handler.handle,
    onFollowEnd: parts.handler.containerDone,
    onError: (pod, container, error) =>
      emit({
        type: "info",
        level: "warning",
        message: `log of ${pod}/${container}: ${errorText(error)}`,
      }),
  });
}

/**
 * Counts a watch reconnect in `stats` and, unless the server just closed the
 * watch, says so (`what`: "watch of the run's pods", say).
 */
export function countWatchReconnect(
  stats: RunStats,
  emit: (event: RunEventInput) => void,
  what: string,
  r: WatchReconnect,
): void {
  stats.watchReconnects++;
  if (r.reason === "stall") stats.watchStalls++;
  if (r.reason === "gone") stats.watchRelists++;
  if (r.reason === "closed") return;
  emit({
    type: "info",
    level: r.reason === "error" ? "warning" : "debug",
    message: `${what}: ${r.reason}${
      r.error ? ` (${errorText(r.error)})` : ""
    }; resuming at resourceVersion ${r.resourceVersion ?? "?"}`,
  });
}

/** A Kubernetes Event as a run event. */
export function toK8sEvent(event: KubeEvent): K8sEvent {
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

/** What tracking found: the verdict and, for a run that did not succeed, the failure summary headed with its end state. */
export function trackingOutcome(parts: {
  verdict: FinalVerdict | undefined;
  tracked: KubeObject;
  cache: PodCache;
  k8sEvents: RecentWarnings;
  handler: LineHandler;
  stats: RunStats;
}): TrackingOutcome {
  const { verdict, cache, handler } = parts;
  const summary = verdict && verdict.state !== "Succeeded"
    ? summarizeFailure({
      tracked: { ...parts.tracked },
      pods: cache.all(),
      events: parts.k8sEvents.list(),
      lastLines: handler.lastLines,
      morePods: cache.forgotten,
      verdict,
    })
    : [];
  return {
    verdict,
    summary,
    lineErrors: handler.reportedErrors,
    stats: { ...parts.stats, lines: handler.count },
  };
}
