/**
 * Decides how a run ends: the tracked resource's state rule, fail-fast on
 * container states that cannot recover, the startup and execution
 * timeouts, and deletion of the tracked resource.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import type { StateRule, StateVerdict } from "../kinds/resource_state.ts";
import { containerStatuses, type PodLike } from "./_pod_cache.ts";
import { findStuckContainers } from "../kinds/image_pull_failure.ts";

/** How a run ended, as far as the tracked resource goes. */
export interface FinalVerdict {
  state: "Succeeded" | "Failed" | "Deleted" | "TimedOut";
  reason?: string;
  message?: string;
}

/** Options of {@linkcode RunTracker}. */
export interface RunTrackerOptions {
  /** The state rule of the tracked resource's kind. */
  rule: StateRule;
  /** Time allowed until something of the run runs (ms). */
  startupTimeoutMs: number;
  /** Time allowed for the whole run (ms); none when undefined. */
  executionTimeoutMs?: number;
  /** How long a container may stay in an unrecoverable waiting state (ms). */
  unrecoverableGraceMs: number;
  /** Called when the tracked resource's verdict changes. */
  onVerdict?: (verdict: StateVerdict) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Follows the tracked resource and the run's pods and resolves
 * {@linkcode RunTracker.decided} once the run's outcome is known.
 *
 * @example
 * ```ts
 * const tracker = new RunTracker({ rule, startupTimeoutMs: 120_000, unrecoverableGraceMs: 30_000 });
 * tracker.onTracked(job);
 * const verdict = await tracker.decided;
 * ```
 */
export class RunTracker {
  /** Resolves with the outcome, once. */
  readonly decided: Promise<FinalVerdict>;
  #resolve!: (verdict: FinalVerdict) => void;
  #options: RunTrackerOptions;
  #now: () => number;
  #startedAt: number;
  #running = false;
  #final?: FinalVerdict;
  #lastVerdict?: StateVerdict;
  #pods = new Map<string, PodLike>();
  #waitingSince = new Map<string, number>();

  /** Starts the clocks for the startup and execution timeouts. */
  constructor(options: RunTrackerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.decided = new Promise((resolve) => this.#resolve = resolve);
  }

  /** The outcome, once decided. */
  get final(): FinalVerdict | undefined {
    return this.#final;
  }

  /** The tracked resource's latest verdict. */
  get lastVerdict(): StateVerdict | undefined {
    return this.#lastVerdict;
  }

  /** Whether anything of the run has run yet. */
  get hasStarted(): boolean {
    return this.#running;
  }

  /** Feeds the latest version of the tracked resource. */
  onTracked(object: KubeObject): void {
    const verdict = this.#options.rule(object);
    const last = this.#lastVerdict;
    if (!last || last.state !== verdict.state || last.reason !== verdict.reason) {
      this.#lastVerdict = verdict;
      this.#options.onVerdict?.(verdict);
    }
    if (verdict.state !== "Pending") this.#running = true;
    if (verdict.state === "Succeeded" || verdict.state === "Failed") {
      this.#decide({ state: verdict.state, reason: verdict.reason, message: verdict.message });
    }
  }

  /** Records that the tracked resource was deleted by someone else. */
  onTrackedDeleted(description: string): void {
    this.#decide({ state: "Deleted", reason: "Deleted", message: `${description} was deleted` });
  }

  /** Feeds the latest version of a pod of the run. */
  onPod(pod: PodLike): void {
    this.#pods.set(pod.metadata.name!, pod);
    for (const status of containerStatuses(pod)) {
      if (status.state?.running || status.state?.terminated) this.#running = true;
    }
    const stuck = new Map(
      findStuckContainers(pod).map((s) => [`${pod.metadata.name}/${s.container}`, s]),
    );
    for (const key of [...this.#waitingSince.keys()]) {
      if (key.startsWith(`${pod.metadata.name}/`) && !stuck.has(key)) {
        this.#waitingSince.delete(key);
      }
    }
    for (const [key, container] of stuck) {
      if (this.#waitingSince.has(key)) continue;
      // Only a change of the pod spec fixes a permanent reason: no grace.
      this.#waitingSince.set(key, container.permanent ? -Infinity : this.#now());
    }
    this.tick();
  }

  /** Forgets a deleted pod. */
  onPodDeleted(name: string): void {
    this.#pods.delete(name);
    for (const key of [...this.#waitingSince.keys()]) {
      if (key.startsWith(`${name}/`)) this.#waitingSince.delete(key);
    }
  }

  /** Checks the clocks; call it periodically. */
  tick(): void {
    if (this.#final) return;
    const now = this.#now();
    for (const [key, since] of this.#waitingSince) {
      if (now - since < this.#options.unrecoverableGraceMs) continue;
      const [podName, container] = [
        key.slice(0, key.indexOf("/")),
        key.slice(key.indexOf("/") + 1),
      ];
      const status = containerStatuses(this.#pods.get(podName)!).find((s) => s.name === container);
      const waiting = status?.state?.waiting;
      this.#decide({
        state: "Failed",
        reason: waiting?.reason ?? "Unrecoverable",
        message: `pod ${podName} container ${container}: ${waiting?.reason}${
          waiting?.message ? `: ${waiting.message}` : ""
        }${Number.isFinite(since) ? ` (for ${Math.round((now - since) / 1000)}s)` : ""}`,
      });
      return;
    }
    if (!this.#running && now - this.#startedAt >= this.#options.startupTimeoutMs) {
      this.#decide({
        state: "Failed",
        reason: "StartupTimeout",
        message: `nothing started within ${
          Math.round(this.#options.startupTimeoutMs / 1000)
        }s${this.#whyNotStarted()}`,
      });
      return;
    }
    const limit = this.#options.executionTimeoutMs;
    if (limit !== undefined && now - this.#startedAt >= limit) {
      this.#decide({
        state: "TimedOut",
        reason: "ExecutionTimeout",
        message: `the run did not end within ${Math.round(limit / 1000)}s`,
      });
    }
  }

  #whyNotStarted(): string {
    const reasons: string[] = [];
    for (const pod of this.#pods.values()) {
      const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
      if (scheduled?.status === "False") {
        reasons.push(
          `pod ${pod.metadata.name}: ${scheduled.reason ?? "Unschedulable"}: ${
            scheduled.message ?? ""
          }`.trim(),
        );
        continue;
      }
      for (const status of containerStatuses(pod)) {
        const waiting = status.state?.waiting;
        if (waiting?.reason) {
          reasons.push(
            `pod ${pod.metadata.name} container ${status.name}: ${waiting.reason}${
              waiting.message ? `: ${waiting.message}` : ""
            }`,
          );
        }
      }
    }
    if (this.#pods.size === 0) reasons.push("no pod of the run was created");
    return reasons.length ? `; ${reasons.join("; ")}` : "";
  }

  #decide(verdict: FinalVerdict): void {
    if (this.#final) return;
    this.#final = verdict;
    this.#resolve(verdict);
  }
}
