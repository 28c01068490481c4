/**
 * The state rule of `batch/v1` Job.
 *
 * A Job is judged by its conditions whose `status` is `"True"` (the original
 * operator read condition types regardless of their status, so a
 * `Suspended=False` or a stale `Failed=False` could mislead it):
 *
 * | condition (status True)          | state                          |
 * | -------------------------------- | ------------------------------ |
 * | `Failed` or `FailureTarget`      | Failed (reason, message of the condition) |
 * | `Complete` or `SuccessCriteriaMet` | Succeeded (reason, message of the condition) |
 * | `Suspended` (or `spec.suspend`)  | Pending, reason `Suspended`    |
 * | none, some pod ready/terminating/finished | Running            |
 * | none, pods active but none ready | Pending (message: the counters) |
 * | none, no pod yet                 | Pending                        |
 *
 * Since Kubernetes 1.31 the Job controller first adds the interim
 * `FailureTarget` / `SuccessCriteriaMet` condition and, once every pod has
 * terminated, the final `Failed` / `Complete` with the same reason and
 * message. The outcome is certain from the interim condition, so it decides;
 * {@linkcode jobTerminalCondition} tells whether the final one is there yet
 * (a runner may wait for it so the last pods' logs are complete).
 *
 * The Job controller counts Pending pods as `active`, so `active` alone says
 * nothing ran: a Job whose only pod cannot start (a missing Secret volume,
 * an unbound claim) stays Pending. Servers without the `ready` counter
 * (before Kubernetes 1.24) report Running for active pods, as before.
 * Whether the run has started is decided from its pods' containers, not
 * from these counters (`startup_problems.ts`).
 *
 * Failure wins when failure and success conditions are both present (the
 * controller never writes both).
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import type { StateVerdict } from "./resource_state.ts";
import { num, record } from "./_fields.ts";
import { type Condition, trueCondition } from "./object_conditions.ts";

/**
 * The condition that ended a Job, if any.
 */
export interface JobTerminalCondition extends Condition {
  state: "Succeeded" | "Failed";
  /** `true` for `Complete`/`Failed`; `false` for the interim `SuccessCriteriaMet`/`FailureTarget`. */
  final: boolean;
}

/**
 * The condition (status `"True"`) that decides a finished Job: `Failed`, else
 * `FailureTarget`, else `Complete`, else `SuccessCriteriaMet`; `undefined` while
 * the Job has not finished.
 */
export function jobTerminalCondition(job: KubeObject): JobTerminalCondition | undefined {
  const failed = trueCondition(job, "Failed", "FailureTarget");
  if (failed) return { ...failed, state: "Failed", final: failed.type === "Failed" };
  const done = trueCondition(job, "Complete", "SuccessCriteriaMet");
  if (done) return { ...done, state: "Succeeded", final: done.type === "Complete" };
  return undefined;
}

/**
 * Decides the state of a Job (see the module documentation for the rules).
 */
export function jobState(job: KubeObject): StateVerdict {
  const terminal = jobTerminalCondition(job);
  if (terminal) {
    return {
      state: terminal.state,
      reason: terminal.reason ?? terminal.type,
      ...(terminal.message ? { message: terminal.message } : {}),
    };
  }
  const suspended = trueCondition(job, "Suspended");
  if (suspended || record(job.spec)?.suspend === true) {
    return {
      state: "Pending",
      reason: "Suspended",
      message: suspended?.message ?? "Job suspended",
    };
  }
  const status = record(job.status);
  const counts = {
    active: num(status?.active) ?? 0,
    ready: num(status?.ready) ?? 0,
    terminating: num(status?.terminating) ?? 0,
    succeeded: num(status?.succeeded) ?? 0,
    failed: num(status?.failed) ?? 0,
  };
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  const onlyActive = counts.active > 0 && parts.length === 1 && num(status?.ready) !== undefined;
  if (onlyActive) return { state: "Pending", message: `pods: ${parts[0]}, none ready` };
  if (parts.length > 0) return { state: "Running", message: `pods: ${parts.join(", ")}` };
  return { state: "Pending" };
}
