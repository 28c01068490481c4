/**
 * The result events of a run that kjo did not see end by itself: an error
 * (exit 2 or 3) or an interruption (exit 130/143), each saying what became
 * of the run's resources.
 *
 * @module
 */

import { ExitCode, KjoError } from "../errors.ts";
import { type ResultEvent, stampEvent } from "../output/run_event.ts";
import { describeCleanup, type RunCleanup } from "./cleanup.ts";
import { exitCodeForSignal, type StopSignal } from "./signals.ts";

/** Fields every result of a run shares. */
export interface ResultCommon {
  runId: string;
  namespace?: string;
  resources: string[];
  xcom?: Record<string, unknown>;
}

/**
 * The result of a run stopped by SIGINT/SIGTERM (exit 130/143); the message
 * says what was deleted and what was not.
 *
 * @example
 * ```ts
 * interruptedResult("SIGTERM", { runId: "r", namespace: "ns", resources: [] });
 * ```
 */
export function interruptedResult(
  reason: unknown,
  common: ResultCommon,
  summary: string[] = [],
  cleanup?: RunCleanup,
): ResultEvent {
  const signal: StopSignal = reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  return stampEvent({
    type: "result",
    state: "Interrupted",
    exitCode: exitCodeForSignal(signal),
    reason: signal,
    message: `interrupted by ${signal}; ${
      cleanup ? describeCleanup(cleanup) : "nothing was created"
    }`,
    ...(summary.length ? { summary } : {}),
    xcom: {},
    ...common,
  }) as ResultEvent;
}

/**
 * The result of a run that ended in an error: exit 2 for bad input, 3 for
 * the cluster (and anything unexpected); with `cleanup`, the message ends
 * with what became of the run's resources.
 *
 * @example
 * ```ts
 * import { ClusterError } from "../errors.ts";
 *
 * errorResult(new ClusterError("forbidden"), { runId: "r", resources: [] }).exitCode; // 3
 * ```
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
  return stampEvent({
    type: "result",
    state: "Error",
    exitCode: known ? error.exitCode : ExitCode.Infrastructure,
    reason: known ? error.name : "UnexpectedError",
    message: cleanup ? `${text}; ${describeCleanup(cleanup)}` : text,
    xcom: {},
    ...common,
  }) as ResultEvent;
}
