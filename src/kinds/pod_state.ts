/**
 * The state rule of `v1` Pod.
 *
 * **With the annotation** `kubernetes_job_operator.main_container: NAME` only
 * that container decides; the others are sidecars that may still run:
 * - its `state.terminated` with exit code 0 → Succeeded (whatever the
 *   sidecars do, and even if the pod phase later becomes Failed because a
 *   sidecar was killed);
 * - exit code ≠ 0 with an effective restart policy `Never` → Failed (reason
 *   from the termination, e.g. `Error`, `OOMKilled`; message
 *   `container main exited with code 3`), unless the pod phase is Failed with
 *   a pod-level reason (`Evicted`, `DeadlineExceeded`), which is reported
 *   instead;
 * - exit code ≠ 0 under `OnFailure`/`Always` → Running: the kubelet restarts
 *   the container, so the run goes on (until a timeout, if any);
 * - not terminated: the pod phase decides (a Failed phase, e.g. eviction or
 *   `activeDeadlineSeconds`, fails the run);
 * - a NAME that is not one of `spec.containers` → Failed, reason
 *   `MainContainerNotFound`, with the known names in the message.
 *
 * **Without the annotation** the phase decides (`Succeeded`, `Failed`,
 * `Pending`, `Running`; `Unknown` reads as Running), with one decision of
 * ours: under restart policy `Never`, a regular or init container (not a
 * native sidecar, not an ephemeral container) that terminated with a
 * non-zero code fails the pod at once. Kubernetes only sets phase Failed when
 * every container has terminated, but the pod can no longer succeed, and a
 * long-running sidecar would otherwise hang the run.
 *
 * The effective restart policy of a container is its own `restartPolicy`
 * (Kubernetes ≥ 1.34) or else the pod's `spec.restartPolicy` (default
 * `Always`). Waiting states that cannot recover (image pull errors) are not
 * failures here; see `image_pull_failure.ts`, which the runner applies with a
 * grace period.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import type { StateVerdict } from "./resource_state.ts";
import { record, text } from "./_fields.ts";
import { conditionsOf } from "./object_conditions.ts";
import { type ContainerView, podContainers, type TerminatedView } from "./pod_containers.ts";

/**
 * The pod annotation naming the container whose termination decides the
 * pod's state.
 */
export const MAIN_CONTAINER_ANNOTATION = "kubernetes_job_operator.main_container";

/**
 * The main container named by {@linkcode MAIN_CONTAINER_ANNOTATION}, trimmed,
 * or `undefined` when the pod has no such annotation.
 */
export function mainContainerName(pod: KubeObject): string | undefined {
  const value = pod.metadata?.annotations?.[MAIN_CONTAINER_ANNOTATION];
  return typeof value === "string" ? value.trim() : undefined;
}

/**
 * A sentence describing a container's termination, e.g.
 * `container main exited with code 3`.
 */
export function exitMessage(container: ContainerView, terminated: TerminatedView): string {
  const what = container.role === "init"
    ? "init container"
    : container.role === "ephemeral"
    ? "ephemeral container"
    : "container";
  const code = terminated.exitCode >= 0
    ? `with code ${terminated.exitCode}`
    : "without an exit code";
  return `${what} ${container.name} exited ${code}`;
}

function effectivePolicy(pod: KubeObject, container: ContainerView): string {
  return container.restartPolicy ?? text(record(pod.spec)?.restartPolicy) ?? "Always";
}

/** Containers whose non-zero exit makes the pod fail (not sidecars, not ephemeral). */
function decisive(c: ContainerView): boolean {
  return c.role !== "ephemeral" && !c.sidecar;
}

function failedFromPhase(pod: KubeObject, containers: ContainerView[]): StateVerdict {
  const status = record(pod.status);
  const culprit = containers.find((c) =>
    decisive(c) && c.terminated && c.terminated.exitCode !== 0
  );
  const reason = text(status?.reason) ?? culprit?.terminated?.reason ?? "Failed";
  const message = text(status?.message) ??
    (culprit?.terminated ? exitMessage(culprit, culprit.terminated) : undefined);
  return { state: "Failed", reason, ...(message ? { message } : {}) };
}

