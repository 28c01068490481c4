/**
 * Detects containers stuck in a waiting state that will not get better by
 * itself: image pull errors, invalid image names, container config errors.
 * Kubernetes keeps such pods Pending forever; the runner fails the run when
 * they last longer than a grace period (or at once for `permanent` ones).
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { podContainers } from "./pod_containers.ts";

/**
 * Waiting reasons treated as stuck, and whether each is permanent (needs a
 * change of the pod spec) or may still clear up (a registry that comes back,
 * a Secret or ConfigMap created later).
 */
export const STUCK_WAITING_REASONS: ReadonlyMap<string, { permanent: boolean }> = new Map([
  ["ErrImagePull", { permanent: false }],
  ["ImagePullBackOff", { permanent: false }],
  ["ImageInspectError", { permanent: false }],
  ["CreateContainerConfigError", { permanent: false }],
  ["CreateContainerError", { permanent: false }],
  ["InvalidImageName", { permanent: true }],
  ["ErrImageNeverPull", { permanent: true }],
]);

/**
 * A container stuck in one of the {@linkcode STUCK_WAITING_REASONS}.
 */
export interface StuckContainer {
  container: string;
  /** An init container (including native sidecars). */
  init: boolean;
  reason: string;
  message?: string;
  /** `true` when only a spec change can fix it (`InvalidImageName`, `ErrImageNeverPull`). */
  permanent: boolean;
}

/**
 * Every container (init, regular, ephemeral) of a pod whose `state.waiting`
 * reason is one of {@linkcode STUCK_WAITING_REASONS}, in spec order. An
 * empty list when none is.
 */
export function findStuckContainers(pod: KubeObject): StuckContainer[] {
  const out: StuckContainer[] = [];
  for (const c of podContainers(pod)) {
    const reason = c.waiting?.reason;
    const known = reason ? STUCK_WAITING_REASONS.get(reason) : undefined;
    if (!reason || !known) continue;
    out.push({
      container: c.name,
      init: c.role === "init",
      reason,
      ...(c.waiting?.message ? { message: c.waiting.message } : {}),
      permanent: known.permanent,
    });
  }
  return out;
}
