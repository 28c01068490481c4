/**
 * The result events of a run: decided (the verdict), an error (exit 2 or
 * 3) or an interruption (exit 130/143), the last two saying what became of
 * the run's resources.
 *
 * @module
 */

import { ExitCode, KjoError } from "../errors.ts";
import { type ResultEvent, resultEvent, type RunStats } from "../output/run_event.ts";
import { describeCleanup, type RunCleanup } from "./cleanup.ts";
import { exitCodeForSignal, type StopSignal } from "./signals.ts";
import type { TrackingOutcome } from "./_tracking.ts";

/** Fields every result of a run shares. */
export interface ResultCommon {
  runId: string;
  namespace?: string;
  resources: string[];
  xcom?: Record<string, unknown>;
  /** Counters of the run's streams (absent when nothing was tracked). */
  stats?: RunStats;
}

/**
 * The result of a run stopped by SIGINT/SIGTERM (exit 130/143); the message
 * says what was deleted and what was not.
 */
export function interruptedResult(
  reason: unknown,
  common: ResultCommon,
  summary: string[] = [],
  cleanup?: RunCleanup,
): ResultEvent {
  const signal: StopSignal = reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  return resultEvent({
    state: "Interrupted",
    exitCode: exitCodeForSignal(signal),
    reason: signal,
    message: `interrupted by ${signal}; ${
      cleanup ? describeCleanup(cleanup) : "nothing was created"
    }`,
    ...(summary.length ? { summary } : {}),
    xcom: {},
    ...common,
  });
}

/**
 * The result of a run that ended in an error: exit 2 for bad input, 3 for
 * the cluster (and anything unexpected); with `cleanup`, the message ends
 * with what became of the run's resources.
 */
export function errorResult(
  error: unknown,
  common: ResultCommon,
  cleanup?: RunCleanup,
): ResultEvent {
  const known = error instanceof KjoError;
  const text = error instanceof Error
    ? (known ? error.message : String(error.stack ?? error))
    : String(error);
  return resultEvent({
    state: "Error",
    exitCode: known ? error.exitCode : ExitCode.Infrastructure,
    reason: known ? error.name : "UnexpectedError",
    message: cleanup ? `${text}; ${describeCleanup(cleanup)}` : text,
    xcom: {},
    ...common,
  });
}

/**
 * The result of a decided run: the verdict (exit 0 when Succeeded, else 1),
 * or `Failed` (InvalidKubeApiEvent) when a succeeded run had invalid
 * `::kube_api:` lines. `more` lines (what could not be deleted, say) follow
 * the failure summary.
 */
export function decidedResult(
  tracking: TrackingOutcome,
  common: ResultCommon,
  more: string[] = [],
): ResultEvent {
  const verdict = tracking.verdict!;
  const full = { xcom: {}, ...common, stats: tracking.stats };
  if (verdict.state === "Succeeded" && tracking.lineErrors.length > 0) {
    return resultEvent({
      state: "Failed",
      exitCode: ExitCode.Failed,
      reason: "InvalidKubeApiEvent",
      message: tracking.lineErrors[0],
      summary: [...tracking.lineErrors, ...more],
      ...full,
    });
  }
  const summary = [...tracking.summary, ...more];
  return resultEvent({
    state: verdict.state,
    exitCode: verdict.state === "Succeeded" ? ExitCode.Succeeded : ExitCode.Failed,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.message ? { message: verdict.message } : {}),
    ...(summary.length > 0 ? { summary } : {}),
    ...full,
  });
}

/** The abort reason that detaches a follow: stop following, delete nothing. */
export const DETACH = "detach";

/**
 * The result of a follow that was detached: the run goes on, nothing was
 * deleted. Exit code 143 (stopped from outside), state `Detached`.
 */
export function detachedResult(common: ResultCommon): ResultEvent {
  return resultEvent({
    state: "Detached",
    exitCode: ExitCode.Terminated,
    reason: "Detached",
    message: `detached; run ${common.runId} goes on and nothing was deleted`,
    xcom: {},
    ...common,
  });
}