function restartingVerdict(c: ContainerView, t: TerminatedView, policy: string): StateVerdict {
  return {
    state: "Running",
    reason: c.waiting?.reason ?? "Restarting",
    message: `${exitMessage(c, t)}; restartPolicy ${policy} restarts it`,
  };
}

function pendingOrRunning(pod: KubeObject, containers: ContainerView[]): StateVerdict {
  const status = record(pod.status);
  const phase = text(status?.phase);
  if (phase === "Running" || phase === "Unknown") {
    const looping = containers.find((c) => decisive(c) && c.waiting?.reason === "CrashLoopBackOff");
    if (looping) {
      const last = looping.lastTerminated;
      const message = last
        ? `${exitMessage(looping, last)}; restarted ${looping.restartCount} ${
          looping.restartCount === 1 ? "time" : "times"
        }`
        : looping.waiting?.message;
      return { state: "Running", reason: "CrashLoopBackOff", ...(message ? { message } : {}) };
    }
    if (phase === "Unknown") {
      return {
        state: "Running",
        reason: text(status?.reason) ?? "Unknown",
        message: text(status?.message) ?? "the pod's node stopped reporting its state",
      };
    }
    return { state: "Running" };
  }
  const unscheduled = conditionsOf(pod).find((c) =>
    c.type === "PodScheduled" && c.status === "False"
  );
  if (unscheduled) {
    return {
      state: "Pending",
      reason: unscheduled.reason ?? "Unschedulable",
      ...(unscheduled.message ? { message: unscheduled.message } : {}),
    };
  }
  const waiting = containers.find((c) => c.role !== "ephemeral" && c.waiting?.reason);
  if (waiting?.waiting) {
    const { reason, message } = waiting.waiting;
    return { state: "Pending", reason, ...(message ? { message } : {}) };
  }
  return { state: "Pending" };
}

function mainContainerState(
  pod: KubeObject,
  main: string,
  containers: ContainerView[],
): StateVerdict {
  const regular = containers.filter((c) => c.role === "container");
  const container = regular.find((c) => c.name === main);
  if (!container) {
    const names = regular.map((c) => c.name).join(", ") || "none";
    return {
      state: "Failed",
      reason: "MainContainerNotFound",
      message: `annotation ${MAIN_CONTAINER_ANNOTATION} names container "${main}", ` +
        `which is not a container of the pod (containers: ${names})`,
    };
  }
  const t = container.terminated;
  if (t) {
    if (t.exitCode === 0) {
      return {
        state: "Succeeded",
        reason: t.reason ?? "Completed",
        message: exitMessage(container, t),
      };
    }
    const status = record(pod.status);
    if (text(status?.phase) === "Failed" && text(status?.reason)) {
      // The pod was evicted or ran past its deadline: that says more than the kill's exit code.
      return failedFromPhase(pod, containers);
    }
    const policy = effectivePolicy(pod, container);
    if (policy === "Never") {
      return { state: "Failed", reason: t.reason ?? "Error", message: exitMessage(container, t) };
    }
    return restartingVerdict(container, t, policy);
  }
  const phase = text(record(pod.status)?.phase);
  if (phase === "Failed") return failedFromPhase(pod, containers);
  if (phase === "Succeeded") return { state: "Succeeded", reason: "Completed" };
  return pendingOrRunning(pod, containers);
}

/**
 * Decides the state of a Pod (see the module documentation for the rules).
 */
export function podState(pod: KubeObject): StateVerdict {
  const containers = podContainers(pod);
  const main = mainContainerName(pod);
  if (main !== undefined) return mainContainerState(pod, main, containers);

  const phase = text(record(pod.status)?.phase);
  if (phase === "Succeeded") return { state: "Succeeded", reason: "Completed" };
  if (phase === "Failed") return failedFromPhase(pod, containers);
  for (const c of containers) {
    const t = c.terminated;
    if (!decisive(c) || !t || t.exitCode === 0) continue;
    const policy = effectivePolicy(pod, c);
    if (policy === "Never") {
      return { state: "Failed", reason: t.reason ?? "Error", message: exitMessage(c, t) };
    }
  }
  return pendingOrRunning(pod, containers);
}
