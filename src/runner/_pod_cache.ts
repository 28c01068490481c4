/**
 * The latest known state of every pod of a run, fed by the pod watch, and the
 * questions the runner asks of it.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { podContainers } from "../kinds/pod_containers.ts";

/** The parts of a container status the runner reads. */
export interface ContainerStatusLike {
  name: string;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { exitCode?: number; reason?: string; message?: string };
  };
  lastState?: { terminated?: { exitCode?: number } };
}

/** A pod as the runner reads it. */
export interface PodLike extends KubeObject {
  spec?: {
    restartPolicy?: string;
    initContainers?: { name: string }[];
    containers?: { name: string }[];
  };
  status?: {
    phase?: string;
    initContainerStatuses?: ContainerStatusLike[];
    containerStatuses?: ContainerStatusLike[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Every container status of a pod, init containers first. */
export function containerStatuses(pod: PodLike): ContainerStatusLike[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/**
 * Latest pod objects by name; deleted pods are remembered as gone.
 *
 * @example
 * ```ts
 * const cache = new PodCache();
 * cache.update(pod);
 * cache.isContainerDone("p", "main");
 * ```
 */
export class PodCache {
  #pods = new Map<string, PodLike>();
  #gone = new Set<string>();

  /** Records the latest version of a pod. */
  update(pod: PodLike): void {
    const name = pod.metadata.name!;
    this.#pods.set(name, pod);
    this.#gone.delete(name);
  }

  /** Records that a pod was deleted. */
  remove(name: string): void {
    this.#gone.add(name);
  }

  /** The latest version of a pod, if known. */
  get(name: string): PodLike | undefined {
    return this.#pods.get(name);
  }

  /** Every pod seen, including deleted ones. */
  all(): PodLike[] {
    return [...this.#pods.values()];
  }

  /**
   * True when a container will write no more lines: the pod is gone or has
   * ended, or the container terminated and will not be restarted.
   */
  isContainerDone(podName: string, container: string): boolean {
    if (this.#gone.has(podName)) return true;
    const pod = this.#pods.get(podName);
    if (!pod) return false;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return true;
    const view = podContainers(pod).find((c) => c.name === container);
    if (pod.metadata.deletionTimestamp) return !view?.running;
    if (!view?.terminated) return false;
    // A native sidecar (init container with restartPolicy Always) is restarted
    // until the pod ends.
    if (view.sidecar) return false;
    const exitCode = view.terminated.exitCode;
    if (view.role === "init") {
      return exitCode === 0 || (pod.spec?.restartPolicy ?? "Always") === "Never";
    }
    // The container's own restartPolicy (Kubernetes >= 1.34) wins over the pod's.
    const policy = view.restartPolicy ?? pod.spec?.restartPolicy ?? "Always";
    if (policy === "Never") return true;
    if (policy === "OnFailure") return exitCode === 0;
    return false;
  }
}
