/**
 * The result events of a shared follow: decided (same as `followRun`),
 * interrupted, or detached.
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import { type ResultEvent, type RunStats, stampEvent } from "../output/run_event.ts";
import type { TrackingOutcome } from "../runner/track_run.ts";

/** The abort reason that detaches a follow: stop following, delete nothing. */
export const DETACH = "detach";

/** What every result of a run carries. */
export interface ResultCommon {
  /** The run's id. */
  runId: string;
  /** The run's namespace. */
  namespace: string;
  /** `Kind/name` of each resource of the run. */
  resources: string[];
  /** XCom collected so far (default none). */
  xcom?: Record<string, unknown>;
  /** Counters of the run's streams. */
  stats?: RunStats;
}

/**
 * The result of a follow that was detached: the run goes on, nothing was
 * deleted. Exit code 143 (stopped from outside), state `Detached`.
 *
 * @example
 * ```ts
 * import { detachedResult } from "./_follow_result.ts";
 *
 * detachedResult({ runId: "r", namespace: "ns", resources: ["Job/a"] });
 * ```
 */
export function detachedResult(common: ResultCommon): ResultEvent {
  return stampEvent({
    type: "result",
    state: "Detached",
    exitCode: ExitCode.Terminated,
    reason: "Detached",
    message: `detached; run ${common.runId} goes on and nothing was deleted`,
    xcom: {},
    ...common,
  }) as ResultEvent;
}

/**
 * The result of a decided follow, like `followRun` makes it: the verdict,
 * or `Failed` (InvalidKubeApiEvent) when a succeeded run had invalid
 * `::kube_api:` lines.
 *
 * @example
 * ```ts
 * import { decidedResult } from "./_follow_result.ts";
 *
 * decidedResult(
 *   { verdict: { state: "Succeeded" }, summary: [], lineErrors: [], stats: {
 *     lines: 0, logReconnects: 0, logStalls: 0, duplicatesDropped: 0,
 *     watchReconnects: 0, watchStalls: 0, watchRelists: 0,
 *   } },
 *   { runId: "r", namespace: "ns", resources: ["Job/a"], xcom: {} },
 * );
 * ```
 */
export function decidedResult(tracking: TrackingOutcome, common: ResultCommon): ResultEvent {
  const verdict = tracking.verdict!;
  const full = { xcom: {}, ...common, stats: tracking.stats };
  if (verdict.state === "Succeeded" && tracking.lineErrors.length > 0) {
    return stampEvent({
      type: "result",
      state: "Failed",
      exitCode: ExitCode.Failed,
      reason: "InvalidKubeApiEvent",
      message: tracking.lineErrors[0],
      summary: tracking.lineErrors,
      ...full,
    }) as ResultEvent;
  }
  return stampEvent({
    type: "result",
    state: verdict.state,
    exitCode: verdict.state === "Succeeded" ? ExitCode.Succeeded : ExitCode.Failed,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.message ? { message: verdict.message } : {}),
    ...(tracking.summary.length > 0 ? { summary: tracking.summary } : {}),
    ...full,
  }) as ResultEvent;
}
