/**
 * Decides how a run ends: the tracked resource's state rule, fail-fast on
 * problems that keep the run from starting or going on
 * (`src/kinds/startup_problems.ts`, after a grace), the startup timeout (per
 * pod, from when it is first seen), the execution timeout, and deletion of
 * the tracked resource.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import type { KubeEvent } from "../kube/kube_event.ts";
import type { StateRule, StateVerdict } from "../kinds/resource_state.ts";
import {
  createProblem,
  podAwaitsNode,
  podHasStarted,
  podStartupProblems,
  STARTUP_EVENT_REASONS,
  type StartupProblem,
} from "../kinds/startup_problems.ts";
import { podContainers } from "../kinds/pod_containers.ts";
import { containerStatuses, type PodLike } from "./_pod_cache.ts";

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
  /**
   * Time allowed until a container of the run runs (ms), for the run and for
   * each of its pods from when it is first seen (or, if later, from when no
   * other pod of the run runs any more); 0 for no limit.
   */
  startupTimeoutMs: number;
  /** Time allowed for the whole run (ms); none when undefined. */
  executionTimeoutMs?: number;
  /** How long a startup problem (stuck container, failed mount, ...) may last (ms). */
  unrecoverableGraceMs: number;
  /**
   * Whether a non-Pending verdict of the tracked resource counts as started,
   * for kinds whose pods kjo may not see (custom kinds). Job counters count
   * Pending pods as active, so leave it off for Jobs and Pods.
   * @default {false}
   */
  verdictMeansStarted?: boolean;
  /** Called when the tracked resource's verdict changes. */
  onVerdict?: (verdict: StateVerdict) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** A pod of the run as last seen, with what the periodic tick asks of it. */
interface TrackedPod {
  pod: PodLike;
  /** When the run first saw it (ms, the tracker's clock). */
  firstSeen: number;
  /** A container of it runs. */
  running: boolean;
  /** It is pending, not deleted, and none of its containers has run. */
  waitsToStart: boolean;
}

/** A pending, not deleted pod none of whose containers has run. */
function waitsToStart(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return (phase === undefined || phase === "Pending") && !pod.metadata.deletionTimestamp &&
    !podHasStarted(pod);
}

