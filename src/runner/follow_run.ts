/**
 * The second half of a run, shared by `run` and `attach`: track the created
 * resources to the end, clean up per the delete policy, and make the result.
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { XComCollector } from "../logs/xcom_collector.ts";
import { type ResultEvent, type RunEventInput, stampEvent } from "../output/run_event.ts";
import { cleanUpRun } from "./cleanup.ts";
import { RUN_ID_LABEL } from "./run_id.ts";
import type { RunOptions } from "./run_options.ts";
import { exitCodeForSignal, type StopSignal } from "./signals.ts";
import { trackRun } from "./track_run.ts";

/** Options of {@linkcode followRun}. */
export interface FollowRunOptions {
  client: KubeClient;
  namespace: string;
  runId: string;
  /** The run's resources as they are in the cluster; the first is tracked. */
  created: KubeObject[];
  rule: StateRule;
  options: RunOptions;
  emit: (event: RunEventInput) => void;
  signal: AbortSignal;
}

/**
 * Tracks a run's resources until the first one is decided (or `signal`
 * aborts), cleans up, and returns the result event (not yet emitted).
 *
 * @example
 * ```ts
 * const result = await followRun({ client, namespace, runId, created, rule, options, emit, signal });
 * ```
 */
export async function followRun(follow: FollowRunOptions): Promise<ResultEvent> {
  const { client, namespace, runId, created, options, emit, signal } = follow;
  const xcom = new XComCollector({ maxBytes: options.xcomMaxBytes });
  const runLabelSelector = `${RUN_ID_LABEL}=${runId}`;
  const tracking = await trackRun({
    client,
    namespace,
    created,
    rule: follow.rule,
    runLabelSelector,
    options,
    xcom,
    emit,
    signal,
  });

  const interrupted = signal.aborted;
  const succeeded = !interrupted && tracking.verdict?.state === "Succeeded" &&
    tracking.lineErrors.length === 0;
  await cleanUpRun({
    client,
    namespace,
    created,
    runLabelSelector,
    policy: interrupted ? "Always" : options.deletePolicy ?? "IfSucceeded",
    succeeded,
    emit,
  });

  const common = {
    runId,
    namespace,
    resources: created.map(describeObject),
    xcom: xcom.toObject(),
    stats: tracking.stats,
  };
  if (interrupted) return interruptedResult(signal.reason, common, tracking.summary);
  const verdict = tracking.verdict!;
  if (verdict.state === "Succeeded" && tracking.lineErrors.length > 0) {
    return stampEvent({
      type: "result",
      state: "Failed",
      exitCode: ExitCode.Failed,
      reason: "InvalidKubeApiEvent",
      message: tracking.lineErrors[0],
      summary: tracking.lineErrors,
      ...common,
    }) as ResultEvent;
  }
  return stampEvent({
    type: "result",
    state: verdict.state,
    exitCode: verdict.state === "Succeeded" ? ExitCode.Succeeded : ExitCode.Failed,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.message ? { message: verdict.message } : {}),
    ...(tracking.summary.length > 0 ? { summary: tracking.summary } : {}),
    ...common,
  }) as ResultEvent;
}

/**
 * The result of a run stopped by SIGINT/SIGTERM (exit 130/143).
 *
 * @example
 * ```ts
 * interruptedResult("SIGTERM", { runId: "r", namespace: "ns", resources: [] });
 * ```
 */
export function interruptedResult(
  reason: unknown,
  common: { runId: string; namespace: string; resources: string[]; xcom?: Record<string, unknown> },
  summary: string[] = [],
): ResultEvent {
  const signal: StopSignal = reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  return stampEvent({
    type: "result",
    state: "Interrupted",
    exitCode: exitCodeForSignal(signal),
    reason: signal,
    message: `interrupted by ${signal}; the run's resources were deleted`,
    ...(summary.length ? { summary } : {}),
    xcom: {},
    ...common,
  }) as ResultEvent;
}
