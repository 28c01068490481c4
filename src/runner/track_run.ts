/**
 * The tracking phase of a run: watches the tracked resource, the run's pods
 * and their events; relays logs; decides; drains the logs; summarises a
 * failure. The one-run case of the follower (`src/follower/`): the same hub
 * and per-run state, with watches narrowed to this run.
 *
 * @module
 */

import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import type { RunEventInput } from "../output/run_event.ts";
import { NamespaceHub } from "../follower/namespace_hub.ts";
import { RunState } from "../follower/_run_state.ts";
import { eventsVersion } from "../kube/kube_event.ts";
import { trackOnHub } from "../follower/_track_on_hub.ts";
import {
  DEFAULT_STALL_TIMEOUT_MS,
  type TrackingOptions,
  type TrackingOutcome,
} from "./_tracking.ts";

export type { TrackingOptions, TrackingOutcome } from "./_tracking.ts";

/** How often the run's clocks (timeouts, image pull grace) are checked, in ms. */
const TICK_MS = 500;

/** Options of {@linkcode trackRun}. */
export interface TrackRunOptions {
  client: KubeClient;
  namespace: string;
  /** The run's resources, as created; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  /** The run's id (label `kjo/run-id`): selects its pods. */
  runId: string;
  options: TrackingOptions;
  xcom: XComCollector;
  emit: (event: RunEventInput) => void;
  /** Aborting stops tracking at once (the caller cleans up). */
  signal: AbortSignal;
  /**
   * The run's objects were created by this process just now: its Events are
   * watched from the first object's creation. Otherwise (a run found by
   * `attach`) they are watched from now on and its objects' earlier Events
   * read per object. Either way the namespace's Events are not listed (a
   * busy namespace holds thousands).
   *
   * @default {false}
   */
  createdNow?: boolean;
}

/**
 * Tracks a created run until it is decided or `signal` aborts: the one-run
 * case of the follower (a {@linkcode NamespaceHub} narrowed to this run,
 * feeding a {@linkcode RunState}).
 */
export async function trackRun(track: TrackRunOptions): Promise<TrackingOutcome> {
  const { client, namespace, created, options } = track;
  const tracked = created[0];
  const { runId } = track;
  const eventsFrom = track.createdNow
    ? tracked.metadata.resourceVersion
    : await eventsVersion(client, namespace);
  const hub = new NamespaceHub({
    client,
    namespace,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    scope: { runId, trackedName: tracked.metadata.name!, eventsFrom },
  });
  const state = new RunState({
    client,
    namespace,
    runId,
    created,
    rule: track.rule,
    options,
    xcom: track.xcom,
    emit: track.emit,
  });
  const ticker = setInterval(() => state.tick(), TICK_MS);
  try {
    const verdict = await trackOnHub({
      client,
      hub,
      state,
      namespace,
      created,
      signal: track.signal,
      // Found, not created: read what happened to its objects before the Event watch's start.
      catchUp: !track.createdNow,
    });
    return state.outcome(verdict);
  } finally {
    clearInterval(ticker);
  }
}
