/**
 * The latest known state of every pod of a run, fed by the pod watch, and the
 * questions the runner asks of it.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { podContainers } from "../kinds/pod_containers.ts";
import { mainContainerName } from "../kinds/pod_state.ts";
import { containerFailed } from "./failure_summary.ts";

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
    nodeName?: string;
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
 * Options of {@linkcode PodCache}.
 */
export interface PodCacheOptions {
  /**
   * Finished pods that failed kept whole (the most recent), for the failure summary.
   * @default 10
   */
  keepFailed?: number;
  /**
   * Other finished pods kept whole (the most recent).
   * @default 5
   */
  keepSucceeded?: number;
  /**
   * Names of finished pods no longer kept that are still remembered as done
   * (a few dozen bytes each).
   * @default 50_000
   */
  rememberDone?: number;
}

/**
 * Latest pod objects by name; deleted pods are remembered as gone.
 *
 * Memory stays bounded over a long run: pods that are still running are kept
 * whole, and so are finished ones while they are pinned (a log follower
 * still reads them); of the other finished pods only the last `keepFailed`
 * failed and `keepSucceeded` others are kept, and the rest are remembered by
 * name only (as done), up to `rememberDone` names.
 */
export class PodCache {
  #pods = new Map<string, PodLike>();
  #gone = new Set<string>();
  #pins = new Map<string, number>();
  /** Finished pods kept whole, oldest first. */
  #finished = { failed: new Set<string>(), other: new Set<string>() };
  /** Finished pods no longer kept whole, oldest first. */
  #forgotten = new Set<string>();
  #forgottenCount = 0;
  readonly #keepFailed: number;
  readonly #keepSucceeded: number;
  readonly #rememberDone: number;

  /** Creates an empty cache. */
  constructor(options: PodCacheOptions = {}) {
    this.#keepFailed = options.keepFailed ?? 10;
    this.#keepSucceeded = options.keepSucceeded ?? 5;
    this.#rememberDone = options.rememberDone ?? 50_000;
  }

  /** Records the latest version of a pod. */
  update(pod: PodLike): void {
    const name = pod.metadata.name!;
    if (this.#forgotten.has(name)) {
      // A finished pod seen again (a re-list): it stays forgotten, unless the name lives again.
      if (isFinished(pod)) return;
      this.#forgotten.delete(name);
    }
    this.#pods.set(name, pod);
    this.#gone.delete(name);
    this.#settle(name);
  }

  /** Records that a pod was deleted. */
  remove(name: string): void {
    if (!this.#pods.has(name)) {
      this.#remember(name);
      return;
    }
    this.#gone.add(name);
    this.#settle(name);
  }

  /** Keeps a pod whole while it is pinned (pins count; see {@linkcode unpin}). */
  pin(name: string): void {
    this.#pins.set(name, (this.#pins.get(name) ?? 0) + 1);
  }

  /** Releases one pin of a pod; an unpinned finished pod may be forgotten. */
  unpin(name: string): void {
    const pins = (this.#pins.get(name) ?? 0) - 1;
    if (pins > 0) {
      this.#pins.set(name, pins);
      return;
    }
    this.#pins.delete(name);
    this.#evict();
  }

  /** The latest version of a pod, if it is kept. */
  get(name: string): PodLike | undefined {
    return this.#pods.get(name);
  }

  /** Every pod kept, including deleted ones. */
  all(): PodLike[] {
    return [...this.#pods.values()];
  }

  /** Finished pods no longer kept whole (not in {@linkcode all}). */
  get forgotten(): number {
    return this.#forgottenCount;
  }

  /** Whether a container of a kept pod failed (terminated with a non-zero code, now or before a restart). */
  hasContainerFailed(podName: string, container: string): boolean {
    const pod = this.#pods.get(podName);
    const view = pod && podContainers(pod).find((c) => c.name === container);
    return view !== undefined && containerFailed(view);
  }

  /**
   * Whether `container` is the main container of a kept pod: the one named
   * by the `kubernetes_job_operator.main_container` annotation, else the
   * first of `spec.containers`.
   */
  isMainContainer(podName: string, container: string): boolean {
    const pod = this.#pods.get(podName);
    if (!pod) return false;
    return (mainContainerName(pod) ?? pod.spec?.containers?.[0]?.name) === container;
  }

  /**
   * True when a container will write no more lines: the pod is gone or has
   * ended, or the container terminated and will not be restarted.
   */
  isContainerDone(podName: string, container: string): boolean {
    if (this.#gone.has(podName) || this.#forgotten.has(podName)) return true;
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

  /** Files a kept pod as running or finished (failed or not), then forgets the excess. */
  #settle(name: string): void {
    const pod = this.#pods.get(name)!;
    const { failed, other } = this.#finished;
    if (!this.#gone.has(name) && !isFinished(pod)) {
      failed.delete(name);
      other.delete(name);
      return;
    }
    const isFailed = pod.status?.phase === "Failed" || podContainers(pod).some(containerFailed);
    (isFailed ? other : failed).delete(name);
    (isFailed ? failed : other).add(name); // a Set keeps the first insertion's place
    this.#evict();
  }

  #evict(): void {
    for (
      const [bucket, keep] of [
        [this.#finished.failed, this.#keepFailed],
        [this.#finished.other, this.#keepSucceeded],
      ] as const
    ) {
      let excess = bucket.size - keep;
      if (excess <= 0) continue;
      for (const name of bucket) {
        if (excess <= 0) break;
        if (this.#pins.has(name)) continue;
        bucket.delete(name);
        this.#pods.delete(name);
        this.#gone.delete(name);
        this.#remember(name);
        this.#forgottenCount++;
        excess--;
      }
    }
  }

  #remember(name: string): void {
    this.#forgotten.delete(name);
    this.#forgotten.add(name);
    if (this.#forgotten.size > this.#rememberDone) {
      this.#forgotten.delete(this.#forgotten.values().next().value!);
    }
  }
}

function isFinished(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}
