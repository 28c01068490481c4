/**
 * The second half of a run, shared by `run` and `attach`: track the created
 * resources to the end (holding the follower's heartbeat), clean up per the
 * delete policy, and make the result. Tracking and finishing are separate
 * steps, so a follower that detaches (stops without deleting) can skip the
 * second.
 *
 * @module
 */

import type { DeletePolicy } from "../choices.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { XComCollector } from "../logs/xcom_collector.ts";
import type { ResultEvent, RunEventInput } from "../output/run_event.ts";
import { cleanUpRun } from "./cleanup.ts";
import { startHeartbeat } from "./heartbeat.ts";
import type { RunOptions } from "./run_options.ts";
import {
  decidedResult,
  DETACH,
  detachedResult,
  errorResult,
  interruptedResult,
} from "./_result_events.ts";
import { type TrackingOptions, type TrackingOutcome, trackRun } from "./track_run.ts";

/** Options of {@linkcode followRun}. */
export interface FollowRunOptions {
  client: KubeClient;
  namespace: string;
  runId: string;
  /** The run's resources as they are in the cluster; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  options: TrackingOptions & Pick<RunOptions, "deletePolicy" | "xcomMaxBytes">;
  emit: (event: RunEventInput) => void;
  signal: AbortSignal;
  /**
   * `created` was created by this process just now (see
   * `TrackRunOptions.createdNow`).
   *
   * @default {false}
   */
  createdNow?: boolean;
}

/**
 * Tracks a run's resources until the first one is decided (or `signal`
 * aborts, or tracking fails), holding the follower's heartbeat Lease
 * meanwhile; then applies the delete policy (everything on an interruption;
 * a tracking error counts as not succeeded) and returns the result event
 * (not yet emitted), which says what could not be deleted.
 */
export async function followRun(follow: FollowRunOptions): Promise<ResultEvent> {
  const ended = await trackFollowed(follow);
  return await finishRun(follow, ended);
}

/** How tracking ended: with an outcome, or with an error. */
type TrackingEnd =
  & { xcom: XComCollector }
  & ({ tracking: TrackingOutcome; error?: undefined } | { tracking?: undefined; error: unknown });

/** Tracks the run with the heartbeat held; never throws. */
async function trackFollowed(follow: FollowRunOptions): Promise<TrackingEnd> {
  const { client, namespace, runId, created, options, emit, signal } = follow;
  const xcom = new XComCollector({ maxBytes: options.xcomMaxBytes });
  const heartbeat = startHeartbeat({ client, namespace, runId, tracked: created[0], emit });
  try {
    const tracking = await trackRun({
      client,
      namespace,
      created,
      rule: follow.rule,
      runId,
      options,
      xcom,
      emit,
      signal,
      createdNow: follow.createdNow,
    });
    return { xcom, tracking };
  } catch (error) {
    return { xcom, error };
  } finally {
    await heartbeat.stop();
  }
}

/** Applies the delete policy and makes the result. */
async function finishRun(follow: FollowRunOptions, ended: TrackingEnd): Promise<ResultEvent> {
  const { client, namespace, runId, created, options, emit, signal } = follow;
  const { tracking, error } = ended;
  if (signal.aborted && signal.reason === DETACH) {
    // Detached: stop following, delete nothing, whatever the delete policy.
    return detachedResult({
      runId,
      namespace,
      resources: created.map(describeObject),
      ...(tracking ? { stats: tracking.stats } : {}),
    });
  }
  const interrupted = signal.aborted;
  const succeeded = !interrupted && tracking?.verdict?.state === "Succeeded" &&
    tracking.lineErrors.length === 0;
  const cleanUp = (policy: DeletePolicy) =>
    cleanUpRun({ client, namespace, runId, created, policy, succeeded, emit });
  let cleanup = await cleanUp(interrupted ? "Always" : options.deletePolicy ?? "IfSucceeded");
  const common = {
    runId,
    namespace,
    resources: created.map(describeObject),
    xcom: ended.xcom.toObject(),
    ...(tracking ? { stats: tracking.stats } : {}),
  };
  if (signal.aborted) {
    // Interrupted while finishing: what the policy kept goes too.
    if (!interrupted && cleanup.kept.length > 0) cleanup = await cleanUp("Always");
    return interruptedResult(signal.reason, common, tracking?.summary, cleanup);
  }
  if (!tracking) return errorResult(error, common, cleanup);
  const notDeleted = cleanup.notDeleted.length > 0
    ? [`not deleted: ${cleanup.notDeleted.join(", ")}`]
    : [];
  return decidedResult(tracking, common, notDeleted);
}