/**
 * Follows the tracked resource, the run's pods and their Events, and
 * resolves {@linkcode RunTracker.decided} once the run's outcome is known.
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
  #tracked?: KubeObject;
  #pods = new Map<string, TrackedPod>();
  /** Events kept per involved `Kind/name`, the latest of each reason. */
  #events = new Map<string, Map<string, KubeEvent>>();
  #problemSince = new Map<string, number>();
  /** The current startup problems; undefined after a change until the next check. */
  #problems?: Map<string, StartupProblem>;
  /** When a container of the run was last seen running. */
  #lastRunningAt = -Infinity;
  /** Nodes looked up for pods that await them (`null`: not found). */
  #nodes = new Map<string, KubeObject | null>();

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

  /** Whether a container of the run has run yet. */
  get hasStarted(): boolean {
    return this.#running;
  }

  /** Feeds the latest version of the tracked resource. */
  onTracked(object: KubeObject): void {
    this.#tracked = object;
    this.#problems = undefined;
    const verdict = this.#options.rule(object);
    const last = this.#lastVerdict;
    if (!last || last.state !== verdict.state || last.reason !== verdict.reason) {
      this.#lastVerdict = verdict;
      this.#options.onVerdict?.(verdict);
    }
    if (this.#options.verdictMeansStarted && verdict.state !== "Pending") this.#running = true;
    if (verdict.state === "Succeeded" || verdict.state === "Failed") {
      this.#decide({ state: verdict.state, reason: verdict.reason, message: verdict.message });
    }
    this.#checkProblems();
  }

  /** Records that the tracked resource was deleted by someone else. */
  onTrackedDeleted(description: string): void {
    this.#decide({ state: "Deleted", reason: "Deleted", message: `${description} was deleted` });
  }

  /** Feeds the latest version of a pod of the run. */
  onPod(pod: PodLike): void {
    const name = pod.metadata.name!;
    this.#pods.set(name, {
      pod,
      firstSeen: this.#pods.get(name)?.firstSeen ?? this.#now(),
      running: podContainers(pod).some((c) => c.running),
      waitsToStart: waitsToStart(pod),
    });
    this.#problems = undefined;
    if (podHasStarted(pod)) this.#running = true;
    this.tick();
  }

  /** Forgets a deleted pod. */
  onPodDeleted(name: string): void {
    this.#pods.delete(name);
    this.#problems = undefined;
    this.#events.delete(`Pod/${name}`);
    this.#checkProblems();
  }

  /**
   * Feeds an Event about an object of the run (the tracked resource or a
   * pod); only the reasons the startup problems read are kept.
   */
  onEvent(event: KubeEvent): void {
    const { kind, name } = event.involvedObject;
    if (!event.reason || !STARTUP_EVENT_REASONS.has(event.reason) || !kind || !name) return;
    const key = `${kind}/${name}`;
    if (kind === "Pod" && !this.#pods.has(name)) return;
    const byReason = this.#events.get(key) ?? new Map<string, KubeEvent>();
    byReason.set(event.reason, event);
    this.#events.set(key, byReason);
    this.#problems = undefined;
    this.tick();
  }

  /**
   * The nodes worth looking up: those of pods bound to them for at least
   * `afterMs` without being acknowledged ({@linkcode podAwaitsNode}).
   */
  nodesToCheck(afterMs: number): string[] {
    const now = this.#now();
    const names = new Set<string>();
    for (const { pod, firstSeen } of this.#pods.values()) {
      const node = pod.spec?.nodeName;
      if (node && now - firstSeen >= afterMs && podAwaitsNode(pod)) names.add(node);
    }
    return [...names];
  }

  /** Feeds a looked-up Node (`null` when it does not exist). */
  onNode(name: string, node: KubeObject | null): void {
    this.#nodes.set(name, node);
    this.#problems = undefined;
    this.tick();
  }

  /** Checks the clocks; call it periodically. */
  tick(): void {
    if (this.#final) return;
    const now = this.#now();
    const stuck = this.#checkProblems();
    if (stuck) {
      const [problem, since] = stuck;
      this.#decide({
        state: "Failed",
        reason: problem.reason,
        message: `${problem.subject}: ${problem.reason}${
          problem.message ? `: ${problem.message}` : ""
        }${Number.isFinite(since) ? ` (for ${Math.round((now - since) / 1000)}s)` : ""}`,
      });
      return;
    }
    const startup = this.#options.startupTimeoutMs;
    if (startup > 0 && !this.#running && now - this.#startedAt >= startup) {
      this.#decide({
        state: "Failed",
        reason: "StartupTimeout",
        message: `nothing started within ${Math.round(startup / 1000)}s${
          this.#whyNotStarted([...this.#pods.values()].map((p) => p.pod))
        }`,
      });
      return;
    }
    if (startup > 0) {
      // A pod waiting while another one runs (parallel pods on a full cluster)
      // is not stuck: its clock starts once nothing of the run runs.
      for (const p of this.#pods.values()) {
        if (p.running) {
          this.#lastRunningAt = now;
          break;
        }
      }
      for (const { pod, firstSeen, waitsToStart } of this.#pods.values()) {
        const since = Math.max(firstSeen, this.#lastRunningAt);
        if (now - since < startup || !waitsToStart) continue;
        this.#decide({
          state: "Failed",
          reason: "StartupTimeout",
          message: `pod ${pod.metadata.name} did not start within ${Math.round(startup / 1000)}s${
            this.#whyNotStarted([pod])
          }`,
        });
        return;
      }
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

  /**
   * Updates when each current problem began (forgetting those that cleared)
   * and returns the oldest one past the grace, if any.
   */
  #checkProblems(): [StartupProblem, number] | undefined {
    const current = this.#problems ??= this.#findProblems();
    const now = this.#now();
    let found: [StartupProblem, number] | undefined;
    for (const [key, problem] of current) {
      // Only a change of the pod spec fixes a permanent problem: no grace.
      if (!this.#problemSince.has(key)) {
        this.#problemSince.set(key, problem.permanent ? -Infinity : now);
      }
      const since = this.#problemSince.get(key)!;
      if (now - since < this.#options.unrecoverableGraceMs) continue;
      if (!found || since < found[1]) found = [problem, since];
    }
    return found;
  }

  /**
   * The startup problems of the run's pods and tracked resource now. A pure
   * function of what was fed: computed again only after a change, so the
   * periodic tick of a thousand waiting runs costs a clock check each.
   */
  #findProblems(): Map<string, StartupProblem> {
    const current = new Map<string, StartupProblem>();
    for (const { pod } of this.#pods.values()) {
      const events = [...(this.#events.get(`Pod/${pod.metadata.name}`)?.values() ?? [])];
      const nodeName = pod.spec?.nodeName;
      const node = nodeName ? this.#nodes.get(nodeName) : undefined;
      for (const p of podStartupProblems(pod, events, node)) current.set(problemKey(p), p);
    }
    const tracked = this.#tracked;
    if (tracked) {
      const events = this.#events.get(`${tracked.kind}/${tracked.metadata.name}`);
      const live = [...this.#pods.values()].filter(({ pod }) =>
        !pod.metadata.deletionTimestamp &&
        pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed"
      ).length;
      const p = events && createProblem(tracked, [...events.values()], live);
      if (p) current.set(problemKey(p), p);
    }
    for (const key of [...this.#problemSince.keys()]) {
      if (!current.has(key)) this.#problemSince.delete(key);
    }
    return current;
  }

  #whyNotStarted(pods: PodLike[]): string {
    const reasons: string[] = [];
    for (const pod of pods) {
      const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
      if (scheduled?.status === "False") {
        reasons.push(
          `pod ${pod.metadata.name}: ${scheduled.reason ?? "Unschedulable"}: ${
            scheduled.message ?? ""
          }`.trim(),
        );
        continue;
      }
      const before = reasons.length;
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
      if (reasons.length === before && podAwaitsNode(pod)) {
        const node = pod.spec?.nodeName;
        reasons.push(`pod ${pod.metadata.name}: node ${node} has not acknowledged it`);
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

/**
 * One key per container or object and kind of problem, so that reasons that
 * alternate (`ErrImagePull` / `ImagePullBackOff`) count as one stuck period.
 */
function problemKey(p: StartupProblem): string {
  const family = IMAGE_PULL.has(p.reason) ? "ImagePull" : p.reason;
  return `${p.subject}|${family}`;
}

const IMAGE_PULL = new Set(["ErrImagePull", "ImagePullBackOff"]);
